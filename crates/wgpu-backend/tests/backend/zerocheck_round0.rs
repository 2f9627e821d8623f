//! Zerocheck round 0 on the GPU (src/zerocheck_round0.rs) against upstream's
//! `LogupZerocheckCpu::sumcheck_uni_round0_polys`, under every limit profile: upstream's prover
//! is built with `LogupZerocheckCpu::new` on the same proving key and context, given the same ξ
//! (random, of upstream's length `l_skip + max(n_max, n_logup)`), α, β and λ, and its
//! polynomials are compared coefficient for coefficient with the device's:
//! - `zerocheck_round0_polys` against upstream's last `num_airs` polynomials (the zerocheck's);
//! - `sumcheck_uni_round0_polys` against upstream's whole output (LogUp's numerator and
//!   denominator per AIR, then the zerocheck's).
//!
//! The fixtures: FibFixture, PreprocessedFibFixture, CachedFixture11, PreprocessedAndCachedFixture,
//! InteractionsFixture11, MixtureFixture and the keccakf AIR (src/keccakf.rs) with a small trace;
//! also with l_skip above some traces' log heights (lifted traces), with every slot spilled to
//! global scratch, and with chunks of one or three blocks (several chunks summed).

use crate::common;

use openvm_stark_backend::{
    prover::{LogupZerocheckCpu, MatrixDimensions},
    test_utils::{test_system_params_small, FibFixture},
    StarkEngine,
};
use openvm_stark_sdk::config::{app_params_with_100_bits_security, baby_bear_poseidon2::BabyBearPoseidon2RefEngine};
use openvm_wgpu_backend::{
    common::ColumnMatrix,
    constraints::{ConstraintProgram, ConstraintTraces, EvalOptions, ProgramSplit},
    field::EF,
    logup_zerocheck::gkr_input::interactions_layout,
    logup_zerocheck::round0::{sumcheck_uni_round0_polys, zerocheck_round0_polys, LogupChallenges, Round0Air, Round0Options},
    GpuContext, LimitProfile,
};
use p3_util::log2_strict_usize;
use rand::Rng;

use crate::common::rap::{case, fixture_cases, Case, KeccakfFixture};

fn check(gpu: &GpuContext, profile: LimitProfile, case: &Case, options: Round0Options, seed: u64) {
    let what = format!("{} on {profile} ({options:?})", case.name);
    let (pk, ctx) = (&case.pk, &case.ctx);
    let l_skip = pk.params.l_skip;
    let mut rng = common::rng(seed);

    // Upstream's prover, as prove_zerocheck_and_logup builds it, with random challenges.
    let layout = interactions_layout(l_skip, &case.air_interactions()).unwrap();
    let (alpha, beta, lambda): (EF, EF, EF) = (rng.random(), rng.random(), rng.random());
    let mut prover = LogupZerocheckCpu::new(pk, ctx, layout.n_logup, layout.layout.clone(), alpha, beta).unwrap();
    let n_max = log2_strict_usize(ctx.per_trace[0].1.common_main.height()).saturating_sub(l_skip);
    let xi: Vec<EF> = (0..l_skip + n_max.max(layout.n_logup)).map(|_| rng.random()).collect();
    prover.xi = xi.clone();
    let expected = prover.sumcheck_uni_round0_polys(ctx, lambda).unwrap();
    let num_airs = ctx.per_trace.len();
    assert_eq!(expected.len(), 3 * num_airs, "{what}: upstream's polynomial count");

    // The device: programs and traces.
    let device = common::DeviceAirs::upload(gpu, pk, ctx);
    let main_refs = device.main_refs();
    let airs: Vec<Round0Air<'_>> = ctx
        .per_trace
        .iter()
        .enumerate()
        .map(|(t, (a, _))| Round0Air {
            program: &device.programs[t],
            traces: device.traces(&main_refs, ctx, t),
            constraint_degree: pk.per_air[*a].vk.max_constraint_degree as usize,
        })
        .collect();

    let got = zerocheck_round0_polys(gpu, &airs, l_skip, &xi, lambda, options).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(got.len(), num_airs, "{what}: zerocheck polynomial count");
    for (t, (g, e)) in got.iter().zip(&expected[2 * num_airs..]).enumerate() {
        assert!(!e.coeffs().is_empty() || g.coeffs().is_empty(), "{what}: AIR {t}");
        assert_eq!(g.coeffs(), e.coeffs(), "{what}: zerocheck polynomial of AIR {t} (height {})", ctx.per_trace[t].1.common_main.height());
    }

    let full = sumcheck_uni_round0_polys(gpu, &airs, l_skip, LogupChallenges { layout: &layout, beta }, &xi, lambda, options)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(full.len(), expected.len(), "{what}: polynomial count");
    for (i, (g, e)) in full.iter().zip(&expected).enumerate() {
        assert_eq!(g.coeffs(), e.coeffs(), "{what}: polynomial {i} of {} (LogUp p, q per AIR, then zerocheck per AIR)", expected.len());
    }
    let with_interactions = airs.iter().filter(|a| !a.program.program.interactions.is_empty()).count();
    assert_eq!(
        expected[..2 * num_airs].iter().filter(|p| !p.coeffs().is_empty()).count(),
        2 * with_interactions,
        "{what}: LogUp polynomials are nonempty exactly for AIRs with interactions"
    );
}

fn spilled_one_block() -> Round0Options {
    Round0Options { eval: EvalOptions { fast_slot_cap: Some(0), ..Default::default() }, max_chunk_blocks: Some(1) }
}

#[test]
fn fixtures_match_upstream() {
    let cases = fixture_cases(&test_system_params_small(2, 8, 3));
    for (profile, gpu) in common::profiles() {
        for (i, case) in cases.iter().enumerate() {
            check(&gpu, profile, case, Round0Options::default(), i as u64);
            check(&gpu, profile, case, spilled_one_block(), 100 + i as u64);
        }
    }
}

/// l_skip above some traces' log heights: those AIRs are lifted (upstream's cyclic repetition,
/// selectors of the lifted selector matrix).
#[test]
fn lifted_traces_match_upstream() {
    let cases = fixture_cases(&test_system_params_small(5, 6, 3));
    for (profile, gpu) in common::profiles() {
        for (i, case) in cases.iter().enumerate() {
            check(&gpu, profile, case, Round0Options::default(), 200 + i as u64);
        }
    }
}

#[test]
fn keccakf_matches_upstream() {
    // The keccakf example's l_skip = 4; two permutations give 64 rows (four blocks).
    let params = app_params_with_100_bits_security(14);
    let engine: BabyBearPoseidon2RefEngine = StarkEngine::new(params);
    let case = case(&engine, "keccakf", KeccakfFixture { perms: 2 });
    for (profile, gpu) in common::profiles() {
        check(&gpu, profile, &case, Round0Options::default(), 300);
        check(&gpu, profile, &case, Round0Options { max_chunk_blocks: Some(3), ..Default::default() }, 301);
        // The split program run part after part, and the unsplit program.
        for split in [ProgramSplit::PartsPerInvocation(1), ProgramSplit::Unsplit] {
            check(&gpu, profile, &case, Round0Options { eval: EvalOptions { split, ..Default::default() }, ..Default::default() }, 302);
        }
    }
}

/// Bad input is refused with an error, not a panic: ξ shorter than an AIR needs.
#[test]
fn short_xi_is_an_error() {
    let params = test_system_params_small(2, 8, 3);
    let engine: BabyBearPoseidon2RefEngine = StarkEngine::new(params);
    let case = case(&engine, "FibFixture", FibFixture::new(0, 1, 16));
    let gpu = common::ctx(LimitProfile::Tiny);
    let (pk, ctx) = (&case.pk, &case.ctx);
    let program = ConstraintProgram::compile(&pk.per_air[0].vk.symbolic_constraints).unwrap().upload(&gpu).unwrap();
    let main = common::upload(&gpu, &ctx.per_trace[0].1.common_main);
    let mains = [&main];
    let air = Round0Air {
        program: &program,
        traces: ConstraintTraces { preprocessed: None, mains: &mains, public_values: &ctx.per_trace[0].1.public_values },
        constraint_degree: pk.per_air[0].vk.max_constraint_degree as usize,
    };
    // Height 16 with l_skip = 2 needs 2 + 2 elements of xi.
    let err =
        zerocheck_round0_polys(&gpu, &[air], 2, &[EF::default(); 3], EF::default(), Round0Options::default()).unwrap_err().to_string();
    assert!(err.contains("xi"), "{err}");
}

/// keccakf with 2048 rows under the tiny profile: the trace spans two storage bindings and the
/// virtual columns of all blocks do not fit one, so the blocks go in chunks sized by the limits.
#[test]
fn keccakf_trace_split_over_bindings() {
    let params = app_params_with_100_bits_security(14);
    let engine: BabyBearPoseidon2RefEngine = StarkEngine::new(params);
    let case = case(&engine, "keccakf 2048 rows", KeccakfFixture { perms: 85 });
    assert_eq!(case.ctx.per_trace[0].1.common_main.height(), 2048);
    let (profile, gpu) = (LimitProfile::Tiny, common::ctx(LimitProfile::Tiny));
    let m = ColumnMatrix::zeroed(&gpu, "probe", 2048, case.ctx.per_trace[0].1.common_main.width()).unwrap();
    assert!(m.chunks.len() > 1, "the test trace should need several bindings on {profile}");
    drop(m);
    check(&gpu, profile, &case, Round0Options::default(), 400);
}

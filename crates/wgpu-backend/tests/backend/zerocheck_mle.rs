//! The zerocheck after round 0 on the GPU (src/zerocheck_mle.rs) against upstream's
//! `LogupZerocheckCpu`, under every limit profile: upstream's prover is built with
//! `LogupZerocheckCpu::new` on the same proving key and context, given random ξ, α, β, λ and
//! r_0, runs `sumcheck_uni_round0_polys` then `fold_ple_evals(ctx, r_0)`, and its public fields
//! `mat_evals_per_trace` and `sels_per_trace` are compared value for value with the device's
//! folded matrices; then every round's `sumcheck_polys_eval` (LogUp's and the zerocheck's
//! polynomials) and, after the last fold, `into_column_openings`. The same with each AIR's
//! folded columns split over several chunks (a cap on a chunk's bytes below the binding size).

use crate::common;

use openvm_stark_backend::{
    poly_common::UnivariatePoly,
    prover::{ColMajorMatrix, LogupZerocheckCpu, MatrixDimensions},
    test_utils::{test_system_params_small, FibFixture, PreprocessedFibFixture},
    StarkEngine, SystemParams,
};
use openvm_stark_sdk::config::{app_params_with_100_bits_security, baby_bear_poseidon2::BabyBearPoseidon2RefEngine};
use openvm_wgpu_backend::{
    constraints::{EvalOptions, ProgramSplit},
    field::EF,
    kernels::constraint_eval_ext::FOLDED_BINDINGS,
    logup_zerocheck::gkr_input::{interactions_layout, InteractionsLayout},
    logup_zerocheck::mle_round::{fold_ple_evals, FoldedAir, MleChallenges, MleOptions, ZerocheckMle},
    logup_zerocheck::round0::{LogupChallenges, Round0Air},
    GpuContext, LimitProfile,
};
use p3_field::PrimeCharacteristicRing;
use p3_util::log2_strict_usize;
use rand::Rng;

use crate::common::rap::{case, fixture_cases, Case, KeccakfFixture, SC};

fn keccakf_case() -> Case {
    // The keccakf example's l_skip = 4; two permutations give 64 rows (four blocks).
    let engine: BabyBearPoseidon2RefEngine = StarkEngine::new(app_params_with_100_bits_security(14));
    case(&engine, "keccakf", KeccakfFixture { perms: 2 })
}

/// Upstream's prover after round 0, as prove_zerocheck_and_logup drives it, with random
/// challenges; returns it with ξ, the interactions layout, β and round 0's polynomials.
fn upstream<'a>(case: &'a Case, rng: &mut impl Rng, lambda: EF) -> Upstream<'a> {
    let (pk, ctx) = (&case.pk, &case.ctx);
    let l_skip = pk.params.l_skip;
    let layout = interactions_layout(l_skip, &case.air_interactions()).unwrap();
    let (alpha, beta): (EF, EF) = (rng.random(), rng.random());
    let mut prover = LogupZerocheckCpu::new(pk, ctx, layout.n_logup, layout.layout.clone(), alpha, beta).unwrap();
    let n_max = log2_strict_usize(ctx.per_trace[0].1.common_main.height()).saturating_sub(l_skip);
    let xi: Vec<EF> = (0..l_skip + n_max.max(layout.n_logup)).map(|_| rng.random()).collect();
    prover.xi = xi.clone();
    let round0 = prover.sumcheck_uni_round0_polys(ctx, lambda).unwrap();
    Upstream { prover, xi, layout, beta, round0 }
}

struct Upstream<'a> {
    prover: LogupZerocheckCpu<'a, SC>,
    xi: Vec<EF>,
    layout: InteractionsLayout,
    beta: EF,
    round0: Vec<UnivariatePoly<EF>>,
}

fn assert_folded(gpu: &GpuContext, f: &FoldedAir, sels: &ColMajorMatrix<EF>, mats: &[ColMajorMatrix<EF>], what: &str) {
    assert_eq!((f.height, 3), (sels.height(), sels.width()), "{what}: selector shape");
    assert_eq!(f.read_sels(gpu).unwrap(), sels.values, "{what}: selectors");
    assert_eq!(f.widths.len(), mats.len(), "{what}: matrix count");
    for (i, e) in mats.iter().enumerate() {
        assert_eq!((f.height, f.widths[i]), (e.height(), e.width()), "{what}: shape of matrix {i}");
        assert_eq!(f.read_mat(gpu, i).unwrap(), e.values, "{what}: matrix {i}");
    }
}

fn device_airs<'a>(
    case: &'a Case,
    device: &'a common::DeviceAirs,
    main_refs: &'a [Vec<&'a openvm_wgpu_backend::common::ColumnMatrix>],
) -> Vec<Round0Air<'a>> {
    case.ctx
        .per_trace
        .iter()
        .enumerate()
        .map(|(t, (a, _))| Round0Air {
            program: &device.programs[t],
            traces: device.traces(main_refs, &case.ctx, t),
            constraint_degree: case.pk.per_air[*a].vk.max_constraint_degree as usize,
        })
        .collect()
}

/// The largest chunk cap under which every AIR's folded columns (upstream's, after
/// `fold_ple_evals`) fit in `chunks` chunks: the widest AIR gets exactly that many.
fn chunk_cap(prover: &LogupZerocheckCpu<'_, SC>, chunks: usize) -> u64 {
    (0..prover.sels_per_trace.len())
        .map(|t| {
            let columns = 3 + prover.mat_evals_per_trace[t].iter().map(|m| m.width()).sum::<usize>();
            (16 * prover.sels_per_trace[t].height() * columns.div_ceil(chunks)) as u64
        })
        .max()
        .unwrap_or(16)
}

/// The fold at r_0; with `chunks`, every AIR's columns split over that many chunks at most
/// (the widest exactly).
fn check_fold(gpu: &GpuContext, profile: LimitProfile, case: &Case, chunks: Option<usize>, seed: u64) {
    let what = format!("{} on {profile} ({chunks:?} chunks)", case.name);
    let (pk, ctx) = (&case.pk, &case.ctx);
    let l_skip = pk.params.l_skip;
    let mut rng = common::rng(seed);
    let lambda: EF = rng.random();
    let Upstream { mut prover, .. } = upstream(case, &mut rng, lambda);
    let r_0: EF = rng.random();
    prover.fold_ple_evals(ctx, r_0);
    let cap = chunks.map(|c| chunk_cap(&prover, c));

    let device = common::DeviceAirs::upload(gpu, pk, ctx);
    let main_refs = device.main_refs();
    let airs = device_airs(case, &device, &main_refs);
    let folded = fold_ple_evals(gpu, &airs, l_skip, r_0, cap).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(folded.len(), ctx.per_trace.len(), "{what}: AIR count");
    if let Some(c) = chunks {
        let most = folded.iter().map(|f| f.chunks.len()).max().unwrap_or(0);
        assert!(most > 1 && most <= c, "{what}: {most} chunks in the widest AIR");
    }
    for (t, f) in folded.iter().enumerate() {
        assert_folded(gpu, f, &prover.sels_per_trace[t], &prover.mat_evals_per_trace[t], &format!("{what}: AIR {t}"));
    }
}

/// Every round after round 0: upstream's `sumcheck_polys_eval` (LogUp's polynomials, then the
/// zerocheck's) for the same random challenges; the round-0 consistency check holds for these
/// valid traces; after the last fold the folded columns (upstream's `mat_evals_per_trace`, one
/// row each) and upstream's `into_column_openings`. With `chunks`, every AIR's folded columns
/// start in at most that many chunks (the widest exactly).
fn check_rounds(gpu: &GpuContext, profile: LimitProfile, case: &Case, options: EvalOptions, chunks: Option<usize>, seed: u64) {
    let what = format!("{} on {profile} ({options:?}, {chunks:?} chunks)", case.name);
    let (pk, ctx) = (&case.pk, &case.ctx);
    let l_skip = pk.params.l_skip;
    let num_airs = ctx.per_trace.len();
    let mut rng = common::rng(seed);
    let lambda: EF = rng.random();
    let Upstream { mut prover, xi, layout, beta, round0 } = upstream(case, &mut rng, lambda);
    let r_0: EF = rng.random();
    prover.fold_ple_evals(ctx, r_0);
    let options = MleOptions { eval: options, max_chunk_bytes: chunks.map(|c| chunk_cap(&prover, c)) };
    let what = format!("{what}, {:?} bytes per chunk", options.max_chunk_bytes);

    let device = common::DeviceAirs::upload(gpu, pk, ctx);
    let main_refs = device.main_refs();
    let airs = device_airs(case, &device, &main_refs);
    let challenges = MleChallenges { xi: &xi, lambda, r_0, logup: Some(LogupChallenges { layout: &layout, beta }) };
    let mut mle =
        ZerocheckMle::new(gpu, &airs, l_skip, challenges, pk.max_constraint_degree, options).unwrap_or_else(|e| panic!("{what}: {e}"));
    if let Some(c) = chunks {
        let most = mle.folded(gpu).unwrap().iter().map(|f| f.chunks.len()).max().unwrap_or(0);
        assert!(most > 1 && most <= c, "{what}: {most} chunks in the widest AIR");
    }
    let s0_at_r0: Vec<EF> = round0[2 * num_airs..].iter().map(|p| p.eval_at_point(r_0)).collect();
    let consistent = mle.round0_consistency(gpu, &s0_at_r0).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(consistent.iter().all(|&c| c), "{what}: round 0 inconsistent with the folded columns of valid traces: {consistent:?}");
    let n_max = prover.n_per_trace[0].max(0) as usize;
    let mut tilde_rounds = 0;
    let mut r_prev = r_0;
    for round in 1..=n_max {
        let expected = prover.sumcheck_polys_eval(round, r_prev).unwrap();
        let got = mle.sumcheck_polys_eval(gpu, round, r_prev).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(got.len(), 3 * num_airs, "{what}: round {round} polynomial count");
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            let kind = ["LogUp numerator", "LogUp denominator", "zerocheck"][if i < 2 * num_airs { i % 2 } else { 2 }];
            assert!(!g.is_empty(), "{what}: round {round}, polynomial {i}: empty");
            assert_eq!(g, e, "{what}: round {round}, {kind} polynomial of AIR {}", if i < 2 * num_airs { i / 2 } else { i - 2 * num_airs });
            tilde_rounds += usize::from(g.len() == 1);
        }
        let r: EF = rng.random();
        prover.fold_mle_evals(round, r);
        mle.fold_mle_evals(gpu, round, r).unwrap_or_else(|e| panic!("{what}: {e}"));
        r_prev = r;
    }
    eprintln!("{what}: {n_max} rounds, {tilde_rounds} exhausted-AIR values");
    for (t, f) in mle.folded(gpu).unwrap().iter().enumerate() {
        assert_folded(gpu, f, &prover.sels_per_trace[t], &prover.mat_evals_per_trace[t], &format!("{what}: AIR {t} after the last fold"));
    }
    let openings = mle.column_openings(gpu).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(openings, prover.into_column_openings().unwrap(), "{what}: column openings");
}

/// A trace that violates a constraint: round 0's polynomial disagrees with the folded columns.
fn check_violation(gpu: &GpuContext, profile: LimitProfile, case: &Case, seed: u64) {
    let what = format!("{} on {profile} (a violated constraint)", case.name);
    let (pk, ctx) = (&case.pk, &case.ctx);
    let l_skip = pk.params.l_skip;
    let num_airs = ctx.per_trace.len();
    let mut rng = common::rng(seed);
    let lambda: EF = rng.random();
    let Upstream { xi, round0, .. } = upstream(case, &mut rng, lambda);
    let r_0: EF = rng.random();
    let device = common::DeviceAirs::upload(gpu, pk, ctx);
    let main_refs = device.main_refs();
    let airs = device_airs(case, &device, &main_refs);
    // The same check against a perturbed round-0 claim stands for a trace whose round-0
    // polynomial was computed from violated constraints: only that AIR is reported.
    let mut s0_at_r0: Vec<EF> = round0[2 * num_airs..].iter().map(|p| p.eval_at_point(r_0)).collect();
    let bad = num_airs - 1;
    s0_at_r0[bad] += EF::ONE;
    let challenges = MleChallenges { xi: &xi, lambda, r_0, logup: None };
    let mut mle = ZerocheckMle::new(gpu, &airs, l_skip, challenges, pk.max_constraint_degree, MleOptions::default()).unwrap();
    let consistent = mle.round0_consistency(gpu, &s0_at_r0).unwrap_or_else(|e| panic!("{what}: {e}"));
    let expected: Vec<bool> = (0..num_airs).map(|t| t != bad).collect();
    assert_eq!(consistent, expected, "{what}");
}

#[test]
fn fold_ple_fixtures_match_upstream() {
    let cases = fixture_cases(&test_system_params_small(2, 8, 3));
    for (profile, gpu) in common::profiles() {
        for (i, case) in cases.iter().enumerate() {
            check_fold(&gpu, profile, case, None, i as u64);
        }
    }
}

/// l_skip above some traces' log heights: those AIRs are lifted.
#[test]
fn fold_ple_lifted_traces_match_upstream() {
    let cases = fixture_cases(&test_system_params_small(5, 6, 3));
    for (profile, gpu) in common::profiles() {
        for (i, case) in cases.iter().enumerate() {
            check_fold(&gpu, profile, case, None, 100 + i as u64);
        }
    }
}

#[test]
fn fold_ple_keccakf_matches_upstream() {
    let case = keccakf_case();
    for (profile, gpu) in common::profiles() {
        check_fold(&gpu, profile, &case, None, 200);
    }
}

/// AIRs without interactions.
fn zerocheck_cases(params: &SystemParams) -> Vec<Case> {
    let engine: BabyBearPoseidon2RefEngine = StarkEngine::new(params.clone());
    vec![
        case(&engine, "FibFixture", FibFixture::new(0, 1, 16)),
        case(&engine, "PreprocessedFibFixture", PreprocessedFibFixture::new(0, 1, vec![true, false, true, true])),
    ]
}

/// The zerocheck part on every fixture, those with interactions (whose LogUp part stays on the
/// host) and several heights included: AIRs whose variables run out early contribute
/// upstream's tilde values.
#[test]
fn rounds_fixtures_match_upstream() {
    let cases = fixture_cases(&test_system_params_small(2, 8, 3));
    for (profile, gpu) in common::profiles() {
        for (i, case) in cases.iter().enumerate() {
            check_rounds(&gpu, profile, case, EvalOptions::default(), None, 300 + i as u64);
            check_rounds(&gpu, profile, case, EvalOptions { fast_slot_cap: Some(0), ..Default::default() }, None, 310 + i as u64);
            check_rounds(&gpu, profile, case, EvalOptions { split: ProgramSplit::Unsplit, ..Default::default() }, None, 320 + i as u64);
            check_rounds(
                &gpu,
                profile,
                case,
                EvalOptions { split: ProgramSplit::PartsPerInvocation(2), ..Default::default() },
                None,
                330 + i as u64,
            );
        }
    }
}

/// l_skip above some traces' log heights: lifted AIRs (LogUp's numerators normalized) with no
/// multilinear variables.
#[test]
fn rounds_lifted_match_upstream() {
    let cases = fixture_cases(&test_system_params_small(5, 6, 3));
    for (profile, gpu) in common::profiles() {
        for (i, case) in cases.iter().enumerate() {
            check_rounds(&gpu, profile, case, EvalOptions::default(), None, 400 + i as u64);
        }
    }
}

#[test]
fn rounds_keccakf_match_upstream() {
    let case = keccakf_case();
    for (profile, gpu) in common::profiles() {
        check_rounds(&gpu, profile, &case, EvalOptions::default(), None, 500);
        check_rounds(&gpu, profile, &case, EvalOptions { split: ProgramSplit::Unsplit, ..Default::default() }, None, 501);
        check_rounds(&gpu, profile, &case, EvalOptions { split: ProgramSplit::PartsPerInvocation(7), ..Default::default() }, None, 502);
    }
}

/// l_skip = 1: PreprocessedFibFixture (4 rows) gets multilinear rounds too.
#[test]
fn rounds_small_skip_match_upstream() {
    let cases = zerocheck_cases(&test_system_params_small(1, 8, 3));
    for (profile, gpu) in common::profiles() {
        for (i, case) in cases.iter().enumerate() {
            check_rounds(&gpu, profile, case, EvalOptions::default(), None, 600 + i as u64);
        }
    }
}

/// Folded columns that need more chunks than the rounds bind: refused before any work, with
/// the sizes.
fn check_too_many_chunks(gpu: &GpuContext, profile: LimitProfile, case: &Case, seed: u64) {
    let what = format!("{} on {profile} (one column per chunk)", case.name);
    let (pk, ctx) = (&case.pk, &case.ctx);
    let mut rng = common::rng(seed);
    let lambda: EF = rng.random();
    let Upstream { mut prover, xi, .. } = upstream(case, &mut rng, lambda);
    let r_0: EF = rng.random();
    prover.fold_ple_evals(ctx, r_0);
    let options = MleOptions { max_chunk_bytes: Some(chunk_cap(&prover, usize::MAX)), ..Default::default() };
    let device = common::DeviceAirs::upload(gpu, pk, ctx);
    let main_refs = device.main_refs();
    let airs = device_airs(case, &device, &main_refs);
    let challenges = MleChallenges { xi: &xi, lambda, r_0, logup: None };
    match ZerocheckMle::new(gpu, &airs, pk.params.l_skip, challenges, pk.max_constraint_degree, options) {
        Ok(_) => panic!("{what}: accepted"),
        Err(e) => assert!(e.to_string().contains(&format!("bind at most {FOLDED_BINDINGS}")), "{what}: {e}"),
    }
}

/// Every AIR's folded columns split over several chunks of whole columns (a cap on a chunk's
/// bytes): the fold at r_0 (into more chunks than the rounds bind), every round, the re-chunking
/// folds and the column openings from as many chunks as the rounds bind; more are refused.
#[test]
fn chunked_folded_columns_match_upstream() {
    let cases = fixture_cases(&test_system_params_small(2, 8, 3));
    let keccakf = keccakf_case();
    for (profile, gpu) in common::profiles() {
        for (i, case) in cases.iter().enumerate() {
            check_fold(&gpu, profile, case, Some(3), 800 + i as u64);
            check_rounds(&gpu, profile, case, EvalOptions::default(), Some(FOLDED_BINDINGS), 810 + i as u64);
            check_too_many_chunks(&gpu, profile, case, 820 + i as u64);
        }
        check_fold(&gpu, profile, &keccakf, Some(2 * FOLDED_BINDINGS), 830);
        check_rounds(&gpu, profile, &keccakf, EvalOptions::default(), Some(FOLDED_BINDINGS), 831);
    }
}

/// A disagreeing round-0 claim is reported for its AIR only.
#[test]
fn round0_consistency_reports_the_air() {
    let cases = fixture_cases(&test_system_params_small(2, 8, 3));
    for (profile, gpu) in common::profiles() {
        for (i, case) in cases.iter().enumerate() {
            check_violation(&gpu, profile, case, 700 + i as u64);
        }
    }
    // Every AIR without multilinear variables (only the folded point is evaluated).
    let lifted = zerocheck_cases(&test_system_params_small(5, 6, 3));
    let (profile, gpu) = common::profiles().into_iter().next().expect("a profile");
    check_violation(&gpu, profile, &lifted[0], 750);
}

//! The zerocheck after round 0 on the GPU (src/zerocheck_mle.rs) against upstream's
//! `LogupZerocheckCpu`, under every limit profile: upstream's prover is built with
//! `LogupZerocheckCpu::new` on the same proving key and context, given random ξ, α, β, λ and
//! r_0, runs `sumcheck_uni_round0_polys` then `fold_ple_evals(ctx, r_0)`, and its public fields
//! `mat_evals_per_trace` and `sels_per_trace` are compared value for value with the device's
//! folded matrices.

mod common;

use std::sync::Arc;

use openvm_stark_backend::{
    keygen::types::MultiStarkProvingKey,
    prover::{
        AirProvingContext, ColMajorMatrix, CpuColMajorBackend, DeviceDataTransporter, DeviceMultiStarkProvingKey, LogupZerocheckCpu,
        MatrixDimensions, ProvingContext,
    },
    test_utils::{
        test_system_params_small, CachedFixture11, FibFixture, InteractionsFixture11, MixtureFixture, PreprocessedAndCachedFixture,
        PreprocessedFibFixture, TestFixture,
    },
    AirRef, StarkEngine, SystemParams,
};
use openvm_stark_sdk::config::{
    app_params_with_100_bits_security,
    baby_bear_poseidon2::{BabyBearPoseidon2Config, BabyBearPoseidon2RefEngine},
};
use openvm_wgpu_backend::{
    field::EF,
    keccakf::{keccakf_trace, KeccakfAir},
    logup_input::interactions_layout,
    zerocheck_mle::{fold_ple_evals, ExtMatrix},
    zerocheck_round0::Round0Air,
    GpuContext, LimitProfile,
};
use p3_util::log2_strict_usize;
use rand::Rng;

type SC = BabyBearPoseidon2Config;
type Pk = DeviceMultiStarkProvingKey<CpuColMajorBackend<SC>>;
type Ctx = ProvingContext<CpuColMajorBackend<SC>>;

struct Case {
    name: &'static str,
    pk: Pk,
    ctx: Ctx,
}

fn case(engine: &BabyBearPoseidon2RefEngine, name: &'static str, fx: impl TestFixture<SC>) -> Case {
    let pk: MultiStarkProvingKey<SC> = engine.keygen(&fx.airs()).0;
    Case { name, pk: engine.device().transport_pk_to_device(&pk), ctx: fx.generate_proving_ctx().into_sorted() }
}

fn fixture_cases(params: &SystemParams) -> Vec<Case> {
    let engine: BabyBearPoseidon2RefEngine = StarkEngine::new(params.clone());
    let config = || BabyBearPoseidon2Config::default_from_params(params.clone());
    let sels = vec![true, false, true, true];
    vec![
        case(&engine, "FibFixture", FibFixture::new(0, 1, 16)),
        case(&engine, "PreprocessedFibFixture", PreprocessedFibFixture::new(0, 1, sels.clone())),
        case(&engine, "CachedFixture11", CachedFixture11::new(config())),
        case(&engine, "PreprocessedAndCachedFixture", PreprocessedAndCachedFixture::new(sels, config(), 2)),
        case(&engine, "InteractionsFixture11", InteractionsFixture11),
        case(&engine, "MixtureFixture", MixtureFixture::standard(3, config())),
    ]
}

struct KeccakfFixture {
    perms: usize,
}

impl TestFixture<SC> for KeccakfFixture {
    fn airs(&self) -> Vec<AirRef<SC>> {
        vec![Arc::new(KeccakfAir::default())]
    }

    fn generate_proving_ctx(&self) -> Ctx {
        let trace = keccakf_trace(self.perms, 42);
        ProvingContext::new(vec![(0, AirProvingContext::simple_no_pis(ColMajorMatrix::from_row_major(&trace)))])
    }
}

fn keccakf_case() -> Case {
    // The keccakf example's l_skip = 4; two permutations give 64 rows (four blocks).
    let engine: BabyBearPoseidon2RefEngine = StarkEngine::new(app_params_with_100_bits_security(14));
    case(&engine, "keccakf", KeccakfFixture { perms: 2 })
}

/// Upstream's prover after round 0, as prove_zerocheck_and_logup drives it, with random
/// challenges; returns it with ξ.
fn upstream<'a>(case: &'a Case, rng: &mut impl Rng) -> (LogupZerocheckCpu<'a, SC>, Vec<EF>) {
    let (pk, ctx) = (&case.pk, &case.ctx);
    let l_skip = pk.params.l_skip;
    let shape: Vec<(usize, usize)> =
        ctx.per_trace.iter().map(|(a, t)| (pk.per_air[*a].vk.symbolic_constraints.interactions.len(), t.common_main.height())).collect();
    let layout = interactions_layout(l_skip, &shape).unwrap();
    let (alpha, beta, lambda): (EF, EF, EF) = (rng.random(), rng.random(), rng.random());
    let mut prover = LogupZerocheckCpu::new(pk, ctx, layout.n_logup, layout.layout.clone(), alpha, beta).unwrap();
    let n_max = log2_strict_usize(ctx.per_trace[0].1.common_main.height()).saturating_sub(l_skip);
    let xi: Vec<EF> = (0..l_skip + n_max.max(layout.n_logup)).map(|_| rng.random()).collect();
    prover.xi = xi.clone();
    prover.sumcheck_uni_round0_polys(ctx, lambda).unwrap();
    (prover, xi)
}

fn assert_matrix(gpu: &GpuContext, got: &ExtMatrix, expected: &ColMajorMatrix<EF>, what: &str) {
    assert_eq!((got.height, got.width), (expected.height(), expected.width()), "{what}: shape");
    assert_eq!(got.read(gpu).unwrap(), expected.values, "{what}: values");
}

fn check_fold(gpu: &GpuContext, profile: LimitProfile, case: &Case, seed: u64) {
    let what = format!("{} on {profile}", case.name);
    let (pk, ctx) = (&case.pk, &case.ctx);
    let l_skip = pk.params.l_skip;
    let mut rng = common::rng(seed);
    let (mut prover, _xi) = upstream(case, &mut rng);
    let r_0: EF = rng.random();
    prover.fold_ple_evals(ctx, r_0);

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
    let folded = fold_ple_evals(gpu, &airs, l_skip, r_0).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(folded.len(), ctx.per_trace.len(), "{what}: AIR count");
    for (t, f) in folded.iter().enumerate() {
        assert_matrix(gpu, &f.sels, &prover.sels_per_trace[t], &format!("{what}: selectors of AIR {t}"));
        let expected = &prover.mat_evals_per_trace[t];
        assert_eq!(f.mats.len(), expected.len(), "{what}: matrix count of AIR {t}");
        for (i, (g, e)) in f.mats.iter().zip(expected).enumerate() {
            assert_matrix(gpu, g, e, &format!("{what}: matrix {i} of AIR {t}"));
        }
    }
}

#[test]
fn fold_ple_fixtures_match_upstream() {
    let cases = fixture_cases(&test_system_params_small(2, 8, 3));
    for (profile, gpu) in common::profiles() {
        for (i, case) in cases.iter().enumerate() {
            check_fold(&gpu, profile, case, i as u64);
        }
    }
}

/// l_skip above some traces' log heights: those AIRs are lifted.
#[test]
fn fold_ple_lifted_traces_match_upstream() {
    let cases = fixture_cases(&test_system_params_small(5, 6, 3));
    for (profile, gpu) in common::profiles() {
        for (i, case) in cases.iter().enumerate() {
            check_fold(&gpu, profile, case, 100 + i as u64);
        }
    }
}

#[test]
fn fold_ple_keccakf_matches_upstream() {
    let case = keccakf_case();
    for (profile, gpu) in common::profiles() {
        check_fold(&gpu, profile, &case, 200);
    }
}

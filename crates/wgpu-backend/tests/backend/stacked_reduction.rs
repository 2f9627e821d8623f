//! The GPU stacked reduction against upstream's `prove_stacked_opening_reduction` (the reference
//! `StackedReductionCpu`): round-0 coefficients, every round's evaluations, the stacked
//! openings, the challenges and the transcript state, bit for bit, under every limit profile,
//! for traces of many heights (some below 2^l_skip), with and without rotation claims, over
//! several commitments.

use crate::common;

use openvm_stark_backend::{
    prover::{
        stacked_pcs::{stacked_commit as cpu_stacked_commit, StackedPcsData as HostPcsData},
        stacked_reduction::{prove_stacked_opening_reduction as cpu_reduction, StackedReductionCpu},
        ColMajorMatrix, CpuColMajorBackend, ReferenceDevice,
    },
    FiatShamirTranscript, StarkProtocolConfig, SystemParams,
};
use openvm_stark_sdk::config::{
    app_params_with_100_bits_security,
    baby_bear_poseidon2::{BabyBearPoseidon2Config, Digest, DuplexSponge},
};
use openvm_wgpu_backend::{
    commit::stacked_pcs::{stacked_commit, StackedPcsData},
    field::{EF, F},
    openings::stacked_reduction::prove_stacked_opening_reduction,
    GpuError,
};
use p3_baby_bear::default_babybear_poseidon2_16;
use rand::Rng;

type SC = BabyBearPoseidon2Config;

/// Random traces, tallest first, with heights from 1 up to 2^max_log.
fn random_traces(seed: u64, max_log: usize, shapes: &[(usize, usize)]) -> Vec<ColMajorMatrix<F>> {
    let mut rng = common::rng(seed);
    let mut shapes: Vec<(usize, usize)> = shapes.iter().map(|&(h, w)| (h.min(max_log), w)).collect();
    for _ in 0..3 {
        shapes.push((rng.random_range(0..=max_log), rng.random_range(1..=6)));
    }
    shapes.sort_by_key(|s| std::cmp::Reverse(s.0));
    shapes.into_iter().map(|(log_h, w)| ColMajorMatrix::new(common::random_field(&mut rng, w << log_h), w)).collect()
}

fn transcript_after(seed: u64) -> DuplexSponge {
    let mut ts = DuplexSponge::from(default_babybear_poseidon2_16());
    let mut rng = common::rng(seed);
    for _ in 0..(seed % 11) {
        FiatShamirTranscript::<SC>::observe(&mut ts, rng.random::<F>());
    }
    ts
}

/// Commits every group of traces on the host and on each profile's device, runs both
/// reductions from the same transcript and compares everything they produce.
fn check(params: &SystemParams, groups: &[Vec<ColMajorMatrix<F>>], seed: u64, what: &str) {
    let config = SC::default_from_params(params.clone());
    let (l_skip, n_stack) = (params.l_skip, params.n_stack);
    let host: Vec<HostPcsData<F, Digest>> = groups
        .iter()
        .map(|g| {
            let refs: Vec<&ColMajorMatrix<F>> = g.iter().collect();
            cpu_stacked_commit(config.hasher(), l_skip, n_stack, params.log_blowup, params.k_whir(), &refs).unwrap().1
        })
        .collect();
    let mut rng = common::rng(seed);
    let need_rot: Vec<Vec<bool>> = groups.iter().map(|g| g.iter().map(|_| rng.random_bool(0.6)).collect()).collect();
    let r: Vec<EF> = (0..=n_stack).map(|_| rng.random()).collect();

    let device = ReferenceDevice::new(config.clone());
    let mut want_ts = transcript_after(seed);
    let (want, want_u) = cpu_reduction::<SC, CpuColMajorBackend<SC>, _, _, StackedReductionCpu<SC>>(
        &device,
        &mut want_ts,
        n_stack,
        host.iter().collect(),
        need_rot.clone(),
        &r,
    );
    let want_next: EF = FiatShamirTranscript::<SC>::sample_ext(&mut want_ts);

    for (profile, ctx) in common::profiles() {
        let committed: Result<Vec<StackedPcsData>, GpuError> = groups
            .iter()
            .map(|g| {
                let refs: Vec<&ColMajorMatrix<F>> = g.iter().collect();
                Ok(stacked_commit(&ctx, l_skip, n_stack, params.log_blowup, params.k_whir(), &refs)?.1)
            })
            .collect();
        let ours = committed.unwrap_or_else(|e| panic!("{what}: commit under {profile}: {e}"));
        let refs: Vec<&StackedPcsData> = ours.iter().collect();
        let mut ts = transcript_after(seed);
        let (got, got_u) = prove_stacked_opening_reduction(&ctx, &mut ts, l_skip, n_stack, &refs, &need_rot, &r)
            .unwrap_or_else(|e| panic!("{what} under {profile}: {e}"));
        assert_eq!(got.univariate_round_coeffs, want.univariate_round_coeffs, "{what}: s_0 under {profile}");
        assert_eq!(got.sumcheck_round_polys, want.sumcheck_round_polys, "{what}: round evaluations under {profile}");
        assert_eq!(got.stacking_openings, want.stacking_openings, "{what}: stacked openings under {profile}");
        assert_eq!(got_u, want_u, "{what}: challenges under {profile}");
        let next: EF = FiatShamirTranscript::<SC>::sample_ext(&mut ts);
        assert_eq!(next, want_next, "{what}: transcript state under {profile}");
    }
}

#[test]
fn stacked_reduction_matches_upstream_with_small_params() {
    use openvm_stark_backend::test_utils::test_system_params_small;
    for (i, &(l_skip, n_stack, k_whir)) in [(2usize, 6usize, 2usize), (0, 7, 2), (3, 5, 1), (4, 4, 2)].iter().enumerate() {
        let params = test_system_params_small(l_skip, n_stack, k_whir);
        let max_log = l_skip + n_stack;
        let main = random_traces(i as u64, max_log, &[(max_log, 2), (max_log - 1, 3), (l_skip, 2), (1, 2), (0, 3)]);
        let cached = random_traces(100 + i as u64, max_log, &[(max_log - 2, 2)]);
        let single = vec![ColMajorMatrix::new(common::random_field(&mut common::rng(7), 1 << max_log), 1)];
        check(&params, &[main, cached, single], i as u64 + 1, &format!("l_skip={l_skip} n_stack={n_stack}"));
    }
}

#[test]
fn stacked_reduction_matches_upstream_with_many_views_per_height() {
    // 150 columns of one height and many short traces: view slabs, several units per height.
    use openvm_stark_backend::test_utils::test_system_params_small;
    let params = test_system_params_small(3, 6, 2);
    let main = random_traces(41, 9, &[(9, 150), (6, 40), (2, 30), (0, 20)]);
    check(&params, &[main], 41, "150 columns");
}

#[test]
fn stacked_reduction_matches_upstream_with_keccakf_params() {
    // l_skip = 4, n_stack = 17: most rounds see every view folded to a point.
    let params = app_params_with_100_bits_security(21);
    let main = random_traces(21, 12, &[(12, 5), (8, 3), (3, 2)]);
    check(&params, &[main], 21, "app_params_with_100_bits_security(21)");
}

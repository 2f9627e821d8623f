//! The GPU fractional-sum GKR of LogUp (`logup_gkr::fractional_sumcheck`) against upstream's
//! `fractional_sumcheck` under every limit profile: proof (root fraction, every layer's claims,
//! every round polynomial), final point and transcript state equal on random input layers of
//! 2^1..2^12 and 2^16 fractions, with and without `assert_zero`; upstream's `verify_gkr` accepts
//! the proof and its final claims are the input MLEs at the point; and the edge cases (empty,
//! one fraction, nonzero root under `assert_zero`); an input layer over two and four storage
//! bindings.
//! With the sponge on the device, layers whose rounds are all small run whole in one workgroup
//! (`gkr_small_rounds`: up to layer 11 with 256-invocation workgroups, 9 under `tiny`) and
//! larger ones split between device-wide rounds and a one-workgroup tail, so 2^12 and 2^16
//! cover both sides of that threshold under every profile.

use crate::common;

use openvm_stark_backend::{
    proof::GkrProof,
    prover::{
        fractional_sumcheck_gkr::{fractional_sumcheck as cpu_fractional_sumcheck, Frac, FracSumcheckProof},
        poly::evals_eq_hypercube,
        LogupZerocheckError,
    },
    verifier::fractional_sumcheck_gkr::verify_gkr,
    FiatShamirTranscript,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::{BabyBearPoseidon2Config, DuplexSponge};
use openvm_wgpu_backend::{
    error::WgpuProverError,
    field::{EF, F},
    logup_zerocheck::device_transcript::SpongePlacement,
    logup_zerocheck::fractional::{fractional_sumcheck, fractional_sumcheck_with, max_input_fractions, FracInput},
    GpuContext, GpuError, LimitProfile,
};
use p3_baby_bear::default_babybear_poseidon2_16;
use p3_field::{Field, PrimeCharacteristicRing};
use rand::Rng;

type SC = BabyBearPoseidon2Config;

fn transcript() -> DuplexSponge {
    DuplexSponge::from(default_babybear_poseidon2_16())
}

/// 2^log random fractions with nonzero denominators; with `zero_sum` the last numerator makes
/// the fractions sum to zero.
fn random_fracs(seed: u64, log: usize, zero_sum: bool) -> Vec<Frac<EF>> {
    let mut rng = common::rng(seed);
    let mut fracs: Vec<Frac<EF>> = (0..1usize << log)
        .map(|_| {
            let p: EF = rng.random();
            let mut q: EF = rng.random();
            while q == EF::ZERO {
                q = rng.random();
            }
            Frac { p, q }
        })
        .collect();
    if zero_sum {
        let (last, rest) = fracs.split_last_mut().unwrap();
        let sum: EF = rest.iter().map(|f| f.p * f.q.inverse()).sum();
        last.p = -sum * last.q;
    }
    fracs
}

fn assert_same(gpu: &FracSumcheckProof<SC>, cpu: &FracSumcheckProof<SC>, what: &str) {
    assert_eq!(gpu.fractional_sum, cpu.fractional_sum, "{what}: root fraction");
    assert_eq!(gpu.claims_per_layer.len(), cpu.claims_per_layer.len(), "{what}: layers");
    for (j, (g, c)) in gpu.claims_per_layer.iter().zip(&cpu.claims_per_layer).enumerate() {
        assert_eq!(g, c, "{what}: claims of layer {}", j + 1);
    }
    assert_eq!(gpu.sumcheck_polys, cpu.sumcheck_polys, "{what}: round polynomials");
}

/// Runs both provers on `fracs` from fresh transcripts and compares everything, with the
/// challenges sampled on the device and on the host; returns the GPU proof and point.
fn check(ctx: &GpuContext, fracs: &[Frac<EF>], assert_zero: bool, what: &str) -> (FracSumcheckProof<SC>, Vec<EF>) {
    let mut cpu_ts = transcript();
    let (cpu_proof, cpu_xi) = cpu_fractional_sumcheck::<SC, _>(&mut cpu_ts, fracs, assert_zero).unwrap();
    let input = FracInput::from_host(ctx, fracs).unwrap();
    let mut result = None;
    for placement in [SpongePlacement::Auto, SpongePlacement::Host] {
        let what = format!("{what}, {placement:?}");
        let mut gpu_ts = transcript();
        let (gpu_proof, gpu_xi) = fractional_sumcheck_with(ctx, &mut gpu_ts, &input, assert_zero, placement).unwrap();
        assert_same(&gpu_proof, &cpu_proof, &what);
        assert_eq!(gpu_xi, cpu_xi, "{what}: point");
        let mut cpu_ts = cpu_ts.clone();
        assert_eq!(
            FiatShamirTranscript::<SC>::sample_ext(&mut gpu_ts),
            FiatShamirTranscript::<SC>::sample_ext(&mut cpu_ts),
            "{what}: transcript state"
        );
        result = Some((gpu_proof, gpu_xi));
    }
    result.unwrap()
}

/// Upstream's verifier accepts a zero-sum proof and ends at the input MLEs evaluated at ξ.
fn verify(fracs: &[Frac<EF>], proof: FracSumcheckProof<SC>, xi: &[EF], what: &str) {
    let total_rounds = fracs.len().trailing_zeros() as usize;
    let gkr = GkrProof::<SC> {
        logup_pow_witness: F::ZERO,
        q0_claim: proof.fractional_sum.1,
        claims_per_layer: proof.claims_per_layer,
        sumcheck_polys: proof.sumcheck_polys,
    };
    let (p_claim, q_claim, point) =
        verify_gkr::<SC, _>(&gkr, &mut transcript(), total_rounds).unwrap_or_else(|e| panic!("{what}: verifier rejects: {e}"));
    assert_eq!(point, xi, "{what}: verifier's point");
    let eq = evals_eq_hypercube(xi);
    let p_mle: EF = eq.iter().zip(fracs).map(|(&e, f)| e * f.p).sum();
    let q_mle: EF = eq.iter().zip(fracs).map(|(&e, f)| e * f.q).sum();
    assert_eq!((p_claim, q_claim), (p_mle, q_mle), "{what}: final claims are the input MLEs at the point");
}

const LOGS: [usize; 13] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 16];

#[test]
fn matches_upstream_and_verifies() {
    for (profile, ctx) in common::profiles() {
        for (i, &log) in LOGS.iter().enumerate() {
            let what = format!("{profile}, 2^{log}");
            let fracs = random_fracs(100 + i as u64, log, false);
            check(&ctx, &fracs, false, &format!("{what}, random"));
            let fracs = random_fracs(200 + i as u64, log, true);
            let (proof, xi) = check(&ctx, &fracs, true, &format!("{what}, zero sum"));
            verify(&fracs, proof, &xi, &what);
        }
    }
}

#[test]
fn edge_cases() {
    for (profile, ctx) in common::profiles() {
        // Empty: upstream's empty proof, nothing observed.
        let (proof, xi) = check(&ctx, &[], false, &format!("{profile}, empty"));
        assert!(xi.is_empty() && proof.claims_per_layer.is_empty());

        // One fraction (2^0): upstream indexes past its tree; the GPU refuses it.
        let one = random_fracs(7, 0, false);
        let upstream = std::panic::catch_unwind(|| cpu_fractional_sumcheck::<SC, _>(&mut transcript(), &one, false).map(|_| ()));
        assert!(upstream.is_err(), "upstream's fractional_sumcheck no longer panics on 2^0");
        let input = FracInput::from_host(&ctx, &one).unwrap();
        let err = fractional_sumcheck(&ctx, &mut transcript(), &input, false).err().expect("2^0 refused");
        assert!(matches!(err, WgpuProverError::InvalidInput(_)), "{profile}: {err}");

        // A nonzero root under assert_zero: upstream's error.
        let fracs = random_fracs(8, 5, false);
        assert!(matches!(cpu_fractional_sumcheck::<SC, _>(&mut transcript(), &fracs, true), Err(LogupZerocheckError::NonZeroRootSum)));
        let input = FracInput::from_host(&ctx, &fracs).unwrap();
        let err = fractional_sumcheck(&ctx, &mut transcript(), &input, true).err().expect("nonzero root refused");
        assert!(matches!(err, WgpuProverError::LogupZerocheck(LogupZerocheckError::NonZeroRootSum)), "{profile}: {err}");

        // More fractions than the input holds.
        let small = openvm_wgpu_backend::field::ExtBuffer::zeroed(&ctx, "test", 2).unwrap();
        assert!(matches!(FracInput::new(small, 2), Err(WgpuProverError::InvalidInput(_))));
    }
}

/// An input layer larger than one storage binding spans two (tiny: 16 MiB bindings, 2^20
/// fractions take 32 MiB), or four past two (2^21 fractions; the tree layer above spans two,
/// and the first two rounds of its sumcheck run one pair of parts per dispatch): the proof
/// still matches upstream's and verifies. One past four bindings is refused with its size
/// before any GPU work.
#[test]
fn input_layer_over_two_and_four_bindings() {
    let ctx = common::ctx(LimitProfile::Tiny);
    for (log, parts) in [(20, 2), (21, 4)] {
        let what = format!("2^{log} fractions over {parts} bindings");
        let fracs = random_fracs(400 + log as u64, log, true);
        let input = FracInput::from_host(&ctx, &fracs).unwrap();
        assert_eq!(input.num_parts(), parts, "{what}");
        assert_eq!(input.read(&ctx).unwrap(), fracs.iter().flat_map(|f| [f.p, f.q]).collect::<Vec<_>>(), "{what}: read back");
        let (proof, xi) = check(&ctx, &fracs, true, &what);
        verify(&fracs, proof, &xi, &what);
    }
    assert_eq!(max_input_fractions(&ctx), 1 << 21);
    match FracInput::uninit(&ctx, "test", 1 << 22) {
        Err(WgpuProverError::Gpu(GpuError::BufferTooLargeIn { needed, available, .. })) => {
            assert_eq!(needed, 128 << 20);
            assert_eq!(available, 4 * ctx.limits.max_binding_bytes());
        }
        other => panic!("expected an oversize error, got {:?}", other.map(|_| ())),
    }
}

/// Under `tiny` a layer of 2^17 rows spreads several row pairs over each invocation
/// (`items_per_invocation` > 1), and the rounds' workgroup counts rise and fall.
#[test]
fn several_pairs_per_invocation() {
    let ctx = common::ctx(LimitProfile::Tiny);
    let fracs = random_fracs(300, 18, true);
    let (proof, xi) = check(&ctx, &fracs, true, "tiny, 2^18");
    verify(&fracs, proof, &xi, "tiny, 2^18");
}

/// The eq tables every GKR layer starts from, against upstream's `evals_eq_hypercube`, on both
/// sides of the direct / two-table split (`eq_table::DIRECT_MAX_VARS`), at an offset in the
/// output and with the point at an offset in its buffer, under every profile.
#[test]
fn eq_tables_match_upstream() {
    use openvm_wgpu_backend::{
        field::{as_ext4s, from_ext4s, ExtBuffer},
        kernels::eq_table,
    };
    let mut rng = common::rng(11);
    let direct = eq_table::DIRECT_MAX_VARS;
    for (profile, ctx) in common::profiles() {
        for vars in [0, 1, direct, direct + 1, direct + 4, 17] {
            let point: Vec<EF> =
                (0..vars + 3).map(|_| p3_field::BasedVectorSpace::<F>::from_basis_coefficients_fn(|_| rng.random::<F>())).collect();
            let points = ExtBuffer::from_slice(&ctx, "points", as_ext4s(&point)).unwrap();
            let (point_base, out_base) = (3, 5);
            let out = ExtBuffer::zeroed(&ctx, "out", out_base + (1 << vars)).unwrap();
            let scratch = eq_table::scratch(&ctx, "eq scratch", vars).unwrap();
            let mut enc = ctx.encoder("eq");
            eq_table::record(&ctx, &mut enc, &points, point_base, vars, &out, out_base, &scratch).unwrap();
            ctx.submit_and_wait("eq", enc).unwrap();
            let got = from_ext4s(out.read(&ctx).unwrap()).unwrap();
            let want = evals_eq_hypercube(&point[point_base..point_base + vars]);
            assert_eq!(&got[out_base..], &want[..], "{vars} variables under {profile}");
            assert!(got[..out_base].iter().all(|v| *v == EF::ZERO), "nothing written before out_base");
        }
    }
}

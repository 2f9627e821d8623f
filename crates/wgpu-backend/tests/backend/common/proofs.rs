//! Whole proofs against openvm-cpu-backend's, and Plonky3 AIRs as upstream AIRs.

use openvm_stark_backend::{codec::Encode, test_utils::TestFixture, PartitionedBaseAir, StarkEngine, SystemParams};
use openvm_stark_sdk::config::baby_bear_poseidon2::{BabyBearPoseidon2CpuEngine, DuplexSponge};
use openvm_wgpu_backend::{field::F, BabyBearPoseidon2WgpuEngine, GpuContext, LimitProfile};
use p3_air::{Air, AirBuilder, BaseAir, BaseAirWithPublicValues};

use super::rap::SC;

/// A Plonky3 AIR as an upstream AIR (no public values, one main partition).
pub struct P3Air<A>(pub A);

impl<A: BaseAir<F>> BaseAir<F> for P3Air<A> {
    fn width(&self) -> usize {
        self.0.width()
    }
}
impl<A: BaseAir<F>> BaseAirWithPublicValues<F> for P3Air<A> {}
impl<A: BaseAir<F>> PartitionedBaseAir<F> for P3Air<A> {}
impl<AB: AirBuilder<F = F>, A: Air<AB>> Air<AB> for P3Air<A> {
    fn eval(&self, builder: &mut AB) {
        self.0.eval(builder);
    }
}

/// `params` with every proof-of-work bit count 0, so that no grinding witness can make our
/// transcript differ from the reference's.
pub fn zero_pow(mut p: SystemParams) -> SystemParams {
    p.logup.pow_bits = 0;
    p.whir.mu_pow_bits = 0;
    p.whir.query_phase_pow_bits = 0;
    p.whir.folding_pow_bits = 0;
    p
}

/// Proves `fx` with openvm-cpu-backend and with our engine under each of `profiles`: the bytes
/// must match, and the upstream verifier must accept ours.
pub fn assert_same_proof_as_cpu(fx: &impl TestFixture<SC>, params: SystemParams, profiles: &[LimitProfile], what: &str) {
    let reference: BabyBearPoseidon2CpuEngine = StarkEngine::new(params.clone());
    let (pk, vk) = fx.keygen(&reference);
    let want = fx.prove(&reference, &pk).encode_to_vec().unwrap();
    for &profile in profiles {
        let ctx = GpuContext::shared(profile).unwrap_or_else(|e| panic!("no device for {profile}: {e}"));
        let ours = BabyBearPoseidon2WgpuEngine::<DuplexSponge>::with_context(params.clone(), ctx);
        let got = fx.prove(&ours, &pk);
        let got_bytes = got.encode_to_vec().unwrap();
        assert!(
            got_bytes == want,
            "{what} on {profile}: proof bytes differ from openvm-cpu-backend's ({} vs {} bytes)",
            got_bytes.len(),
            want.len()
        );
        reference.verify(&vk, &got).unwrap_or_else(|e| panic!("{what} on {profile}: the verifier rejects our proof: {e:?}"));
    }
}

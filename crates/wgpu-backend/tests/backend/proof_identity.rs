//! Our engine's proofs serialize to the same bytes as the CPU reference engine's for the same
//! keys, traces and parameters (proof-of-work bits set to 0, so no grinding witness can make
//! transcripts diverge), and verify with the upstream verifier.

use crate::common::{proofs::zero_pow, rap::KeccakfFixture};

use openvm_stark_backend::{
    codec::Encode,
    test_utils::{
        test_system_params_small, CachedFixture11, FibFixture, InteractionsFixture11, MixtureFixture, PreprocessedAndCachedFixture,
        PreprocessedFibFixture, TestFixture,
    },
    StarkEngine, SystemParams,
};
use openvm_stark_sdk::config::{
    app_params_with_100_bits_security,
    baby_bear_poseidon2::{BabyBearPoseidon2Config, BabyBearPoseidon2CpuEngine, BabyBearPoseidon2RefEngine},
};
use openvm_wgpu_backend::{BabyBearPoseidon2WgpuEngine, GpuContext, LimitProfile};

type SC = BabyBearPoseidon2Config;

fn assert_same_proof(fx: &impl TestFixture<SC>, params: SystemParams, what: &str) {
    let reference: BabyBearPoseidon2RefEngine = StarkEngine::new(params.clone());
    let ours: BabyBearPoseidon2WgpuEngine = StarkEngine::new(params);
    let (pk, vk) = fx.keygen(&reference);
    let want = fx.prove(&reference, &pk);
    let got = fx.prove(&ours, &pk);
    let (want, got_bytes) = (want.encode_to_vec().unwrap(), got.encode_to_vec().unwrap());
    assert!(got_bytes == want, "{what}: proof bytes differ from the reference engine's ({} vs {} bytes)", got_bytes.len(), want.len());
    reference.verify(&vk, &got).unwrap_or_else(|e| panic!("{what}: upstream verifier rejects our proof: {e:?}"));
}

#[test]
fn suite_fixtures_prove_identically() {
    for &(l_skip, n_stack, k_whir) in &[(2usize, 8usize, 3usize), (5, 5, 4)] {
        let params = zero_pow(test_system_params_small(l_skip, n_stack, k_whir));
        let config = || BabyBearPoseidon2Config::default_from_params(params.clone());
        let what = |name: &str| format!("{name} l_skip={l_skip} n_stack={n_stack} k_whir={k_whir}");
        assert_same_proof(&FibFixture::new(0, 1, 1 << 5), params.clone(), &what("fib"));
        assert_same_proof(&InteractionsFixture11, params.clone(), &what("interactions"));
        assert_same_proof(&CachedFixture11::new(config()), params.clone(), &what("cached"));
        assert_same_proof(&PreprocessedFibFixture::new(0, 1, vec![true, false, true, true]), params.clone(), &what("preprocessed"));
        assert_same_proof(
            &PreprocessedAndCachedFixture::new(vec![true, false, true, true], config(), 2),
            params.clone(),
            &what("preprocessed+cached"),
        );
        assert_same_proof(&MixtureFixture::standard(6, config()), params.clone(), &what("mixture"));
    }
}

#[test]
fn keccakf_proves_identically() {
    // The keccakf example's parameters with a smaller stacked height, to keep CI quick.
    let mut params = app_params_with_100_bits_security(14);
    params = zero_pow(params);
    assert_same_proof(&KeccakfFixture { perms: 8 }, params, "keccakf, 8 permutations");
}

/// The keccakf example's own parameters (`app_params_with_100_bits_security(21)`: a stacked
/// height of 2^21, codewords of 2^22 rows) under the WebGPU-default and tiny limit profiles.
/// Under tiny (16 MiB bindings) the commitment's 128 MiB leaf-digest layer spans 8 buffers,
/// WHIR's first vectors of 2^21 extension elements 2 and its first codeword tree's leaves 4.
/// The proofs are openvm-cpu-backend's, byte for byte, and verify. One permutation: the sizes
/// come from the parameters, not the trace.
#[test]
fn keccakf_at_the_example_parameters_proves_identically_under_small_limit_profiles() {
    let params = zero_pow(app_params_with_100_bits_security(21));
    let fx = KeccakfFixture { perms: 1 };
    let reference: BabyBearPoseidon2CpuEngine = StarkEngine::new(params.clone());
    let (pk, vk) = fx.keygen(&reference);
    let want = fx.prove(&reference, &pk).encode_to_vec().unwrap();
    for profile in [LimitProfile::WebGpuDefault, LimitProfile::Tiny] {
        let ctx = GpuContext::shared(profile).unwrap_or_else(|e| panic!("no device for {profile}: {e}"));
        let ours: BabyBearPoseidon2WgpuEngine = BabyBearPoseidon2WgpuEngine::with_context(params.clone(), ctx);
        let got = fx.prove(&ours, &pk);
        let got_bytes = got.encode_to_vec().unwrap();
        assert!(got_bytes == want, "{profile}: proof bytes differ from openvm-cpu-backend's ({} vs {} bytes)", got_bytes.len(), want.len());
        reference.verify(&vk, &got).unwrap_or_else(|e| panic!("{profile}: the verifier rejects our proof: {e:?}"));
    }
}

/// With proof-of-work grinding on (LogUp's and WHIR's), every witness is the smallest valid
/// one, so proving twice gives the same bytes, and the upstream verifier accepts the proof.
#[test]
fn proofs_with_proof_of_work_verify_and_are_reproducible() {
    let mut params = test_system_params_small(2, 8, 3);
    params.whir.mu_pow_bits = 10;
    params.whir.folding_pow_bits = 8;
    params.whir.query_phase_pow_bits = 12;
    params.logup.pow_bits = 10;
    let fx = MixtureFixture::standard(6, BabyBearPoseidon2Config::default_from_params(params.clone()));
    let ours: BabyBearPoseidon2WgpuEngine = StarkEngine::new(params);
    let (pk, vk) = fx.keygen(&ours);
    let first = fx.prove(&ours, &pk);
    assert_ne!(first.whir_proof.mu_pow_witness, p3_field::PrimeCharacteristicRing::ZERO, "10 bits of grinding found witness 0");
    assert_ne!(first.gkr_proof.logup_pow_witness, p3_field::PrimeCharacteristicRing::ZERO, "10 bits of grinding found witness 0");
    let second = fx.prove(&ours, &pk);
    assert!(first.encode_to_vec().unwrap() == second.encode_to_vec().unwrap(), "two proofs of the same input differ");
    ours.verify(&vk, &first).unwrap_or_else(|e| panic!("upstream verifier rejects: {e:?}"));
}

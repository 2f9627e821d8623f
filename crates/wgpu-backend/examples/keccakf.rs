//! Prove Keccak-f permutations with the wgpu engine and verify the proof.
//!
//!   cargo run --release -p openvm-wgpu-backend --example keccakf -- [permutations]
//!
//! (`openvm-wgpu prove keccakf` does the same with per-phase timings and a CPU comparison.)

use std::sync::Arc;

use openvm_stark_backend::{
    prover::{AirProvingContext, ColMajorMatrix, DeviceDataTransporter, ProvingContext},
    StarkEngine,
};
use openvm_stark_sdk::config::app_params_with_100_bits_security;
use openvm_wgpu_backend::{BabyBearPoseidon2WgpuEngine, LimitProfile};
use openvm_wgpu_fixtures::keccakf::{keccakf_trace, KeccakfAir};

fn main() -> Result<(), String> {
    let perms: usize = std::env::args().nth(1).map_or(Ok(1 << 10), |a| a.parse()).map_err(|e| format!("permutations: {e}"))?;
    let engine = BabyBearPoseidon2WgpuEngine::<openvm_stark_sdk::config::baby_bear_poseidon2::DuplexSponge>::try_new(
        app_params_with_100_bits_security(21),
        LimitProfile::Native,
    )
    .map_err(|e| e.to_string())?;
    let (pk, vk) = engine.keygen(&[Arc::new(KeccakfAir::default())]);
    let trace = ColMajorMatrix::from_row_major(&keccakf_trace(perms, 42));
    let device = engine.device();
    let d_pk = device.transport_pk_to_device(&pk);
    let ctx = device.transport_proving_ctx_to_device(&ProvingContext::new(vec![(0, AirProvingContext::simple_no_pis(trace))]));
    let proof = engine.prove(&d_pk, ctx).map_err(|e| e.to_string())?;
    engine.verify(&vk, &proof).map_err(|e| format!("{e:?}"))?;
    println!("keccakf: {perms} permutations proved and verified");
    Ok(())
}

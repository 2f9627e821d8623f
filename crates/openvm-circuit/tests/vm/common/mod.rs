//! What the GPU trace tests share.

use std::sync::Arc;

use openvm_wgpu_backend::{GpuContext, LimitProfile};

/// Every limit profile with its device, or the one `OPENVM_WGPU_TRACEGEN_PROFILE=<name>` names
/// (to narrow a run while iterating on a chip).
pub fn profiles() -> Vec<(LimitProfile, Arc<GpuContext>)> {
    let only = std::env::var("OPENVM_WGPU_TRACEGEN_PROFILE").ok();
    LimitProfile::ALL
        .into_iter()
        .filter(|p| only.as_deref().is_none_or(|n| n == p.name()))
        .map(|p| (p, GpuContext::shared(p).expect("a GPU adapter (scripts/ensure-vulkan.sh installs lavapipe)")))
        .collect()
}

/// Test parameters (`SystemParams::new_for_testing(log_stacked_height)`) without proof of work,
/// so that two provers' proofs can be compared byte for byte.
pub fn zero_pow_params(log_stacked_height: usize) -> openvm_stark_backend::SystemParams {
    let mut params = openvm_stark_backend::SystemParams::new_for_testing(log_stacked_height);
    params.logup.pow_bits = 0;
    params.whir.mu_pow_bits = 0;
    params.whir.query_phase_pow_bits = 0;
    params.whir.folding_pow_bits = 0;
    params
}

pub type CpuEngine =
    openvm_stark_sdk::config::baby_bear_poseidon2::BabyBearPoseidon2CpuEngine<openvm_stark_sdk::config::baby_bear_poseidon2::DuplexSponge>;

/// Executes `exe` on `config` with upstream's CPU `builder` (segments by upstream's rule) and
/// proves every segment with openvm-cpu-backend and with our engine, both at
/// [`zero_pow_params`] (19): the proofs must be the same bytes. Returns our proofs, the
/// verifying key and how the execution ended.
pub fn prove_on_both_engines<VB>(
    builder: VB,
    config: VB::VmConfig,
    exe: &openvm_circuit::arch::instructions::exe::VmExe<openvm_wgpu_backend::field::F>,
    input: openvm_circuit::arch::Streams<openvm_wgpu_backend::field::F>,
) -> (
    Vec<openvm_stark_backend::proof::Proof<openvm_stark_sdk::config::baby_bear_poseidon2::BabyBearPoseidon2Config>>,
    openvm_stark_backend::keygen::types::MultiStarkVerifyingKey<openvm_stark_sdk::config::baby_bear_poseidon2::BabyBearPoseidon2Config>,
    openvm_wgpu_circuit::ExecutionEnd,
)
where
    VB: openvm_circuit::arch::VmBuilder<CpuEngine>,
    <VB::VmConfig as openvm_circuit::arch::VmExecutionConfig<openvm_wgpu_backend::field::F>>::Executor:
        openvm_circuit::arch::Executor<openvm_wgpu_backend::field::F>
            + openvm_circuit::arch::MeteredExecutor<openvm_wgpu_backend::field::F>
            + openvm_circuit::arch::PreflightExecutor<openvm_wgpu_backend::field::F, VB::RecordArena>,
{
    use openvm_stark_backend::{codec::Encode, prover::DeviceDataTransporter, StarkEngine};
    use openvm_wgpu_circuit::{for_each_segment, transport_cpu_proving_ctx, SegmentContext, Segmentation};

    let gpu = GpuContext::shared(LimitProfile::Native).expect("a GPU adapter (scripts/ensure-vulkan.sh installs lavapipe)");
    let params = zero_pow_params(19);
    let cpu: CpuEngine = StarkEngine::new(params.clone());
    let (mut vm, pk) = openvm_circuit::arch::VirtualMachine::new_with_keygen(cpu, builder, config).unwrap_or_else(|e| panic!("{e}"));
    let ours =
        openvm_wgpu_backend::BabyBearPoseidon2WgpuEngine::<openvm_stark_sdk::config::baby_bear_poseidon2::DuplexSponge>::with_context(
            params, gpu,
        );
    let d_pk = ours.device().transport_pk_to_device(&pk);
    let prove_both = |cpu: &CpuEngine, cpu_pk: &_, s: SegmentContext<_>| {
        let started = std::time::Instant::now();
        let our_ctx = transport_cpu_proving_ctx(ours.device(), &s.ctx).unwrap_or_else(|e| panic!("{e}"));
        let our_proof = ours.prove(&d_pk, our_ctx).unwrap_or_else(|e| panic!("{e}"));
        let ours_took = started.elapsed();
        let cpu_proof = cpu.prove(cpu_pk, s.ctx).unwrap();
        eprintln!("segment {}: proved in {ours_took:?} (openvm-cpu-backend {:?})", s.index, started.elapsed() - ours_took);
        assert!(our_proof.encode_to_vec().unwrap() == cpu_proof.encode_to_vec().unwrap(), "segment {}: the proofs differ", s.index);
        Ok(our_proof)
    };
    let mut proofs = Vec::new();
    let end =
        for_each_segment(&mut vm, exe, input, Segmentation::Upstream, prove_both, |p| proofs.push(p)).unwrap_or_else(|e| panic!("{e}"));
    (proofs, pk.get_vk(), end)
}

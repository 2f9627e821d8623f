//! Proves an RV32IM guest as openvm-circuit's CUDA path does: `VirtualMachine` with
//! `Rv32ImGpuBuilder` (trace generation on the GPU) and openvm-cuda-backend's engine, every
//! segment verified. Prints per segment the preflight, trace-generation and proving times, so
//! that `openvm-wgpu prove elf` can be measured side by side on the same ELF.
//!
//!   cuda-vm-anchor GUEST.ELF [--input U64] [--segment-height H] [--repeat N]

use std::time::Instant;

use openvm_circuit::arch::{execution_mode::Segment, verify_segments, PreflightExecutionOutput, Streams, VirtualMachine};
use openvm_cuda_backend::BabyBearPoseidon2GpuEngine;
use openvm_rv32im_circuit::{Rv32ImConfig, Rv32ImGpuBuilder};
use openvm_rv32im_transpiler::{Rv32ITranspilerExtension, Rv32IoTranspilerExtension, Rv32MTranspilerExtension};
use openvm_stark_backend::{p3_field::PrimeCharacteristicRing, StarkEngine};
use openvm_stark_sdk::config::app_params_with_100_bits_security;
use openvm_transpiler::{elf::Elf, openvm_platform::memory::MEM_SIZE, transpiler::Transpiler, FromElf};

type F = openvm_stark_sdk::p3_baby_bear::BabyBear;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("usage: cuda-vm-anchor GUEST.ELF [--input U64] [--segment-height H] [--repeat N]");
    let flag = |name: &str| args.iter().position(|a| a == name).map(|i| args[i + 1].clone());
    let input: Vec<Vec<F>> = flag("--input")
        .map(|v| vec![v.parse::<u64>().expect("--input: a u64").to_le_bytes().iter().map(|&b| F::from_u8(b)).collect()])
        .unwrap_or_default();
    let segment_height: usize = flag("--segment-height").map_or(1 << 21, |v| v.parse().expect("--segment-height"));
    let repeat: usize = flag("--repeat").map_or(1, |v| v.parse().expect("--repeat"));

    let elf = Elf::decode(&std::fs::read(path).expect("reading the ELF"), MEM_SIZE as u32).expect("an RV32IM ELF");
    let transpiler = Transpiler::<F>::default()
        .with_extension(Rv32ITranspilerExtension)
        .with_extension(Rv32MTranspilerExtension)
        .with_extension(Rv32IoTranspilerExtension);
    let exe = openvm_circuit::arch::instructions::exe::VmExe::from_elf(elf, transpiler).expect("transpiling");
    // The same configuration and parameters as `openvm-wgpu prove elf`.
    let config = Rv32ImConfig::with_public_values(32);
    let params = app_params_with_100_bits_security(segment_height.trailing_zeros() as usize);
    let engine = BabyBearPoseidon2GpuEngine::new(params);
    let (mut vm, pk) = VirtualMachine::new_with_keygen(engine, Rv32ImGpuBuilder, config).expect("keygen");
    let vk = pk.get_vk();

    for run in 1..=repeat {
        let start = Instant::now();
        let metered_ctx = vm.build_metered_ctx(&exe);
        let (segments, _) = vm
            .metered_interpreter(&exe)
            .expect("interpreter")
            .execute_metered(Streams::from(input.clone()), metered_ctx)
            .expect("metered execution");
        let metered = start.elapsed();
        let cached = vm.commit_program_on_device(&exe.program);
        vm.load_program(cached);
        let mut interpreter = vm.preflight_interpreter(&exe).expect("interpreter");
        let mut state = Some(vm.create_initial_state(&exe, Streams::from(input.clone())));
        let mut proofs = Vec::new();
        for (index, Segment { num_insns, trace_heights, .. }) in segments.into_iter().enumerate() {
            let from_state = state.take().expect("a state per segment");
            let t = Instant::now();
            vm.transport_init_memory_to_device(&from_state.memory);
            let PreflightExecutionOutput { system_records, record_arenas, to_state } =
                vm.execute_preflight(&mut interpreter, from_state, Some(num_insns), &trace_heights).expect("preflight");
            let preflight = t.elapsed();
            state = Some(to_state);
            let t = Instant::now();
            let ctx = vm.generate_proving_ctx(system_records, record_arenas).expect("trace generation");
            let tracegen = t.elapsed();
            let t = Instant::now();
            proofs.push(vm.engine.prove(vm.pk(), ctx).expect("proving"));
            let prove = t.elapsed();
            println!(
                "CUDA_SEGMENT run={run} segment={index} instructions={num_insns} preflight_ms={:.1} trace_generation_ms={:.1} prove_ms={:.1}",
                preflight.as_secs_f64() * 1e3,
                tracegen.as_secs_f64() * 1e3,
                prove.as_secs_f64() * 1e3
            );
        }
        verify_segments(&vm.engine, &vk, &proofs).expect("the segment proofs verify");
        println!(
            "CUDA_RUN run={run} segments={} metered_ms={:.1} total_ms={:.1} verified=true",
            proofs.len(),
            metered.as_secs_f64() * 1e3,
            start.elapsed().as_secs_f64() * 1e3
        );
    }
}

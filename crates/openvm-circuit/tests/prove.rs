//! RV32IM programs proved with the wgpu engine through openvm-circuit's VirtualMachine and
//! `WgpuBuilder`, verified with upstream's segment verification.

use openvm_circuit::arch::instructions::{exe::VmExe, instruction::Instruction, program::Program, LocalOpcode, SystemOpcode};
use openvm_rv32im_circuit::Rv32ImConfig;
use openvm_rv32im_transpiler::BaseAluOpcode;
use openvm_stark_backend::SystemParams;
use openvm_wgpu_backend::{field::F, GpuContext, LimitProfile};
use openvm_wgpu_circuit::prove_rv32im;

const RV32_REGISTER_AS: usize = 1;
const RV32_IMM_AS: usize = 0;

fn add_immediate(rd: usize, rs1: usize, imm: u32) -> Instruction<F> {
    Instruction::from_usize(BaseAluOpcode::ADD.global_opcode(), [4 * rd, 4 * rs1, imm as usize, RV32_REGISTER_AS, RV32_IMM_AS])
}

#[test]
fn a_small_program_proves_and_verifies() {
    let gpu = GpuContext::shared(LimitProfile::Native).expect("a GPU adapter (scripts/ensure-vulkan.sh installs lavapipe)");
    let mut instructions: Vec<Instruction<F>> = (0..40).map(|i| add_immediate(1 + i % 7, 1 + (i + 3) % 7, i as u32 + 1)).collect();
    instructions.push(Instruction::from_isize(SystemOpcode::TERMINATE.global_opcode(), 0, 0, 0, 0, 0));
    let exe = VmExe::new(Program::from_instructions(&instructions));
    let params = SystemParams::new_for_testing(19);
    let proof = prove_rv32im(gpu, params, Rv32ImConfig::default(), exe, vec![].into(), |s| {
        eprintln!("segment {}: {} instructions, {} AIRs, {} cells, prove {:?}", s.index, s.instructions, s.airs.len(), s.trace_cells, s.prove)
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(proof.proofs.len(), 1);
    assert_eq!(proof.exit_code, Some(0));
}

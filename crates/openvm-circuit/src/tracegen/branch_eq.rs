//! Rv32BranchEqualAir (BEQ, BNE) on the GPU: shaders/branch_eq.wgsl.

use std::{
    mem::{offset_of, size_of},
    sync::Arc,
};

use openvm_circuit::{
    arch::DenseRecordArena,
    system::memory::offline_checker::{MemoryReadAuxCols, MemoryReadAuxRecord},
};
use openvm_circuit_primitives::Chip;
use openvm_rv32im_circuit::{
    adapters::{Rv32BranchAdapterCols, Rv32BranchAdapterRecord},
    BranchEqualCoreCols, BranchEqualCoreRecord,
};
use openvm_stark_backend::prover::AirProvingContext;
use openvm_wgpu_backend::{backend::WgpuBackend, GpuContext};

use super::{
    kernel::{wgsl, Layout, TraceKernel, TraceParams},
    lookups::VariableRangeCheckerWgpu,
    records::{adapter_core_record, fixed_records_trace},
};

type AdapterCols = Rv32BranchAdapterCols<u8>;
type CoreCols = BranchEqualCoreCols<u8, 4>;
type CoreRecord = BranchEqualCoreRecord<4>;
const RECORD: (usize, usize) = adapter_core_record::<Rv32BranchAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

/// Rv32BranchAdapterCols and Rv32BranchAdapterRecord (shared with Rv32BranchLessThanAir).
pub fn adapter_layout(layout: Layout) -> Layout {
    type R = Rv32BranchAdapterRecord;
    let read_aux = size_of::<MemoryReadAuxCols<u8>>();
    layout
        .col("FROM_PC", offset_of!(AdapterCols, from_state.pc))
        .col("FROM_TIMESTAMP", offset_of!(AdapterCols, from_state.timestamp))
        .col("RS1_PTR", offset_of!(AdapterCols, rs1_ptr))
        .col("RS2_PTR", offset_of!(AdapterCols, rs2_ptr))
        .col("READS_AUX0", offset_of!(AdapterCols, reads_aux))
        .col("READS_AUX1", offset_of!(AdapterCols, reads_aux) + read_aux)
        .rec("FROM_PC", offset_of!(R, from_pc))
        .rec("FROM_TIMESTAMP", offset_of!(R, from_timestamp))
        .rec("RS1_PTR", offset_of!(R, rs1_ptr))
        .rec("RS2_PTR", offset_of!(R, rs2_ptr))
        .rec("READS_AUX0", offset_of!(R, reads_aux) + offset_of!(MemoryReadAuxRecord, prev_timestamp))
        .rec("READS_AUX1", offset_of!(R, reads_aux) + size_of::<MemoryReadAuxRecord>() + offset_of!(MemoryReadAuxRecord, prev_timestamp))
}

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    adapter_layout(Layout::new())
        .col("CORE_A", core + offset_of!(CoreCols, a))
        .col("CORE_B", core + offset_of!(CoreCols, b))
        .col("CORE_CMP_RESULT", core + offset_of!(CoreCols, cmp_result))
        .col("CORE_IMM", core + offset_of!(CoreCols, imm))
        .col("CORE_BEQ_FLAG", core + offset_of!(CoreCols, opcode_beq_flag))
        .col("CORE_BNE_FLAG", core + offset_of!(CoreCols, opcode_bne_flag))
        .col("CORE_DIFF_INV_MARKER", core + offset_of!(CoreCols, diff_inv_marker))
        .rec("CORE_A", core_rec + offset_of!(CoreRecord, a))
        .rec("CORE_B", core_rec + offset_of!(CoreRecord, b))
        .rec("CORE_IMM", core_rec + offset_of!(CoreRecord, imm))
        .rec("CORE_OPCODE", core_rec + offset_of!(CoreRecord, local_opcode))
}

pub const KERNEL: TraceKernel = TraceKernel { source: wgsl!("branch_eq"), layout };

pub struct BranchEqualChipWgpu {
    pub range: Arc<VariableRangeCheckerWgpu>,
    pub timestamp_max_bits: u32,
    pub ctx: Arc<GpuContext>,
}

impl Chip<DenseRecordArena, WgpuBackend> for BranchEqualChipWgpu {
    fn generate_proving_ctx(&self, records: DenseRecordArena) -> AirProvingContext<WgpuBackend> {
        let params =
            TraceParams { range_max_bits: self.range.range_max_bits(), timestamp_max_bits: self.timestamp_max_bits, ..Default::default() };
        fixed_records_trace(&self.ctx, &KERNEL, &records, RECORD.1, WIDTH, &[&self.range.counts], params)
    }
}

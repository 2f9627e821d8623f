//! Rv32LessThanAir (SLT, SLTU) on the GPU: shaders/less_than.wgsl.

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
    adapters::{Rv32BaseAluAdapterCols, Rv32BaseAluAdapterRecord},
    LessThanCoreCols, LessThanCoreRecord,
};
use openvm_stark_backend::prover::AirProvingContext;
use openvm_wgpu_backend::{backend::WgpuBackend, GpuContext};

use super::{
    kernel::{wgsl, Layout, TraceKernel, TraceParams},
    lookups::{BitwiseLookupWgpu, VariableRangeCheckerWgpu},
    records::{adapter_core_record, fixed_records_trace},
};

type AdapterCols = Rv32BaseAluAdapterCols<u8>;
type CoreCols = LessThanCoreCols<u8, 4, 8>;
type CoreRecord = LessThanCoreRecord<4, 8>;
const RECORD: (usize, usize) = adapter_core_record::<Rv32BaseAluAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

/// Rv32BaseAluAdapter's columns and record fields (shared with the other ALU-adapter chips).
pub(super) fn alu_adapter_layout(layout: Layout) -> Layout {
    type R = Rv32BaseAluAdapterRecord;
    let read_aux = size_of::<MemoryReadAuxCols<u8>>();
    layout
        .col("FROM_PC", offset_of!(AdapterCols, from_state.pc))
        .col("FROM_TIMESTAMP", offset_of!(AdapterCols, from_state.timestamp))
        .col("RD_PTR", offset_of!(AdapterCols, rd_ptr))
        .col("RS1_PTR", offset_of!(AdapterCols, rs1_ptr))
        .col("RS2", offset_of!(AdapterCols, rs2))
        .col("RS2_AS", offset_of!(AdapterCols, rs2_as))
        .col("READS_AUX0", offset_of!(AdapterCols, reads_aux))
        .col("READS_AUX1", offset_of!(AdapterCols, reads_aux) + read_aux)
        .col("WRITES_AUX", offset_of!(AdapterCols, writes_aux.base))
        .col("WRITES_AUX_PREV_DATA", offset_of!(AdapterCols, writes_aux.prev_data))
        .rec("FROM_PC", offset_of!(R, from_pc))
        .rec("FROM_TIMESTAMP", offset_of!(R, from_timestamp))
        .rec("RD_PTR", offset_of!(R, rd_ptr))
        .rec("RS1_PTR", offset_of!(R, rs1_ptr))
        .rec("RS2", offset_of!(R, rs2))
        .rec("RS2_AS", offset_of!(R, rs2_as))
        .rec("READS_AUX0", offset_of!(R, reads_aux) + offset_of!(MemoryReadAuxRecord, prev_timestamp))
        .rec("READS_AUX1", offset_of!(R, reads_aux) + size_of::<MemoryReadAuxRecord>())
        .rec("WRITES_AUX_PREV_TIMESTAMP", offset_of!(R, writes_aux.prev_timestamp))
        .rec("WRITES_AUX_PREV_DATA", offset_of!(R, writes_aux.prev_data))
}

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    alu_adapter_layout(Layout::new())
        .col("CORE_B", core + offset_of!(CoreCols, b))
        .col("CORE_C", core + offset_of!(CoreCols, c))
        .col("CORE_CMP_RESULT", core + offset_of!(CoreCols, cmp_result))
        .col("CORE_SLT_FLAG", core + offset_of!(CoreCols, opcode_slt_flag))
        .col("CORE_SLTU_FLAG", core + offset_of!(CoreCols, opcode_sltu_flag))
        .col("CORE_B_MSB_F", core + offset_of!(CoreCols, b_msb_f))
        .col("CORE_C_MSB_F", core + offset_of!(CoreCols, c_msb_f))
        .col("CORE_DIFF_MARKER", core + offset_of!(CoreCols, diff_marker))
        .col("CORE_DIFF_VAL", core + offset_of!(CoreCols, diff_val))
        .rec("CORE_B", core_rec + offset_of!(CoreRecord, b))
        .rec("CORE_C", core_rec + offset_of!(CoreRecord, c))
        .rec("CORE_OPCODE", core_rec + offset_of!(CoreRecord, local_opcode))
}

pub const KERNEL: TraceKernel = TraceKernel { source: wgsl!("less_than"), layout };

pub struct LessThanChipWgpu {
    pub range: Arc<VariableRangeCheckerWgpu>,
    pub bitwise: Arc<BitwiseLookupWgpu>,
    pub timestamp_max_bits: u32,
    pub ctx: Arc<GpuContext>,
}

impl Chip<DenseRecordArena, WgpuBackend> for LessThanChipWgpu {
    fn generate_proving_ctx(&self, records: DenseRecordArena) -> AirProvingContext<WgpuBackend> {
        let params =
            TraceParams { range_max_bits: self.range.range_max_bits(), timestamp_max_bits: self.timestamp_max_bits, ..Default::default() };
        fixed_records_trace(&self.ctx, &KERNEL, &records, RECORD.1, WIDTH, &[&self.range.counts, &self.bitwise.counts], params)
    }
}

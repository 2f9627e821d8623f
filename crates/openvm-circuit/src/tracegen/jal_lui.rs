//! Rv32JalLuiAir (JAL, LUI) on the GPU: shaders/jal_lui.wgsl.

use std::{
    mem::{offset_of, size_of},
    sync::Arc,
};

use openvm_circuit::arch::DenseRecordArena;
use openvm_circuit_primitives::Chip;
use openvm_rv32im_circuit::{
    adapters::{Rv32CondRdWriteAdapterCols, Rv32RdWriteAdapterRecord},
    Rv32JalLuiCoreCols, Rv32JalLuiCoreRecord,
};
use openvm_stark_backend::prover::AirProvingContext;
use openvm_wgpu_backend::{backend::WgpuBackend, GpuContext};

use super::{
    kernel::{wgsl, Layout, TraceKernel, TraceParams},
    lookups::{BitwiseLookupWgpu, VariableRangeCheckerWgpu},
    records::{adapter_core_record, fixed_records_trace},
};

type AdapterCols = Rv32CondRdWriteAdapterCols<u8>;
type CoreCols = Rv32JalLuiCoreCols<u8>;
type CoreRecord = Rv32JalLuiCoreRecord;
const RECORD: (usize, usize) = adapter_core_record::<Rv32RdWriteAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

fn layout() -> Layout {
    type R = Rv32RdWriteAdapterRecord;
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    Layout::new()
        .col("FROM_PC", offset_of!(AdapterCols, inner.from_state.pc))
        .col("FROM_TIMESTAMP", offset_of!(AdapterCols, inner.from_state.timestamp))
        .col("RD_PTR", offset_of!(AdapterCols, inner.rd_ptr))
        .col("RD_AUX", offset_of!(AdapterCols, inner.rd_aux_cols.base))
        .col("RD_AUX_PREV_DATA", offset_of!(AdapterCols, inner.rd_aux_cols.prev_data))
        .col("NEEDS_WRITE", offset_of!(AdapterCols, needs_write))
        .col("CORE_IMM", core + offset_of!(CoreCols, imm))
        .col("CORE_RD_DATA", core + offset_of!(CoreCols, rd_data))
        .col("CORE_IS_JAL", core + offset_of!(CoreCols, is_jal))
        .col("CORE_IS_LUI", core + offset_of!(CoreCols, is_lui))
        .rec("FROM_PC", offset_of!(R, from_pc))
        .rec("FROM_TIMESTAMP", offset_of!(R, from_timestamp))
        .rec("RD_PTR", offset_of!(R, rd_ptr))
        .rec("RD_AUX_PREV_TIMESTAMP", offset_of!(R, rd_aux_record.prev_timestamp))
        .rec("RD_AUX_PREV_DATA", offset_of!(R, rd_aux_record.prev_data))
        .rec("CORE_IMM", core_rec + offset_of!(CoreRecord, imm))
        .rec("CORE_RD_DATA", core_rec + offset_of!(CoreRecord, rd_data))
        .rec("CORE_IS_JAL", core_rec + offset_of!(CoreRecord, is_jal))
}

pub const KERNEL: TraceKernel = TraceKernel { source: wgsl!("jal_lui"), layout };

pub struct JalLuiChipWgpu {
    pub range: Arc<VariableRangeCheckerWgpu>,
    pub bitwise: Arc<BitwiseLookupWgpu>,
    pub timestamp_max_bits: u32,
    pub ctx: Arc<GpuContext>,
}

impl Chip<DenseRecordArena, WgpuBackend> for JalLuiChipWgpu {
    fn generate_proving_ctx(&self, records: DenseRecordArena) -> AirProvingContext<WgpuBackend> {
        let params =
            TraceParams { range_max_bits: self.range.range_max_bits(), timestamp_max_bits: self.timestamp_max_bits, ..Default::default() };
        fixed_records_trace(&self.ctx, &KERNEL, &records, RECORD.1, WIDTH, &[&self.range.counts, &self.bitwise.counts], params)
    }
}

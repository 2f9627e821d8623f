//! Rv32AuipcAir (AUIPC) on the GPU: shaders/auipc.wgsl.

use std::{
    mem::{offset_of, size_of},
    sync::Arc,
};

use openvm_circuit::arch::DenseRecordArena;
use openvm_circuit_primitives::Chip;
use openvm_instructions::program::PC_BITS;
use openvm_rv32im_circuit::{
    adapters::{Rv32RdWriteAdapterCols, Rv32RdWriteAdapterRecord},
    Rv32AuipcCoreCols, Rv32AuipcCoreRecord,
};
use openvm_stark_backend::prover::AirProvingContext;
use openvm_wgpu_backend::{backend::WgpuBackend, GpuContext};

use super::{
    kernel::{wgsl, Layout, TraceKernel, TraceParams},
    lookups::{BitwiseLookupWgpu, VariableRangeCheckerWgpu},
    records::{adapter_core_record, fixed_records_trace},
};

type AdapterCols = Rv32RdWriteAdapterCols<u8>;
type CoreCols = Rv32AuipcCoreCols<u8>;
type CoreRecord = Rv32AuipcCoreRecord;
const RECORD: (usize, usize) = adapter_core_record::<Rv32RdWriteAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

fn layout() -> Layout {
    type R = Rv32RdWriteAdapterRecord;
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    Layout::new()
        .constant("PC_BITS", PC_BITS)
        .col("FROM_PC", offset_of!(AdapterCols, from_state.pc))
        .col("FROM_TIMESTAMP", offset_of!(AdapterCols, from_state.timestamp))
        .col("RD_PTR", offset_of!(AdapterCols, rd_ptr))
        .col("RD_AUX", offset_of!(AdapterCols, rd_aux_cols.base))
        .col("RD_AUX_PREV_DATA", offset_of!(AdapterCols, rd_aux_cols.prev_data))
        .col("CORE_IS_VALID", core + offset_of!(CoreCols, is_valid))
        .col("CORE_IMM_LIMBS", core + offset_of!(CoreCols, imm_limbs))
        .col("CORE_PC_LIMBS", core + offset_of!(CoreCols, pc_limbs))
        .col("CORE_RD_DATA", core + offset_of!(CoreCols, rd_data))
        .rec("FROM_PC", offset_of!(R, from_pc))
        .rec("FROM_TIMESTAMP", offset_of!(R, from_timestamp))
        .rec("RD_PTR", offset_of!(R, rd_ptr))
        .rec("RD_AUX_PREV_TIMESTAMP", offset_of!(R, rd_aux_record.prev_timestamp))
        .rec("RD_AUX_PREV_DATA", offset_of!(R, rd_aux_record.prev_data))
        .rec("CORE_FROM_PC", core_rec + offset_of!(CoreRecord, from_pc))
        .rec("CORE_IMM", core_rec + offset_of!(CoreRecord, imm))
}

pub const KERNEL: TraceKernel = TraceKernel { source: wgsl!("auipc"), layout };

pub struct AuipcChipWgpu {
    pub range: Arc<VariableRangeCheckerWgpu>,
    pub bitwise: Arc<BitwiseLookupWgpu>,
    pub timestamp_max_bits: u32,
    pub ctx: Arc<GpuContext>,
}

impl Chip<DenseRecordArena, WgpuBackend> for AuipcChipWgpu {
    fn generate_proving_ctx(&self, records: DenseRecordArena) -> AirProvingContext<WgpuBackend> {
        let params =
            TraceParams { range_max_bits: self.range.range_max_bits(), timestamp_max_bits: self.timestamp_max_bits, ..Default::default() };
        fixed_records_trace(&self.ctx, &KERNEL, &records, RECORD.1, WIDTH, &[&self.range.counts, &self.bitwise.counts], params)
    }
}

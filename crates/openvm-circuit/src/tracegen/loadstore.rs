//! Rv32LoadStoreAir (LOADW, LOADBU, LOADHU, STOREW, STOREH, STOREB) on the GPU:
//! shaders/loadstore.wgsl.

use std::{
    mem::{offset_of, size_of},
    sync::Arc,
};

use openvm_circuit::{arch::DenseRecordArena, system::memory::offline_checker::MemoryReadAuxRecord};
use openvm_circuit_primitives::Chip;
use openvm_rv32im_circuit::{
    adapters::{Rv32LoadStoreAdapterCols, Rv32LoadStoreAdapterRecord},
    LoadStoreCoreCols, LoadStoreCoreRecord,
};
use openvm_stark_backend::prover::AirProvingContext;
use openvm_wgpu_backend::{backend::WgpuBackend, GpuContext};

use super::{
    kernel::{wgsl, Layout, TraceKernel, TraceParams},
    lookups::VariableRangeCheckerWgpu,
    records::{adapter_core_record, fixed_records_trace},
};

type AdapterCols = Rv32LoadStoreAdapterCols<u8>;
type CoreCols = LoadStoreCoreCols<u8, 4>;
type CoreRecord = LoadStoreCoreRecord<4>;
const RECORD: (usize, usize) = adapter_core_record::<Rv32LoadStoreAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

/// Rv32LoadStoreAdapter's columns and record fields (shared with Rv32LoadSignExtendAir).
pub(super) fn loadstore_adapter_layout(layout: Layout) -> Layout {
    type R = Rv32LoadStoreAdapterRecord;
    let prev_timestamp = offset_of!(MemoryReadAuxRecord, prev_timestamp);
    layout
        .col("FROM_PC", offset_of!(AdapterCols, from_state.pc))
        .col("FROM_TIMESTAMP", offset_of!(AdapterCols, from_state.timestamp))
        .col("RS1_PTR", offset_of!(AdapterCols, rs1_ptr))
        .col("RS1_DATA", offset_of!(AdapterCols, rs1_data))
        .col("RS1_AUX", offset_of!(AdapterCols, rs1_aux_cols))
        .col("RD_RS2_PTR", offset_of!(AdapterCols, rd_rs2_ptr))
        .col("READ_DATA_AUX", offset_of!(AdapterCols, read_data_aux))
        .col("IMM", offset_of!(AdapterCols, imm))
        .col("IMM_SIGN", offset_of!(AdapterCols, imm_sign))
        .col("MEM_PTR_LIMBS", offset_of!(AdapterCols, mem_ptr_limbs))
        .col("MEM_AS", offset_of!(AdapterCols, mem_as))
        .col("WRITE_BASE_AUX", offset_of!(AdapterCols, write_base_aux))
        .col("NEEDS_WRITE", offset_of!(AdapterCols, needs_write))
        .rec("FROM_PC", offset_of!(R, from_pc))
        .rec("FROM_TIMESTAMP", offset_of!(R, from_timestamp))
        .rec("RS1_PTR", offset_of!(R, rs1_ptr))
        .rec("RS1_VAL", offset_of!(R, rs1_val))
        .rec("RS1_AUX_PREV_TIMESTAMP", offset_of!(R, rs1_aux_record) + prev_timestamp)
        .rec("RD_RS2_PTR", offset_of!(R, rd_rs2_ptr))
        .rec("READ_DATA_AUX_PREV_TIMESTAMP", offset_of!(R, read_data_aux) + prev_timestamp)
        .rec("IMM", offset_of!(R, imm))
        .rec("IMM_SIGN", offset_of!(R, imm_sign))
        .rec("MEM_AS", offset_of!(R, mem_as))
        .rec("WRITE_PREV_TIMESTAMP", offset_of!(R, write_prev_timestamp))
}

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    loadstore_adapter_layout(Layout::new())
        .col("CORE_FLAGS", core + offset_of!(CoreCols, flags))
        .col("CORE_IS_VALID", core + offset_of!(CoreCols, is_valid))
        .col("CORE_IS_LOAD", core + offset_of!(CoreCols, is_load))
        .col("CORE_READ_DATA", core + offset_of!(CoreCols, read_data))
        .col("CORE_PREV_DATA", core + offset_of!(CoreCols, prev_data))
        .col("CORE_WRITE_DATA", core + offset_of!(CoreCols, write_data))
        .rec("CORE_OPCODE", core_rec + offset_of!(CoreRecord, local_opcode))
        .rec("CORE_SHIFT_AMOUNT", core_rec + offset_of!(CoreRecord, shift_amount))
        .rec("CORE_READ_DATA", core_rec + offset_of!(CoreRecord, read_data))
        .rec("CORE_PREV_DATA", core_rec + offset_of!(CoreRecord, prev_data))
}

pub const KERNEL: TraceKernel = TraceKernel { source: wgsl!("loadstore"), layout };

pub struct LoadStoreChipWgpu {
    pub range: Arc<VariableRangeCheckerWgpu>,
    pub timestamp_max_bits: u32,
    pub pointer_max_bits: u32,
    pub ctx: Arc<GpuContext>,
}

impl Chip<DenseRecordArena, WgpuBackend> for LoadStoreChipWgpu {
    fn generate_proving_ctx(&self, records: DenseRecordArena) -> AirProvingContext<WgpuBackend> {
        let params = TraceParams {
            range_max_bits: self.range.range_max_bits(),
            timestamp_max_bits: self.timestamp_max_bits,
            pointer_max_bits: self.pointer_max_bits,
            ..Default::default()
        };
        fixed_records_trace(&self.ctx, &KERNEL, &records, RECORD.1, WIDTH, &[&self.range.counts], params)
    }
}

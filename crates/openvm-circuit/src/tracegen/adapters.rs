//! The columns and record fields of upstream's RV32IM adapters (`openvm_rv32im_circuit::adapters`),
//! as `COL_*`/`REC_*` constants for the kernels of the chips that share each adapter (the fill
//! code is the matching include under shaders/shared/).

use std::mem::{offset_of, size_of};

use openvm_circuit::system::memory::offline_checker::{MemoryReadAuxCols, MemoryReadAuxRecord};
use openvm_rv32im_circuit::adapters::{
    Rv32BaseAluAdapterCols, Rv32BaseAluAdapterRecord, Rv32BranchAdapterCols, Rv32BranchAdapterRecord, Rv32LoadStoreAdapterCols,
    Rv32LoadStoreAdapterRecord, Rv32MultAdapterCols, Rv32MultAdapterRecord, Rv32RdWriteAdapterCols, Rv32RdWriteAdapterRecord,
};

use super::kernel::Layout;

/// `Rv32BaseAluAdapter`: base ALU, less-than, shift.
pub fn alu_adapter_layout(layout: Layout) -> Layout {
    type AdapterCols = Rv32BaseAluAdapterCols<u8>;
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

/// `Rv32BranchAdapter`: branch-equal, branch-less-than.
pub fn branch_adapter_layout(layout: Layout) -> Layout {
    type AdapterCols = Rv32BranchAdapterCols<u8>;
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

/// `Rv32MultAdapter`: multiplication, MULH, division and remainder.
pub fn mult_adapter_layout(layout: Layout) -> Layout {
    type AdapterCols = Rv32MultAdapterCols<u8>;
    type R = Rv32MultAdapterRecord;
    let read_aux = size_of::<MemoryReadAuxCols<u8>>();
    layout
        .col("FROM_PC", offset_of!(AdapterCols, from_state.pc))
        .col("FROM_TIMESTAMP", offset_of!(AdapterCols, from_state.timestamp))
        .col("RD_PTR", offset_of!(AdapterCols, rd_ptr))
        .col("RS1_PTR", offset_of!(AdapterCols, rs1_ptr))
        .col("RS2_PTR", offset_of!(AdapterCols, rs2_ptr))
        .col("READS_AUX0", offset_of!(AdapterCols, reads_aux))
        .col("READS_AUX1", offset_of!(AdapterCols, reads_aux) + read_aux)
        .col("WRITES_AUX", offset_of!(AdapterCols, writes_aux.base))
        .col("WRITES_AUX_PREV_DATA", offset_of!(AdapterCols, writes_aux.prev_data))
        .rec("FROM_PC", offset_of!(R, from_pc))
        .rec("FROM_TIMESTAMP", offset_of!(R, from_timestamp))
        .rec("RD_PTR", offset_of!(R, rd_ptr))
        .rec("RS1_PTR", offset_of!(R, rs1_ptr))
        .rec("RS2_PTR", offset_of!(R, rs2_ptr))
        .rec("READS_AUX0", offset_of!(R, reads_aux) + offset_of!(MemoryReadAuxRecord, prev_timestamp))
        .rec("READS_AUX1", offset_of!(R, reads_aux) + size_of::<MemoryReadAuxRecord>())
        .rec("WRITES_AUX_PREV_TIMESTAMP", offset_of!(R, writes_aux.prev_timestamp))
        .rec("WRITES_AUX_PREV_DATA", offset_of!(R, writes_aux.prev_data))
}

/// `Rv32LoadStoreAdapter`: load/store, load-sign-extend.
pub fn loadstore_adapter_layout(layout: Layout) -> Layout {
    type AdapterCols = Rv32LoadStoreAdapterCols<u8>;
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

/// `Rv32RdWriteAdapter` with its columns at `at` (0, or where `Rv32CondRdWriteAdapterCols` holds
/// them as `inner`): AUIPC, JAL/LUI.
pub fn rdwrite_adapter_layout(layout: Layout, at: usize) -> Layout {
    type AdapterCols = Rv32RdWriteAdapterCols<u8>;
    type R = Rv32RdWriteAdapterRecord;
    layout
        .col("FROM_PC", at + offset_of!(AdapterCols, from_state.pc))
        .col("FROM_TIMESTAMP", at + offset_of!(AdapterCols, from_state.timestamp))
        .col("RD_PTR", at + offset_of!(AdapterCols, rd_ptr))
        .col("RD_AUX", at + offset_of!(AdapterCols, rd_aux_cols.base))
        .col("RD_AUX_PREV_DATA", at + offset_of!(AdapterCols, rd_aux_cols.prev_data))
        .rec("FROM_PC", offset_of!(R, from_pc))
        .rec("FROM_TIMESTAMP", offset_of!(R, from_timestamp))
        .rec("RD_PTR", offset_of!(R, rd_ptr))
        .rec("RD_AUX_PREV_TIMESTAMP", offset_of!(R, rd_aux_record.prev_timestamp))
        .rec("RD_AUX_PREV_DATA", offset_of!(R, rd_aux_record.prev_data))
}

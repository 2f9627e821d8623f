//! Rv32JalrAir (JALR) on the GPU: shaders/jalr.wgsl.

use std::mem::{offset_of, size_of};

use openvm_instructions::program::{DEFAULT_PC_STEP, PC_BITS};
use openvm_rv32im_circuit::{
    adapters::{Rv32JalrAdapterCols, Rv32JalrAdapterRecord},
    Rv32JalrCoreCols, Rv32JalrCoreRecord,
};

use super::{
    kernel::{wgsl, Layout, TraceKernel},
    lookups::Table,
    records::{adapter_core_record, FixedRecords},
};

type AdapterCols = Rv32JalrAdapterCols<u8>;
type CoreCols = Rv32JalrCoreCols<u8>;
type CoreRecord = Rv32JalrCoreRecord;
const RECORD: (usize, usize) = adapter_core_record::<Rv32JalrAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

fn layout() -> Layout {
    type R = Rv32JalrAdapterRecord;
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    Layout::new()
        .constant("PC_BITS", PC_BITS)
        .constant("DEFAULT_PC_STEP", DEFAULT_PC_STEP as usize)
        .col("FROM_PC", offset_of!(AdapterCols, from_state.pc))
        .col("FROM_TIMESTAMP", offset_of!(AdapterCols, from_state.timestamp))
        .col("RS1_PTR", offset_of!(AdapterCols, rs1_ptr))
        .col("RS1_AUX", offset_of!(AdapterCols, rs1_aux_cols))
        .col("RD_PTR", offset_of!(AdapterCols, rd_ptr))
        .col("RD_AUX", offset_of!(AdapterCols, rd_aux_cols.base))
        .col("RD_AUX_PREV_DATA", offset_of!(AdapterCols, rd_aux_cols.prev_data))
        .col("NEEDS_WRITE", offset_of!(AdapterCols, needs_write))
        .col("CORE_IMM", core + offset_of!(CoreCols, imm))
        .col("CORE_RS1_DATA", core + offset_of!(CoreCols, rs1_data))
        .col("CORE_RD_DATA", core + offset_of!(CoreCols, rd_data))
        .col("CORE_IS_VALID", core + offset_of!(CoreCols, is_valid))
        .col("CORE_TO_PC_LEAST_SIG_BIT", core + offset_of!(CoreCols, to_pc_least_sig_bit))
        .col("CORE_TO_PC_LIMBS", core + offset_of!(CoreCols, to_pc_limbs))
        .col("CORE_IMM_SIGN", core + offset_of!(CoreCols, imm_sign))
        .rec("FROM_PC", offset_of!(R, from_pc))
        .rec("FROM_TIMESTAMP", offset_of!(R, from_timestamp))
        .rec("RS1_PTR", offset_of!(R, rs1_ptr))
        .rec("RD_PTR", offset_of!(R, rd_ptr))
        .rec("READS_AUX_PREV_TIMESTAMP", offset_of!(R, reads_aux.prev_timestamp))
        .rec("WRITES_AUX_PREV_TIMESTAMP", offset_of!(R, writes_aux.prev_timestamp))
        .rec("WRITES_AUX_PREV_DATA", offset_of!(R, writes_aux.prev_data))
        .rec("CORE_IMM", core_rec + offset_of!(CoreRecord, imm))
        .rec("CORE_FROM_PC", core_rec + offset_of!(CoreRecord, from_pc))
        .rec("CORE_RS1_VAL", core_rec + offset_of!(CoreRecord, rs1_val))
        .rec("CORE_IMM_SIGN", core_rec + offset_of!(CoreRecord, imm_sign))
}

const KERNEL: TraceKernel = TraceKernel { source: wgsl!("jalr"), layout };

pub const CHIP: FixedRecords =
    FixedRecords { kernel: KERNEL, record_bytes: RECORD.1, width: WIDTH, tables: &[Table::VariableRange, Table::Bitwise] };

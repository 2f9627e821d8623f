//! Rv32BranchLessThanAir (BLT, BLTU, BGE, BGEU) on the GPU: shaders/branch_lt.wgsl.

use std::mem::{offset_of, size_of};

use openvm_rv32im_circuit::{
    adapters::{Rv32BranchAdapterCols, Rv32BranchAdapterRecord},
    BranchLessThanCoreCols, BranchLessThanCoreRecord,
};

use super::{
    adapters,
    kernel::{wgsl, Layout, TraceKernel},
    lookups::Table,
    records::{adapter_core_record, FixedRecords},
};

type AdapterCols = Rv32BranchAdapterCols<u8>;
type CoreCols = BranchLessThanCoreCols<u8, 4, 8>;
type CoreRecord = BranchLessThanCoreRecord<4, 8>;
const RECORD: (usize, usize) = adapter_core_record::<Rv32BranchAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    adapters::branch_adapter_layout(Layout::new())
        .col("CORE_A", core + offset_of!(CoreCols, a))
        .col("CORE_B", core + offset_of!(CoreCols, b))
        .col("CORE_CMP_RESULT", core + offset_of!(CoreCols, cmp_result))
        .col("CORE_IMM", core + offset_of!(CoreCols, imm))
        .col("CORE_BLT_FLAG", core + offset_of!(CoreCols, opcode_blt_flag))
        .col("CORE_BLTU_FLAG", core + offset_of!(CoreCols, opcode_bltu_flag))
        .col("CORE_BGE_FLAG", core + offset_of!(CoreCols, opcode_bge_flag))
        .col("CORE_BGEU_FLAG", core + offset_of!(CoreCols, opcode_bgeu_flag))
        .col("CORE_A_MSB_F", core + offset_of!(CoreCols, a_msb_f))
        .col("CORE_B_MSB_F", core + offset_of!(CoreCols, b_msb_f))
        .col("CORE_CMP_LT", core + offset_of!(CoreCols, cmp_lt))
        .col("CORE_DIFF_MARKER", core + offset_of!(CoreCols, diff_marker))
        .col("CORE_DIFF_VAL", core + offset_of!(CoreCols, diff_val))
        .rec("CORE_A", core_rec + offset_of!(CoreRecord, a))
        .rec("CORE_B", core_rec + offset_of!(CoreRecord, b))
        .rec("CORE_IMM", core_rec + offset_of!(CoreRecord, imm))
        .rec("CORE_OPCODE", core_rec + offset_of!(CoreRecord, local_opcode))
}

const KERNEL: TraceKernel = TraceKernel { source: wgsl!("branch_lt"), layout };

pub const CHIP: FixedRecords =
    FixedRecords { kernel: KERNEL, record_bytes: RECORD.1, width: WIDTH, tables: &[Table::VariableRange, Table::Bitwise] };

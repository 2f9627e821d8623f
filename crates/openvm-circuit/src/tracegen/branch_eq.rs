//! Rv32BranchEqualAir (BEQ, BNE) on the GPU: shaders/branch_eq.wgsl.

use std::mem::{offset_of, size_of};

use openvm_rv32im_circuit::{
    adapters::{Rv32BranchAdapterCols, Rv32BranchAdapterRecord},
    BranchEqualCoreCols, BranchEqualCoreRecord,
};

use super::{
    adapters,
    kernel::{wgsl, Layout, TraceKernel},
    lookups::Table,
    records::{adapter_core_record, FixedRecords},
};

type AdapterCols = Rv32BranchAdapterCols<u8>;
type CoreCols = BranchEqualCoreCols<u8, 4>;
type CoreRecord = BranchEqualCoreRecord<4>;
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
        .col("CORE_BEQ_FLAG", core + offset_of!(CoreCols, opcode_beq_flag))
        .col("CORE_BNE_FLAG", core + offset_of!(CoreCols, opcode_bne_flag))
        .col("CORE_DIFF_INV_MARKER", core + offset_of!(CoreCols, diff_inv_marker))
        .rec("CORE_A", core_rec + offset_of!(CoreRecord, a))
        .rec("CORE_B", core_rec + offset_of!(CoreRecord, b))
        .rec("CORE_IMM", core_rec + offset_of!(CoreRecord, imm))
        .rec("CORE_OPCODE", core_rec + offset_of!(CoreRecord, local_opcode))
}

const KERNEL: TraceKernel = TraceKernel { source: wgsl!("branch_eq"), layout };

pub const CHIP: FixedRecords = FixedRecords { kernel: KERNEL, record_bytes: RECORD.1, width: WIDTH, tables: &[Table::VariableRange] };

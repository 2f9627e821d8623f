//! Rv32LessThanAir (SLT, SLTU) on the GPU: shaders/less_than.wgsl.

use std::mem::{offset_of, size_of};

use openvm_rv32im_circuit::{
    adapters::{Rv32BaseAluAdapterCols, Rv32BaseAluAdapterRecord},
    LessThanCoreCols, LessThanCoreRecord,
};

use super::{
    adapters,
    kernel::{wgsl, Layout, TraceKernel},
    lookups::Table,
    records::{adapter_core_record, FixedRecords},
};

type AdapterCols = Rv32BaseAluAdapterCols<u8>;
type CoreCols = LessThanCoreCols<u8, 4, 8>;
type CoreRecord = LessThanCoreRecord<4, 8>;
const RECORD: (usize, usize) = adapter_core_record::<Rv32BaseAluAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    adapters::alu_adapter_layout(Layout::new())
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

const KERNEL: TraceKernel = TraceKernel { source: wgsl!("less_than"), layout };

pub const CHIP: FixedRecords =
    FixedRecords { kernel: KERNEL, record_bytes: RECORD.1, width: WIDTH, tables: &[Table::VariableRange, Table::Bitwise] };

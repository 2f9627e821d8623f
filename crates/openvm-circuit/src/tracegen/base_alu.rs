//! Rv32BaseAluAir (ADD, SUB, XOR, OR, AND) on the GPU: shaders/base_alu.wgsl.

use std::mem::{offset_of, size_of};

use openvm_rv32im_circuit::{
    adapters::{Rv32BaseAluAdapterCols, Rv32BaseAluAdapterRecord},
    BaseAluCoreCols, BaseAluCoreRecord,
};

use super::{
    adapters,
    kernel::{wgsl, Layout, TraceKernel},
    lookups::Table,
    records::{adapter_core_record, FixedRecords},
};

type AdapterCols = Rv32BaseAluAdapterCols<u8>;
type CoreCols = BaseAluCoreCols<u8, 4, 8>;
type CoreRecord = BaseAluCoreRecord<4>;
const RECORD: (usize, usize) = adapter_core_record::<Rv32BaseAluAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    adapters::alu_adapter_layout(Layout::new())
        .col("CORE_A", core + offset_of!(CoreCols, a))
        .col("CORE_B", core + offset_of!(CoreCols, b))
        .col("CORE_C", core + offset_of!(CoreCols, c))
        .col("CORE_ADD_FLAG", core + offset_of!(CoreCols, opcode_add_flag))
        .col("CORE_SUB_FLAG", core + offset_of!(CoreCols, opcode_sub_flag))
        .col("CORE_XOR_FLAG", core + offset_of!(CoreCols, opcode_xor_flag))
        .col("CORE_OR_FLAG", core + offset_of!(CoreCols, opcode_or_flag))
        .col("CORE_AND_FLAG", core + offset_of!(CoreCols, opcode_and_flag))
        .rec("CORE_B", core_rec + offset_of!(CoreRecord, b))
        .rec("CORE_C", core_rec + offset_of!(CoreRecord, c))
        .rec("CORE_OPCODE", core_rec + offset_of!(CoreRecord, local_opcode))
}

const KERNEL: TraceKernel = TraceKernel { source: wgsl!("base_alu"), layout };

pub const CHIP: FixedRecords =
    FixedRecords { kernel: KERNEL, record_bytes: RECORD.1, width: WIDTH, tables: &[Table::VariableRange, Table::Bitwise] };

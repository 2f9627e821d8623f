//! Rv32MulHAir (MULH, MULHSU, MULHU) on the GPU: shaders/mulh.wgsl.

use std::mem::{offset_of, size_of};

use openvm_rv32im_circuit::{
    adapters::{Rv32MultAdapterCols, Rv32MultAdapterRecord},
    MulHCoreCols, MulHCoreRecord,
};

use super::{
    adapters,
    kernel::{wgsl, Layout, TraceKernel},
    lookups::Table,
    records::{adapter_core_record, FixedRecords},
};

type AdapterCols = Rv32MultAdapterCols<u8>;
type CoreCols = MulHCoreCols<u8, 4, 8>;
type CoreRecord = MulHCoreRecord<4, 8>;
const RECORD: (usize, usize) = adapter_core_record::<Rv32MultAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    adapters::mult_adapter_layout(Layout::new())
        .col("CORE_A", core + offset_of!(CoreCols, a))
        .col("CORE_B", core + offset_of!(CoreCols, b))
        .col("CORE_C", core + offset_of!(CoreCols, c))
        .col("CORE_A_MUL", core + offset_of!(CoreCols, a_mul))
        .col("CORE_B_EXT", core + offset_of!(CoreCols, b_ext))
        .col("CORE_C_EXT", core + offset_of!(CoreCols, c_ext))
        .col("CORE_MULH_FLAG", core + offset_of!(CoreCols, opcode_mulh_flag))
        .col("CORE_MULHSU_FLAG", core + offset_of!(CoreCols, opcode_mulhsu_flag))
        .col("CORE_MULHU_FLAG", core + offset_of!(CoreCols, opcode_mulhu_flag))
        .rec("CORE_B", core_rec + offset_of!(CoreRecord, b))
        .rec("CORE_C", core_rec + offset_of!(CoreRecord, c))
        .rec("CORE_OPCODE", core_rec + offset_of!(CoreRecord, local_opcode))
}

const KERNEL: TraceKernel = TraceKernel { source: wgsl!("mulh"), layout };

pub const CHIP: FixedRecords = FixedRecords {
    kernel: KERNEL,
    record_bytes: RECORD.1,
    width: WIDTH,
    tables: &[Table::VariableRange, Table::Bitwise, Table::RangeTuple],
};

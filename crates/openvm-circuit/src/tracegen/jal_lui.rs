//! Rv32JalLuiAir (JAL, LUI) on the GPU: shaders/jal_lui.wgsl.

use std::mem::{offset_of, size_of};

use openvm_rv32im_circuit::{
    adapters::{Rv32CondRdWriteAdapterCols, Rv32RdWriteAdapterRecord},
    Rv32JalLuiCoreCols, Rv32JalLuiCoreRecord,
};

use super::{
    adapters,
    kernel::{wgsl, Layout, TraceKernel},
    lookups::Table,
    records::{adapter_core_record, FixedRecords},
};

type AdapterCols = Rv32CondRdWriteAdapterCols<u8>;
type CoreCols = Rv32JalLuiCoreCols<u8>;
type CoreRecord = Rv32JalLuiCoreRecord;
const RECORD: (usize, usize) = adapter_core_record::<Rv32RdWriteAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    adapters::rdwrite_adapter_layout(Layout::new(), offset_of!(AdapterCols, inner))
        .col("NEEDS_WRITE", offset_of!(AdapterCols, needs_write))
        .col("CORE_IMM", core + offset_of!(CoreCols, imm))
        .col("CORE_RD_DATA", core + offset_of!(CoreCols, rd_data))
        .col("CORE_IS_JAL", core + offset_of!(CoreCols, is_jal))
        .col("CORE_IS_LUI", core + offset_of!(CoreCols, is_lui))
        .rec("CORE_IMM", core_rec + offset_of!(CoreRecord, imm))
        .rec("CORE_RD_DATA", core_rec + offset_of!(CoreRecord, rd_data))
        .rec("CORE_IS_JAL", core_rec + offset_of!(CoreRecord, is_jal))
}

const KERNEL: TraceKernel = TraceKernel { source: wgsl!("jal_lui"), layout };

pub const CHIP: FixedRecords =
    FixedRecords { kernel: KERNEL, record_bytes: RECORD.1, width: WIDTH, tables: &[Table::VariableRange, Table::Bitwise] };

//! Rv32MultiplicationAir (MUL) on the GPU: shaders/mul.wgsl. Also the layout of
//! Rv32MultAdapter, which MULH and DIV/REM share.

use std::mem::{offset_of, size_of};

use openvm_rv32im_circuit::{
    adapters::{Rv32MultAdapterCols, Rv32MultAdapterRecord},
    MultiplicationCoreCols, MultiplicationCoreRecord,
};

use super::{
    adapters,
    kernel::{wgsl, Layout, TraceKernel},
    lookups::Table,
    records::{adapter_core_record, FixedRecords},
};

type AdapterCols = Rv32MultAdapterCols<u8>;
type CoreCols = MultiplicationCoreCols<u8, 4, 8>;
type CoreRecord = MultiplicationCoreRecord<4, 8>;
const RECORD: (usize, usize) = adapter_core_record::<Rv32MultAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    adapters::mult_adapter_layout(Layout::new())
        .col("CORE_A", core + offset_of!(CoreCols, a))
        .col("CORE_B", core + offset_of!(CoreCols, b))
        .col("CORE_C", core + offset_of!(CoreCols, c))
        .col("CORE_IS_VALID", core + offset_of!(CoreCols, is_valid))
        .rec("CORE_B", core_rec + offset_of!(CoreRecord, b))
        .rec("CORE_C", core_rec + offset_of!(CoreRecord, c))
}

const KERNEL: TraceKernel = TraceKernel { source: wgsl!("mul"), layout };

pub const CHIP: FixedRecords =
    FixedRecords { kernel: KERNEL, record_bytes: RECORD.1, width: WIDTH, tables: &[Table::VariableRange, Table::RangeTuple] };

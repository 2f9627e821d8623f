//! Rv32LoadStoreAir (LOADW, LOADBU, LOADHU, STOREW, STOREH, STOREB) on the GPU:
//! shaders/loadstore.wgsl.

use std::mem::{offset_of, size_of};

use openvm_rv32im_circuit::{
    adapters::{Rv32LoadStoreAdapterCols, Rv32LoadStoreAdapterRecord},
    LoadStoreCoreCols, LoadStoreCoreRecord,
};

use super::{
    adapters,
    kernel::{wgsl, Layout, TraceKernel},
    lookups::Table,
    records::{adapter_core_record, FixedRecords},
};

type AdapterCols = Rv32LoadStoreAdapterCols<u8>;
type CoreCols = LoadStoreCoreCols<u8, 4>;
type CoreRecord = LoadStoreCoreRecord<4>;
const RECORD: (usize, usize) = adapter_core_record::<Rv32LoadStoreAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    adapters::loadstore_adapter_layout(Layout::new())
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

const KERNEL: TraceKernel = TraceKernel { source: wgsl!("loadstore"), layout };

pub const CHIP: FixedRecords = FixedRecords { kernel: KERNEL, record_bytes: RECORD.1, width: WIDTH, tables: &[Table::VariableRange] };

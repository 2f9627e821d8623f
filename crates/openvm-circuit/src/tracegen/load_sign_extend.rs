//! Rv32LoadSignExtendAir (LOADB, LOADH) on the GPU: shaders/load_sign_extend.wgsl.

use std::mem::{offset_of, size_of};

use openvm_rv32im_circuit::{
    adapters::{Rv32LoadStoreAdapterCols, Rv32LoadStoreAdapterRecord},
    LoadSignExtendCoreCols, LoadSignExtendCoreRecord,
};

use super::{
    adapters,
    kernel::{wgsl, Layout, TraceKernel},
    lookups::Table,
    records::{adapter_core_record, FixedRecords},
};

type AdapterCols = Rv32LoadStoreAdapterCols<u8>;
type CoreCols = LoadSignExtendCoreCols<u8, 4>;
type CoreRecord = LoadSignExtendCoreRecord<4>;
const RECORD: (usize, usize) = adapter_core_record::<Rv32LoadStoreAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    adapters::loadstore_adapter_layout(Layout::new())
        .col("CORE_LOADB_FLAG0", core + offset_of!(CoreCols, opcode_loadb_flag0))
        .col("CORE_LOADB_FLAG1", core + offset_of!(CoreCols, opcode_loadb_flag1))
        .col("CORE_LOADH_FLAG", core + offset_of!(CoreCols, opcode_loadh_flag))
        .col("CORE_SHIFT_MOST_SIG_BIT", core + offset_of!(CoreCols, shift_most_sig_bit))
        .col("CORE_DATA_MOST_SIG_BIT", core + offset_of!(CoreCols, data_most_sig_bit))
        .col("CORE_SHIFTED_READ_DATA", core + offset_of!(CoreCols, shifted_read_data))
        .col("CORE_PREV_DATA", core + offset_of!(CoreCols, prev_data))
        .rec("CORE_IS_BYTE", core_rec + offset_of!(CoreRecord, is_byte))
        .rec("CORE_SHIFT_AMOUNT", core_rec + offset_of!(CoreRecord, shift_amount))
        .rec("CORE_READ_DATA", core_rec + offset_of!(CoreRecord, read_data))
        .rec("CORE_PREV_DATA", core_rec + offset_of!(CoreRecord, prev_data))
}

const KERNEL: TraceKernel = TraceKernel { source: wgsl!("load_sign_extend"), layout };

pub const CHIP: FixedRecords = FixedRecords { kernel: KERNEL, record_bytes: RECORD.1, width: WIDTH, tables: &[Table::VariableRange] };

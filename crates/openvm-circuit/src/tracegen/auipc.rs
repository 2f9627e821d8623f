//! Rv32AuipcAir (AUIPC) on the GPU: shaders/auipc.wgsl.

use std::mem::{offset_of, size_of};

use openvm_instructions::program::PC_BITS;
use openvm_rv32im_circuit::{
    adapters::{Rv32RdWriteAdapterCols, Rv32RdWriteAdapterRecord},
    Rv32AuipcCoreCols, Rv32AuipcCoreRecord,
};

use super::{
    adapters,
    kernel::{wgsl, Layout, TraceKernel},
    lookups::Table,
    records::{adapter_core_record, FixedRecords},
};

type AdapterCols = Rv32RdWriteAdapterCols<u8>;
type CoreCols = Rv32AuipcCoreCols<u8>;
type CoreRecord = Rv32AuipcCoreRecord;
const RECORD: (usize, usize) = adapter_core_record::<Rv32RdWriteAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    adapters::rdwrite_adapter_layout(Layout::new(), 0)
        .constant("PC_BITS", PC_BITS)
        .col("CORE_IS_VALID", core + offset_of!(CoreCols, is_valid))
        .col("CORE_IMM_LIMBS", core + offset_of!(CoreCols, imm_limbs))
        .col("CORE_PC_LIMBS", core + offset_of!(CoreCols, pc_limbs))
        .col("CORE_RD_DATA", core + offset_of!(CoreCols, rd_data))
        .rec("CORE_FROM_PC", core_rec + offset_of!(CoreRecord, from_pc))
        .rec("CORE_IMM", core_rec + offset_of!(CoreRecord, imm))
}

const KERNEL: TraceKernel = TraceKernel { source: wgsl!("auipc"), layout };

pub const CHIP: FixedRecords =
    FixedRecords { kernel: KERNEL, record_bytes: RECORD.1, width: WIDTH, tables: &[Table::VariableRange, Table::Bitwise] };

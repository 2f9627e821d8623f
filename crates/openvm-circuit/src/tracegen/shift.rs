//! Rv32ShiftAir (SLL, SRL, SRA) on the GPU: shaders/shift.wgsl.

use std::mem::{offset_of, size_of};

use openvm_rv32im_circuit::{
    adapters::{Rv32BaseAluAdapterCols, Rv32BaseAluAdapterRecord},
    ShiftCoreCols, ShiftCoreRecord,
};

use super::{
    adapters,
    kernel::{wgsl, Layout, TraceKernel},
    lookups::Table,
    records::{adapter_core_record, FixedRecords},
};

type AdapterCols = Rv32BaseAluAdapterCols<u8>;
type CoreCols = ShiftCoreCols<u8, 4, 8>;
type CoreRecord = ShiftCoreRecord<4, 8>;
const RECORD: (usize, usize) = adapter_core_record::<Rv32BaseAluAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    adapters::alu_adapter_layout(Layout::new())
        .col("CORE_A", core + offset_of!(CoreCols, a))
        .col("CORE_B", core + offset_of!(CoreCols, b))
        .col("CORE_C", core + offset_of!(CoreCols, c))
        .col("CORE_SLL_FLAG", core + offset_of!(CoreCols, opcode_sll_flag))
        .col("CORE_SRL_FLAG", core + offset_of!(CoreCols, opcode_srl_flag))
        .col("CORE_SRA_FLAG", core + offset_of!(CoreCols, opcode_sra_flag))
        .col("CORE_BIT_MULTIPLIER_LEFT", core + offset_of!(CoreCols, bit_multiplier_left))
        .col("CORE_BIT_MULTIPLIER_RIGHT", core + offset_of!(CoreCols, bit_multiplier_right))
        .col("CORE_B_SIGN", core + offset_of!(CoreCols, b_sign))
        .col("CORE_BIT_SHIFT_MARKER", core + offset_of!(CoreCols, bit_shift_marker))
        .col("CORE_LIMB_SHIFT_MARKER", core + offset_of!(CoreCols, limb_shift_marker))
        .col("CORE_BIT_SHIFT_CARRY", core + offset_of!(CoreCols, bit_shift_carry))
        .rec("CORE_B", core_rec + offset_of!(CoreRecord, b))
        .rec("CORE_C", core_rec + offset_of!(CoreRecord, c))
        .rec("CORE_OPCODE", core_rec + offset_of!(CoreRecord, local_opcode))
}

const KERNEL: TraceKernel = TraceKernel { source: wgsl!("shift"), layout };

pub const CHIP: FixedRecords =
    FixedRecords { kernel: KERNEL, record_bytes: RECORD.1, width: WIDTH, tables: &[Table::VariableRange, Table::Bitwise] };

//! Rv32DivRemAir (DIV, DIVU, REM, REMU) on the GPU: shaders/divrem.wgsl.

use std::mem::{offset_of, size_of};

use openvm_rv32im_circuit::{
    adapters::{Rv32MultAdapterCols, Rv32MultAdapterRecord},
    DivRemCoreCols, DivRemCoreRecord,
};

use super::{
    adapters,
    kernel::{wgsl, Layout, TraceKernel},
    lookups::Table,
    records::{adapter_core_record, FixedRecords},
};

type AdapterCols = Rv32MultAdapterCols<u8>;
type CoreCols = DivRemCoreCols<u8, 4, 8>;
type CoreRecord = DivRemCoreRecord<4>;
const RECORD: (usize, usize) = adapter_core_record::<Rv32MultAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    adapters::mult_adapter_layout(Layout::new())
        .col("CORE_B", core + offset_of!(CoreCols, b))
        .col("CORE_C", core + offset_of!(CoreCols, c))
        .col("CORE_Q", core + offset_of!(CoreCols, q))
        .col("CORE_R", core + offset_of!(CoreCols, r))
        .col("CORE_ZERO_DIVISOR", core + offset_of!(CoreCols, zero_divisor))
        .col("CORE_R_ZERO", core + offset_of!(CoreCols, r_zero))
        .col("CORE_B_SIGN", core + offset_of!(CoreCols, b_sign))
        .col("CORE_C_SIGN", core + offset_of!(CoreCols, c_sign))
        .col("CORE_Q_SIGN", core + offset_of!(CoreCols, q_sign))
        .col("CORE_SIGN_XOR", core + offset_of!(CoreCols, sign_xor))
        .col("CORE_C_SUM_INV", core + offset_of!(CoreCols, c_sum_inv))
        .col("CORE_R_SUM_INV", core + offset_of!(CoreCols, r_sum_inv))
        .col("CORE_R_PRIME", core + offset_of!(CoreCols, r_prime))
        .col("CORE_R_INV", core + offset_of!(CoreCols, r_inv))
        .col("CORE_LT_MARKER", core + offset_of!(CoreCols, lt_marker))
        .col("CORE_LT_DIFF", core + offset_of!(CoreCols, lt_diff))
        .col("CORE_DIV_FLAG", core + offset_of!(CoreCols, opcode_div_flag))
        .col("CORE_DIVU_FLAG", core + offset_of!(CoreCols, opcode_divu_flag))
        .col("CORE_REM_FLAG", core + offset_of!(CoreCols, opcode_rem_flag))
        .col("CORE_REMU_FLAG", core + offset_of!(CoreCols, opcode_remu_flag))
        .rec("CORE_B", core_rec + offset_of!(CoreRecord, b))
        .rec("CORE_C", core_rec + offset_of!(CoreRecord, c))
        .rec("CORE_OPCODE", core_rec + offset_of!(CoreRecord, local_opcode))
}

const KERNEL: TraceKernel = TraceKernel { source: wgsl!("divrem"), layout };

pub const CHIP: FixedRecords = FixedRecords {
    kernel: KERNEL,
    record_bytes: RECORD.1,
    width: WIDTH,
    tables: &[Table::VariableRange, Table::Bitwise, Table::RangeTuple],
};

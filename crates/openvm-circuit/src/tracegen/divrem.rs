//! Rv32DivRemAir (DIV, DIVU, REM, REMU) on the GPU: shaders/divrem.wgsl.

use std::{
    mem::{offset_of, size_of},
    sync::Arc,
};

use openvm_circuit::arch::DenseRecordArena;
use openvm_circuit_primitives::Chip;
use openvm_rv32im_circuit::{
    adapters::{Rv32MultAdapterCols, Rv32MultAdapterRecord},
    DivRemCoreCols, DivRemCoreRecord,
};
use openvm_stark_backend::prover::AirProvingContext;
use openvm_wgpu_backend::{backend::WgpuBackend, GpuContext};

use super::{
    kernel::{wgsl, Layout, TraceKernel, TraceParams},
    lookups::{BitwiseLookupWgpu, RangeTupleCheckerWgpu, VariableRangeCheckerWgpu},
    mul::mult_adapter_layout,
    records::{adapter_core_record, fixed_records_trace},
};

type AdapterCols = Rv32MultAdapterCols<u8>;
type CoreCols = DivRemCoreCols<u8, 4, 8>;
type CoreRecord = DivRemCoreRecord<4>;
const RECORD: (usize, usize) = adapter_core_record::<Rv32MultAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    mult_adapter_layout()
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

pub const KERNEL: TraceKernel = TraceKernel { source: wgsl!("divrem"), layout };

pub struct DivRemChipWgpu {
    pub range: Arc<VariableRangeCheckerWgpu>,
    pub bitwise: Arc<BitwiseLookupWgpu>,
    pub range_tuple: Arc<RangeTupleCheckerWgpu>,
    pub timestamp_max_bits: u32,
    pub ctx: Arc<GpuContext>,
}

impl Chip<DenseRecordArena, WgpuBackend> for DivRemChipWgpu {
    fn generate_proving_ctx(&self, records: DenseRecordArena) -> AirProvingContext<WgpuBackend> {
        let [tuple_size0, tuple_size1] = self.range_tuple.sizes();
        let params = TraceParams {
            range_max_bits: self.range.range_max_bits(),
            timestamp_max_bits: self.timestamp_max_bits,
            tuple_size0,
            tuple_size1,
            ..Default::default()
        };
        let lookups = [&self.range.counts, &self.bitwise.counts, &self.range_tuple.counts];
        fixed_records_trace(&self.ctx, &KERNEL, &records, RECORD.1, WIDTH, &lookups, params)
    }
}

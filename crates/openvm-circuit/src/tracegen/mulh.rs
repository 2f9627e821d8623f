//! Rv32MulHAir (MULH, MULHSU, MULHU) on the GPU: shaders/mulh.wgsl.

use std::{
    mem::{offset_of, size_of},
    sync::Arc,
};

use openvm_circuit::arch::DenseRecordArena;
use openvm_circuit_primitives::Chip;
use openvm_rv32im_circuit::{
    adapters::{Rv32MultAdapterCols, Rv32MultAdapterRecord},
    MulHCoreCols, MulHCoreRecord,
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
type CoreCols = MulHCoreCols<u8, 4, 8>;
type CoreRecord = MulHCoreRecord<4, 8>;
const RECORD: (usize, usize) = adapter_core_record::<Rv32MultAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    mult_adapter_layout()
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

pub const KERNEL: TraceKernel = TraceKernel { source: wgsl!("mulh"), layout };

pub struct MulHChipWgpu {
    pub range: Arc<VariableRangeCheckerWgpu>,
    pub bitwise: Arc<BitwiseLookupWgpu>,
    pub range_tuple: Arc<RangeTupleCheckerWgpu>,
    pub timestamp_max_bits: u32,
    pub ctx: Arc<GpuContext>,
}

impl Chip<DenseRecordArena, WgpuBackend> for MulHChipWgpu {
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

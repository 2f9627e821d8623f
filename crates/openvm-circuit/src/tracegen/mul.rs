//! Rv32MultiplicationAir (MUL) on the GPU: shaders/mul.wgsl. Also the layout of
//! Rv32MultAdapter, which MULH and DIV/REM share.

use std::{
    mem::{offset_of, size_of},
    sync::Arc,
};

use openvm_circuit::{
    arch::DenseRecordArena,
    system::memory::offline_checker::{MemoryReadAuxCols, MemoryReadAuxRecord},
};
use openvm_circuit_primitives::Chip;
use openvm_rv32im_circuit::{
    adapters::{Rv32MultAdapterCols, Rv32MultAdapterRecord},
    MultiplicationCoreCols, MultiplicationCoreRecord,
};
use openvm_stark_backend::prover::AirProvingContext;
use openvm_wgpu_backend::{backend::WgpuBackend, GpuContext};

use super::{
    kernel::{wgsl, Layout, TraceKernel, TraceParams},
    lookups::{RangeTupleCheckerWgpu, VariableRangeCheckerWgpu},
    records::{adapter_core_record, fixed_records_trace},
};

type AdapterCols = Rv32MultAdapterCols<u8>;
type CoreCols = MultiplicationCoreCols<u8, 4, 8>;
type CoreRecord = MultiplicationCoreRecord<4, 8>;
const RECORD: (usize, usize) = adapter_core_record::<Rv32MultAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

/// Rv32MultAdapter's columns and record fields (`COL_*`/`REC_*` without a `CORE_` prefix).
pub fn mult_adapter_layout() -> Layout {
    type R = Rv32MultAdapterRecord;
    let read_aux = size_of::<MemoryReadAuxCols<u8>>();
    Layout::new()
        .col("FROM_PC", offset_of!(AdapterCols, from_state.pc))
        .col("FROM_TIMESTAMP", offset_of!(AdapterCols, from_state.timestamp))
        .col("RD_PTR", offset_of!(AdapterCols, rd_ptr))
        .col("RS1_PTR", offset_of!(AdapterCols, rs1_ptr))
        .col("RS2_PTR", offset_of!(AdapterCols, rs2_ptr))
        .col("READS_AUX0", offset_of!(AdapterCols, reads_aux))
        .col("READS_AUX1", offset_of!(AdapterCols, reads_aux) + read_aux)
        .col("WRITES_AUX", offset_of!(AdapterCols, writes_aux.base))
        .col("WRITES_AUX_PREV_DATA", offset_of!(AdapterCols, writes_aux.prev_data))
        .rec("FROM_PC", offset_of!(R, from_pc))
        .rec("FROM_TIMESTAMP", offset_of!(R, from_timestamp))
        .rec("RD_PTR", offset_of!(R, rd_ptr))
        .rec("RS1_PTR", offset_of!(R, rs1_ptr))
        .rec("RS2_PTR", offset_of!(R, rs2_ptr))
        .rec("READS_AUX0", offset_of!(R, reads_aux) + offset_of!(MemoryReadAuxRecord, prev_timestamp))
        .rec("READS_AUX1", offset_of!(R, reads_aux) + size_of::<MemoryReadAuxRecord>())
        .rec("WRITES_AUX_PREV_TIMESTAMP", offset_of!(R, writes_aux.prev_timestamp))
        .rec("WRITES_AUX_PREV_DATA", offset_of!(R, writes_aux.prev_data))
}

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    mult_adapter_layout()
        .col("CORE_A", core + offset_of!(CoreCols, a))
        .col("CORE_B", core + offset_of!(CoreCols, b))
        .col("CORE_C", core + offset_of!(CoreCols, c))
        .col("CORE_IS_VALID", core + offset_of!(CoreCols, is_valid))
        .rec("CORE_B", core_rec + offset_of!(CoreRecord, b))
        .rec("CORE_C", core_rec + offset_of!(CoreRecord, c))
}

pub const KERNEL: TraceKernel = TraceKernel { source: wgsl!("mul"), layout };

pub struct MultiplicationChipWgpu {
    pub range: Arc<VariableRangeCheckerWgpu>,
    pub range_tuple: Arc<RangeTupleCheckerWgpu>,
    pub timestamp_max_bits: u32,
    pub ctx: Arc<GpuContext>,
}

impl Chip<DenseRecordArena, WgpuBackend> for MultiplicationChipWgpu {
    fn generate_proving_ctx(&self, records: DenseRecordArena) -> AirProvingContext<WgpuBackend> {
        let [tuple_size0, tuple_size1] = self.range_tuple.sizes();
        let params = TraceParams {
            range_max_bits: self.range.range_max_bits(),
            timestamp_max_bits: self.timestamp_max_bits,
            tuple_size0,
            tuple_size1,
            ..Default::default()
        };
        fixed_records_trace(&self.ctx, &KERNEL, &records, RECORD.1, WIDTH, &[&self.range.counts, &self.range_tuple.counts], params)
    }
}

//! Rv32HintStoreAir (HINT_STOREW, HINT_BUFFER) on the GPU: shaders/hintstore.wgsl. A record
//! (`Rv32HintStoreRecordMut`: a header, then one `Rv32HintStoreVar` per word) fills one row
//! per word, so records differ in size: the host walks the arena for each record's offset and
//! first row, and each row's invocation finds its record among them.

use std::{
    mem::{align_of, offset_of, size_of},
    sync::Arc,
};

use openvm_circuit::{
    arch::{DenseRecordArena, RecordSeeker},
    system::memory::offline_checker::MemoryReadAuxRecord,
};
use openvm_circuit_primitives::Chip;
use openvm_rv32im_circuit::{Rv32HintStoreCols, Rv32HintStoreLayout, Rv32HintStoreRecordHeader, Rv32HintStoreRecordMut, Rv32HintStoreVar};
use openvm_rv32im_transpiler::MAX_HINT_BUFFER_WORDS_BITS;
use openvm_stark_backend::prover::AirProvingContext;
use openvm_wgpu_backend::{
    backend::{WgpuBackend, WgpuMatrix},
    common::{GpuBuffer, GpuError, GpuResult},
    device::transport_row_major_matrix,
    GpuContext,
};
use p3_matrix::dense::RowMajorMatrix;

use super::{
    kernel::{resident, wgsl, words_of, Layout, TraceJob, TraceKernel, TraceParams},
    lookups::{counts, Lookups, Table},
};

type Cols = Rv32HintStoreCols<u8>;
type Header = Rv32HintStoreRecordHeader;
type Var = Rv32HintStoreVar;
pub const WIDTH: usize = size_of::<Cols>();

fn layout() -> Layout {
    let vars = size_of::<Header>().next_multiple_of(align_of::<Var>());
    let aux_prev = offset_of!(MemoryReadAuxRecord, prev_timestamp);
    Layout::new()
        .constant("MAX_HINT_BUFFER_WORDS_BITS", MAX_HINT_BUFFER_WORDS_BITS)
        .col("IS_SINGLE", offset_of!(Cols, is_single))
        .col("IS_BUFFER", offset_of!(Cols, is_buffer))
        .col("REM_WORDS_LIMBS", offset_of!(Cols, rem_words_limbs))
        .col("FROM_PC", offset_of!(Cols, from_state.pc))
        .col("FROM_TIMESTAMP", offset_of!(Cols, from_state.timestamp))
        .col("MEM_PTR_PTR", offset_of!(Cols, mem_ptr_ptr))
        .col("MEM_PTR_LIMBS", offset_of!(Cols, mem_ptr_limbs))
        .col("MEM_PTR_AUX", offset_of!(Cols, mem_ptr_aux_cols))
        .col("WRITE_AUX", offset_of!(Cols, write_aux.base))
        .col("WRITE_AUX_PREV_DATA", offset_of!(Cols, write_aux.prev_data))
        .col("DATA", offset_of!(Cols, data))
        .col("IS_BUFFER_START", offset_of!(Cols, is_buffer_start))
        .col("NUM_WORDS_PTR", offset_of!(Cols, num_words_ptr))
        .col("NUM_WORDS_AUX", offset_of!(Cols, num_words_aux_cols))
        .rec("NUM_WORDS", offset_of!(Header, num_words))
        .rec("FROM_PC", offset_of!(Header, from_pc))
        .rec("TIMESTAMP", offset_of!(Header, timestamp))
        .rec("MEM_PTR_PTR", offset_of!(Header, mem_ptr_ptr))
        .rec("MEM_PTR", offset_of!(Header, mem_ptr))
        .rec("MEM_PTR_AUX", offset_of!(Header, mem_ptr_aux_record) + aux_prev)
        .rec("NUM_WORDS_PTR", offset_of!(Header, num_words_ptr))
        .rec("NUM_WORDS_READ", offset_of!(Header, num_words_read) + aux_prev)
        .rec("VARS", vars)
        .rec("VAR_BYTES", size_of::<Var>())
        .rec("VAR_WRITE_AUX_PREV_TIMESTAMP", offset_of!(Var, data_write_aux.prev_timestamp))
        .rec("VAR_WRITE_AUX_PREV_DATA", offset_of!(Var, data_write_aux.prev_data))
        .rec("VAR_DATA", offset_of!(Var, data))
}

pub const KERNEL: TraceKernel = TraceKernel { source: wgsl!("hintstore"), layout };

/// The hint store's GPU chip, with the lookup tables of its chip complex (it counts into the
/// range checker and the bitwise lookup) and the kernels' constants.
pub struct HintStoreChipWgpu {
    pub lookups: Arc<Lookups>,
    pub params: TraceParams,
    pub ctx: Arc<GpuContext>,
}

/// Each record's first trace row and its first word in the arena, as (row, word) pairs in
/// record order, and the rows of all records.
fn record_starts(arena: &mut [u8]) -> (Vec<u32>, usize) {
    let mut starts = Vec::new();
    let mut offset = 0;
    let mut rows = 0;
    while offset < arena.len() {
        let at = offset;
        let record = RecordSeeker::<DenseRecordArena, Rv32HintStoreRecordMut, Rv32HintStoreLayout>::get_record_at(&mut offset, arena);
        starts.extend([rows as u32, (at / 4) as u32]);
        rows += record.inner.num_words as usize;
    }
    (starts, rows)
}

impl Chip<DenseRecordArena, WgpuBackend> for HintStoreChipWgpu {
    fn generate_proving_ctx(&self, mut records: DenseRecordArena) -> AirProvingContext<WgpuBackend> {
        let arena = records.allocated_mut();
        if arena.is_empty() {
            return AirProvingContext::simple_no_pis(transport_row_major_matrix(&self.ctx, &RowMajorMatrix::new(Vec::new(), WIDTH)));
        }
        let (starts, rows) = record_starts(arena);
        let height = rows.next_power_of_two();
        let op = KERNEL.name();
        let made = (|| -> GpuResult<_> {
            // The kernel addresses the whole arena, so it is one binding.
            let limit = self.ctx.limits.max_binding_bytes();
            if arena.len() as u64 > limit || (starts.len() * 4) as u64 > limit {
                return Err(GpuError::invalid(op, format!("{} bytes of records exceed one binding ({limit} bytes)", arena.len())));
            }
            let arena_buffer = GpuBuffer::from_slice(&self.ctx, op, &words_of(arena))?;
            let starts_buffer = GpuBuffer::from_slice(&self.ctx, op, &starts)?;
            let table = |t| {
                let missing = || GpuError::invalid(op, "a lookup table the chip counts into is missing");
                counts(self.lookups.counts(t).ok_or_else(missing)?).map_err(|e| GpuError::invalid(op, e.to_string()))
            };
            let (range, bitwise) = (table(Table::VariableRange)?, table(Table::Bitwise)?);
            let job = TraceJob { height, width: WIDTH, bindings: &[&starts_buffer, range, bitwise], params: self.params };
            KERNEL.run_rows(&self.ctx, &arena_buffer, rows, job)
        })();
        AirProvingContext::simple_no_pis(WgpuMatrix::on_device(height, WIDTH, resident(made)))
    }
}

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
    GpuContext,
};

use super::{
    kernel::{resident, wgsl, words_of, Layout, Piece, TraceJob, TraceKernel, TraceParams},
    lookups::{Lookups, Table},
    records::empty_trace,
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

/// A record's first trace row, its first byte in the arena and its bytes.
struct RecordAt {
    row: usize,
    byte: usize,
    bytes: usize,
}

/// Where every record lies (upstream's record seeker walks the headers), and the rows of all.
fn records(arena: &mut [u8]) -> (Vec<RecordAt>, usize) {
    let mut out = Vec::new();
    let (mut offset, mut rows) = (0, 0);
    while offset < arena.len() {
        let byte = offset;
        let record = RecordSeeker::<DenseRecordArena, Rv32HintStoreRecordMut, Rv32HintStoreLayout>::get_record_at(&mut offset, arena);
        out.push(RecordAt { row: rows, byte, bytes: offset - byte });
        rows += record.inner.num_words as usize;
    }
    (out, rows)
}

/// Whole records that fit one binding, on the host: their words, their (first row, first word
/// within the piece) pairs, and the trace rows they fill.
#[derive(Debug, PartialEq, Eq)]
struct HostPiece {
    words: Vec<u32>,
    starts: Vec<u32>,
    first_row: usize,
    rows: usize,
}

/// The records cut into pieces of whole records that each fit `limit` bytes.
fn pieces(arena: &[u8], records: &[RecordAt], rows: usize, limit: usize) -> Result<Vec<HostPiece>, String> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < records.len() {
        let first = &records[k];
        if first.bytes > limit {
            return Err(format!("a record of {} bytes exceeds one binding ({limit} bytes)", first.bytes));
        }
        let mut end = k;
        // Records up to `limit` bytes, and their start pairs (2 words each) within it too.
        while end < records.len() && records[end].byte + records[end].bytes - first.byte <= limit && 8 * (end - k + 1) <= limit {
            end += 1;
        }
        let starts = records[k..end].iter().flat_map(|r| [r.row as u32, ((r.byte - first.byte) / 4) as u32]).collect();
        let last = records.get(end).map_or(rows, |r| r.row);
        let bytes = &arena[first.byte..records[end - 1].byte + records[end - 1].bytes];
        out.push(HostPiece { words: words_of(bytes).into_owned(), starts, first_row: first.row, rows: last - first.row });
        k = end;
    }
    Ok(out)
}

impl Chip<DenseRecordArena, WgpuBackend> for HintStoreChipWgpu {
    fn generate_proving_ctx(&self, mut records_arena: DenseRecordArena) -> AirProvingContext<WgpuBackend> {
        let arena = records_arena.allocated_mut();
        if arena.is_empty() {
            return empty_trace(&self.ctx, WIDTH);
        }
        let (at, rows) = records(arena);
        let height = rows.next_power_of_two();
        let op = KERNEL.name();
        let made = (|| -> GpuResult<_> {
            let limit = self.ctx.limits.max_binding_bytes() as usize;
            let pieces = pieces(arena, &at, rows, limit)
                .map_err(|e| GpuError::invalid(op, e))?
                .into_iter()
                .map(|p| {
                    let input = GpuBuffer::from_slice(&self.ctx, op, &p.words)?;
                    // Exactly the starts: the kernel searches all of the binding.
                    let starts = GpuBuffer::from_slice(&self.ctx, op, &p.starts)?;
                    Ok(Piece { input, bindings: vec![starts], first_row: p.first_row, rows: p.rows })
                })
                .collect::<GpuResult<Vec<_>>>()?;
            let bindings = self.lookups.bindings(op, &[Table::VariableRange, Table::Bitwise])?;
            let job = TraceJob { height, width: WIDTH, bindings: &bindings, params: self.params };
            let mut encoder = self.ctx.encoder(op);
            let trace = KERNEL.record_pieces(&self.ctx, &mut encoder, &pieces, &job)?;
            self.ctx.submit(op, encoder)?;
            Ok(trace)
        })();
        AirProvingContext::simple_no_pis(WgpuMatrix::on_device(height, WIDTH, resident(made)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_hold_whole_records_within_the_limit() {
        let sizes = [16, 40, 8, 24];
        let words = [1, 4, 1, 2];
        let (mut byte, mut row) = (0, 0);
        let records: Vec<RecordAt> = sizes
            .iter()
            .zip(words)
            .map(|(&bytes, w)| {
                let r = RecordAt { row, byte, bytes };
                (byte, row) = (byte + bytes, row + w);
                r
            })
            .collect();
        let arena: Vec<u8> = (0..byte).map(|b| b as u8).collect();
        let got = pieces(&arena, &records, row, 48).unwrap();
        let summary: Vec<(usize, Vec<u32>, usize, usize)> =
            got.iter().map(|p| (4 * p.words.len(), p.starts.clone(), p.first_row, p.rows)).collect();
        assert_eq!(summary, vec![(16, vec![0, 0], 0, 1), (48, vec![1, 0, 5, 10], 1, 5), (24, vec![6, 0], 6, 2)]);
        // The second piece starts at the second record's bytes.
        assert_eq!(got[1].words[0], u32::from_le_bytes([16, 17, 18, 19]));
        assert!(pieces(&arena, &records, row, 32).is_err(), "a 40-byte record cannot fit 32 bytes");
    }
}

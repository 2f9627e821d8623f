//! Leaf hashes of the rows of a (possibly split) column-major matrix with Poseidon2's
//! padding-free sponge, into digests split over buffers.

use openvm_wgpu_common::{
    kernel::require, limits::check_loop_iterations, ColumnMatrix, GpuBuffer, GpuContext, GpuError, GpuResult, SplitVec,
};

use super::Elementwise;
use crate::commit::poseidon2::DIGEST;

pub const NAME: &str = "merkle_row_hash";
pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("merkle_row_hash"));

kernel_params! {
    pub struct Params {
        height: u32,
        columns: u32,
        /// Index of this chunk's first column in the whole matrix.
        column_offset: u32,
        first_chunk: u32,
        last_chunk: u32,
        /// Rows row_base .. row_base + rows are hashed by this dispatch; state row i is row_base + i.
        row_base: u32,
        rows: u32,
        workgroup_base: u32,
        /// The first row of the bound digest chunk.
        digest_row_base: u32,
        /// The whole matrix's index of the bound buffer's first column.
        buffer_first_column: u32,
        _pad1: u32,
        _pad2: u32,
    }
}

/// Loop iterations of an invocation absorbing `columns` columns: the state's load and store
/// (16 each), and per block of 8 columns (one more block when the run starts inside one) its
/// loop step and 8 words.
fn loop_iterations(columns: usize) -> u64 {
    32 + 9 * (columns as u64 / 8 + 2)
}

/// The most columns one dispatch absorbs per row within the device's loop limit (a multiple
/// of the rate, 8).
fn max_columns_per_dispatch(limits: &openvm_wgpu_common::DeviceLimits) -> usize {
    let blocks = (limits.max_loop_iterations as u64).saturating_sub(32 + 18) / 9;
    (blocks.max(1) * 8) as usize
}

/// Records the hashes of every row of `m` into `digests` (one 8-word digest per row, in chunks
/// of a power-of-two number of rows). Scratch buffers the recorded commands use go to
/// `scratch`, which the caller keeps until the submission completes (a pooled buffer dropped
/// earlier could be handed to other work while still in use).
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    m: &ColumnMatrix,
    digests: &SplitVec,
    scratch: &mut Vec<GpuBuffer<u32>>,
) -> GpuResult<()> {
    let height = m.height;
    require(NAME, digests.len == height && digests.item_words == DIGEST, || {
        format!("{} items of {} words for the digests of {height} rows", digests.len, digests.item_words)
    })?;
    if height == 0 {
        return Ok(());
    }
    // A matrix without columns hashes the empty input in every row; it still needs a buffer
    // to bind.
    let empty = if m.chunks.is_empty() { Some(GpuBuffer::<u32>::zeroed(ctx, NAME, 1)?) } else { None };
    let buffers: Vec<(&wgpu::Buffer, usize)> = match &empty {
        Some(e) => vec![(&e.buffer, 0)],
        None => m.chunks.iter().enumerate().map(|(i, c)| (&c.buffer, m.chunk_columns(i))).collect(),
    };
    // Runs of columns (buffer, its first column, the run's first column and width): each
    // buffer's columns in runs an invocation absorbs within the loop limit.
    let max_run = max_columns_per_dispatch(&ctx.limits);
    let mut chunks: Vec<(&wgpu::Buffer, usize, usize, usize)> = Vec::new();
    let mut first_column = 0;
    for &(buffer, columns) in &buffers {
        let mut start = 0;
        loop {
            let run = (columns - start).min(max_run);
            chunks.push((buffer, first_column, first_column + start, run));
            start += run;
            if start >= columns {
                break;
            }
        }
        first_column += columns;
    }
    let longest = chunks.iter().map(|c| c.3).max().unwrap_or(0);
    check_loop_iterations(NAME, loop_iterations(longest), &ctx.limits)?;
    // Between runs each row's sponge state waits in a scratch buffer; rows go in slices that
    // keep it within one binding, and that stay within one digest chunk.
    let state_rows = if chunks.len() == 1 { height } else { (ctx.limits.max_binding_bytes() / 64) as usize };
    if state_rows == 0 {
        return Err(GpuError::BufferTooLarge { op: NAME.into(), needed: 64, available: ctx.limits.max_binding_bytes() });
    }
    let slice_rows = state_rows.min(digests.items_per_chunk);
    let state = GpuBuffer::<u32>::uninit(ctx, NAME, if chunks.len() == 1 { 4 } else { slice_rows * 16 })?;
    for (d, digest_chunk) in digests.chunks.iter().enumerate() {
        let digest_row_base = digests.chunk_first_item(d);
        let end = digest_row_base + digests.chunk_items(d);
        let mut row_base = digest_row_base;
        while row_base < end {
            let rows = slice_rows.min(end - row_base);
            for (i, &(buffer, buffer_first_column, column_offset, columns)) in chunks.iter().enumerate() {
                let params = Params {
                    height: height as u32,
                    columns: columns as u32,
                    column_offset: column_offset as u32,
                    first_chunk: (i == 0) as u32,
                    last_chunk: (i + 1 == chunks.len()) as u32,
                    row_base: row_base as u32,
                    rows: rows as u32,
                    digest_row_base: digest_row_base as u32,
                    buffer_first_column: buffer_first_column as u32,
                    ..Default::default()
                };
                KERNEL.record(ctx, encoder, rows as u64, &[buffer, &state.buffer, &digest_chunk.buffer], &params)?;
            }
            row_base += rows;
        }
    }
    scratch.push(state);
    if let Some(e) = empty {
        scratch.push(e);
    }
    Ok(())
}

//! The stacked polynomial commitment's GPU steps, named as upstream's `prover::stacked_pcs`.
//!
//! `rs_code_matrix`: the Reed–Solomon codeword of every column of the stacked matrix, at rate
//! 2^-log_blowup. A column holds evaluations of a prismalinear polynomial on D x {0,1}^n with
//! |D| = 2^l_skip; as upstream does, each 2^l_skip chunk is turned into coefficients with an
//! inverse `batch_ntt_small`, then into hypercube evaluations over the chunk's bits
//! (`mle_coeffs_to_evals`), and the resulting coefficient vector, zero-padded to
//! height << log_blowup, is evaluated with the large NTT.

use openvm_stark_backend::prover::{
    stacked_pcs::{StackedLayout, StackedPcsData as HostStackedPcsData},
    ColMajorMatrix, MatrixDimensions,
};
use openvm_wgpu_common::{kernel::require, ColumnMatrix, GpuBuffer, GpuContext, GpuError, GpuResult};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use tracing::info_span;

use crate::{
    commit::merkle_tree::{Digest, MerkleTree},
    field::{as_words, F},
    kernels::{
        batch_ntt_small, mle_coeffs_to_evals, ntt,
        strided_copy::{self, WordsAt},
        transpose,
    },
};

/// What the commitment keeps on the device for the later phases: the stacked matrix (its
/// columns are the committed polynomials' evaluations) and the Merkle tree over its codewords.
pub struct StackedPcsData {
    pub layout: StackedLayout,
    pub matrix: ColumnMatrix,
    pub tree: MerkleTree,
}

/// The traces to commit: on the host in either layout (upstream's column-major matrices, or
/// row-major ones as trace generators produce them, transposed on the GPU), or already on the
/// device, column-major (stacked by device copies).
#[derive(Clone, Copy)]
pub enum Traces<'a> {
    ColMajor(&'a [&'a ColMajorMatrix<F>]),
    RowMajor(&'a [&'a RowMajorMatrix<F>]),
    Device(&'a [&'a ColumnMatrix]),
}

impl Traces<'_> {
    fn len(&self) -> usize {
        match self {
            Traces::ColMajor(t) => t.len(),
            Traces::RowMajor(t) => t.len(),
            Traces::Device(t) => t.len(),
        }
    }

    /// (height, width) of trace `i`.
    fn dims(&self, i: usize) -> (usize, usize) {
        match self {
            Traces::ColMajor(t) => (t[i].height(), t[i].width()),
            Traces::RowMajor(t) => (t[i].height(), t[i].width()),
            Traces::Device(t) => (t[i].height, t[i].width),
        }
    }
}

/// Commits to `traces` (sorted by height, tallest first) as upstream's `stacked_commit` does:
/// stack them into a matrix of height 2^(l_skip + n_stack), Reed–Solomon encode its columns at
/// rate 2^-log_blowup and build the Merkle tree with 2^k_whir rows per query. Returns the root.
pub fn stacked_commit(
    ctx: &GpuContext,
    l_skip: usize,
    n_stack: usize,
    log_blowup: usize,
    k_whir: usize,
    traces: &[&ColMajorMatrix<F>],
) -> GpuResult<(Digest, StackedPcsData)> {
    commit_traces(ctx, l_skip, n_stack, log_blowup, k_whir, Traces::ColMajor(traces))
}

/// [`stacked_commit`] for row-major traces.
pub fn stacked_commit_row_major(
    ctx: &GpuContext,
    l_skip: usize,
    n_stack: usize,
    log_blowup: usize,
    k_whir: usize,
    traces: &[&RowMajorMatrix<F>],
) -> GpuResult<(Digest, StackedPcsData)> {
    commit_traces(ctx, l_skip, n_stack, log_blowup, k_whir, Traces::RowMajor(traces))
}

pub fn commit_traces(
    ctx: &GpuContext,
    l_skip: usize,
    n_stack: usize,
    log_blowup: usize,
    k_whir: usize,
    traces: Traces<'_>,
) -> GpuResult<(Digest, StackedPcsData)> {
    let _span = info_span!("stacked_commit").entered();
    let run = || -> GpuResult<(Digest, StackedPcsData)> {
        preflight(ctx, l_skip, n_stack, log_blowup)?;
        let (matrix, layout) = stacked_matrix(ctx, l_skip, n_stack, traces)?;
        let codewords = rs_code_matrix(ctx, l_skip as u32, log_blowup as u32, &matrix)?;
        let tree = MerkleTree::new(ctx, codewords, 1 << k_whir)?;
        let root = tree.root(ctx)?;
        Ok((root, StackedPcsData { layout, matrix, tree }))
    };
    run().map_err(|e| e.with_total("this commitment", commit_bytes(l_skip, n_stack, log_blowup, traces)))
}

/// A commitment made on the host (upstream's `StackedPcsData`, e.g. a preprocessed trace's from
/// keygen) in device memory: the stacked matrix is uploaded, its codewords and Merkle tree are
/// rebuilt on the device with the same rate and rows per query, and the root must equal the
/// host commitment's.
pub fn upload_committed(ctx: &GpuContext, data: &HostStackedPcsData<F, Digest>) -> GpuResult<StackedPcsData> {
    const OP: &str = "transport_pcs_data_to_device";
    let _span = info_span!("transport_pcs_data_to_device").entered();
    let (height, width) = (data.matrix.height(), data.matrix.width());
    let codeword_height = data.tree.backing_matrix().height();
    require(OP, height.is_power_of_two() && codeword_height >= height && codeword_height.is_multiple_of(height), || {
        format!("codewords of height {codeword_height} do not encode a stacked matrix of height {height}")
    })?;
    let log_blowup = (codeword_height / height).trailing_zeros();
    let l_skip = data.layout.l_skip() as u32;
    let rows_per_query = codeword_height.next_power_of_two() / data.tree.query_stride().max(1);
    let matrix = ColumnMatrix::from_col_major(ctx, OP, height, width, as_words(&data.matrix.values))?;
    let codewords = rs_code_matrix(ctx, l_skip, log_blowup, &matrix)?;
    let tree = MerkleTree::new(ctx, codewords, rows_per_query)?;
    let root = tree.root(ctx)?;
    let want = data.commit().map_err(|e| GpuError::invalid(OP, e.to_string()))?;
    require(OP, root == want, || "the commitment rebuilt on the device does not match the host commitment's root".into())?;
    Ok(StackedPcsData { layout: data.layout.clone(), matrix, tree })
}

/// Refuses, before any GPU work, a commitment whose codeword column cannot be bound as one
/// storage buffer on this device (the encoding transforms whole columns). Digest layers are
/// split over as many buffers as they need.
fn preflight(ctx: &GpuContext, l_skip: usize, n_stack: usize, log_blowup: usize) -> GpuResult<()> {
    let needed = 4u64 << (l_skip + n_stack + log_blowup);
    let available = ctx.limits.max_binding_bytes();
    if needed > available {
        return Err(GpuError::BufferTooLarge { op: "stacked_commit: a codeword column".into(), needed, available });
    }
    Ok(())
}

/// GPU memory a commitment holds at its peak: the stacked matrix, its coefficient copy, the
/// codewords, and the leaf digests with the tree above them.
fn commit_bytes(l_skip: usize, n_stack: usize, log_blowup: usize, traces: Traces<'_>) -> u64 {
    let height = 1u64 << (l_skip + n_stack);
    let cells: u64 = (0..traces.len()).map(|i| traces.dims(i)).map(|(h, w)| (h as u64).max(1 << l_skip) * w as u64).sum();
    let width = cells.div_ceil(height);
    let stacked = 4 * height * width;
    let codewords = stacked << log_blowup;
    let digests = 2 * 32 * (height << log_blowup);
    2 * stacked + codewords + digests
}

/// The stacked matrix of `traces` (sorted tallest first) in device memory, and its layout
/// (upstream's `stacked_matrix`).
pub fn stacked_matrix(ctx: &GpuContext, l_skip: usize, n_stack: usize, traces: Traces<'_>) -> GpuResult<(ColumnMatrix, StackedLayout)> {
    const OP: &str = "stacked_matrix";
    // Bad traces are refused before any GPU work.
    for i in 0..traces.len() {
        let (h, _) = traces.dims(i);
        require(OP, h.is_power_of_two(), || format!("trace {i} has height {h}, which is not a power of two"))?;
        if i > 0 {
            let (prev, _) = traces.dims(i - 1);
            require(OP, prev >= h, || format!("traces must be sorted tallest first: trace {i} (height {h}) follows height {prev}"))?;
        }
    }
    let meta = (0..traces.len()).map(|i| traces.dims(i)).map(|(h, w)| (w, h.trailing_zeros() as usize)).collect();
    let layout = StackedLayout::new(l_skip, l_skip + n_stack, meta).map_err(|e| GpuError::invalid(OP, e.to_string()))?;
    let matrix = stack_traces(ctx, &layout, traces)?;
    Ok((matrix, layout))
}

/// The flat ranges of a stacked matrix of `total` words that no full-stride trace column
/// overwrites (padding, and the slices of columns spread with a stride), in order.
fn uncovered(layout: &StackedLayout, traces: &[&ColumnMatrix], total: usize) -> Vec<std::ops::Range<usize>> {
    let l_skip = layout.l_skip();
    let height = layout.height();
    let mut covered: Vec<std::ops::Range<usize>> = layout
        .sorted_cols
        .iter()
        .filter(|(_, _, slice)| slice.stride(l_skip) == 1)
        .map(|(mat_idx, _, slice)| {
            let flat = slice.col_idx * height + slice.row_idx;
            flat..flat + traces[*mat_idx].height
        })
        .collect();
    covered.sort_unstable_by_key(|r| (r.start, r.end));
    let mut gaps = Vec::new();
    let mut at = 0;
    for r in covered {
        if r.start > at {
            gaps.push(at..r.start);
        }
        at = at.max(r.end);
    }
    if at < total {
        gaps.push(at..total);
    }
    gaps
}

/// A run of contiguous words copied in one dispatch.
struct CopyRun<'a> {
    from: WordsAt<'a>,
    to: WordsAt<'a>,
    len: usize,
}

impl CopyRun<'_> {
    /// Whether words at `from` and `to` continue the run on both sides (same buffers, right
    /// after it).
    fn extends_to(&self, from: WordsAt<'_>, to: WordsAt<'_>) -> bool {
        std::ptr::eq(self.from.buffer, from.buffer)
            && std::ptr::eq(self.to.buffer, to.buffer)
            && self.from.offset + self.len == from.offset
            && self.to.offset + self.len == to.offset
    }
}

/// Stacks traces already on the device: every column is copied to its place by the
/// `strided_copy` kernel (a compute copy runs at memory speed, where `copy_buffer_to_buffer` may
/// go through a slower copy engine), columns shorter than 2^l_skip spread with their stride.
/// Consecutive columns of one source buffer that land next to each other in one target buffer
/// (a tall trace's columns, stacked one after another) are one copy. One submission.
fn stack_device_traces(ctx: &GpuContext, layout: &StackedLayout, m: &ColumnMatrix, traces: &[&ColumnMatrix]) -> GpuResult<()> {
    const OP: &str = "stacked_matrix";
    let _span = info_span!("stacked_matrix.copy").entered();
    let l_skip = layout.l_skip();
    let chunk_words = m.columns_per_chunk * m.height;
    let max_words = (ctx.limits.max_binding_bytes() / 4) as usize;
    let mut enc = ctx.encoder(OP);
    let mut run: Option<CopyRun<'_>> = None;
    let flush = |run: &mut Option<CopyRun<'_>>, enc: &mut openvm_wgpu_common::GpuEncoder| -> GpuResult<()> {
        if let Some(CopyRun { from, to, len }) = run.take() {
            strided_copy::record(ctx, enc, from, to, len, 1)?;
        }
        Ok(())
    };
    for (mat_idx, j, slice) in &layout.sorted_cols {
        let t = traces[*mat_idx];
        let from = WordsAt { buffer: &t.chunks[j / t.columns_per_chunk], offset: (j % t.columns_per_chunk) * t.height };
        let flat = slice.col_idx * m.height + slice.row_idx;
        let to = WordsAt { buffer: &m.chunks[flat / chunk_words], offset: flat % chunk_words };
        match slice.stride(l_skip) {
            1 => match run.as_mut() {
                Some(r) if r.extends_to(from, to) && r.len + t.height <= max_words => r.len += t.height,
                _ => {
                    flush(&mut run, &mut enc)?;
                    run = Some(CopyRun { from, to, len: t.height });
                }
            },
            stride => {
                flush(&mut run, &mut enc)?;
                strided_copy::record(ctx, &mut enc, from, to, t.height, stride)?;
            }
        }
    }
    flush(&mut run, &mut enc)?;
    ctx.submit_and_wait(OP, enc)
}

/// Rows of a row-major trace uploaded per step: at most one binding, and at most this many bytes
/// of staging memory at a time.
const UPLOAD_SLICE_BYTES: u64 = 256 << 20;

/// Writes every trace column to its place in the stacked matrix in device memory. A column
/// shorter than 2^l_skip is spread with stride 2^l_skip / height, zeros between.
fn stack_traces(ctx: &GpuContext, layout: &StackedLayout, traces: Traces<'_>) -> GpuResult<ColumnMatrix> {
    let _span = info_span!("stacked_matrix").entered();
    let l_skip = layout.l_skip();
    // A pooled matrix: allocating gigabytes costs about as much as the rest of the commit.
    // What the traces do not overwrite (padding, the gaps of spread columns) is cleared on the
    // device: for device traces only those ranges (clearing runs well below memory speed),
    // otherwise all of it.
    let m = ColumnMatrix::uninit(ctx, "stacked matrix", layout.height(), layout.width())?;
    let chunk_words = m.columns_per_chunk * m.height;
    let total = chunk_words * (m.chunks.len().saturating_sub(1)) + m.chunks.last().map_or(0, |c| c.len());
    let zero: Vec<std::ops::Range<usize>> = match traces {
        Traces::Device(t) => uncovered(layout, t, total),
        _ => std::iter::once(0..total).collect(),
    };
    let mut enc = ctx.encoder("stacked_matrix");
    ctx.scoped("stacked_matrix", || {
        for r in &zero {
            let mut a = r.start;
            while a < r.end {
                let (k, at) = (a / chunk_words, a % chunk_words);
                let len = (r.end - a).min(chunk_words - at);
                enc.clear_buffer(&m.chunks[k].buffer, 4 * at as u64, Some(4 * len as u64));
                a += len;
            }
        }
    })?;
    ctx.submit_and_wait("stacked_matrix", enc)?;
    if let Traces::Device(t) = traces {
        stack_device_traces(ctx, layout, &m, t)?;
        return Ok(m);
    }
    for (mat_idx, j, slice) in &layout.sorted_cols {
        let flat = slice.col_idx * m.height + slice.row_idx;
        let chunk = &m.chunks[flat / chunk_words];
        let at = flat % chunk_words;
        let stride = slice.stride(l_skip);
        match traces {
            Traces::ColMajor(t) if stride == 1 => chunk.write(ctx, at, as_words(t[*mat_idx].column(*j)))?,
            // Row-major traces at least 2^l_skip high are transposed on the GPU below.
            Traces::RowMajor(_) if stride == 1 => {}
            _ => {
                let (h, w) = traces.dims(*mat_idx);
                let value = |i: usize| match traces {
                    Traces::ColMajor(t) => t[*mat_idx].column(*j)[i],
                    Traces::RowMajor(t) => t[*mat_idx].values[i * w + *j],
                    Traces::Device(_) => F::ZERO,
                };
                let mut spread = vec![F::ZERO; slice.len(l_skip)];
                for i in 0..h {
                    spread[i * stride] = value(i);
                }
                chunk.write(ctx, at, as_words(&spread))?;
            }
        }
    }
    if let Traces::RowMajor(t) = traces {
        for (mat_idx, trace) in t.iter().enumerate() {
            let (h, w) = (trace.height(), trace.width());
            if w == 0 || h < 1 << l_skip {
                continue;
            }
            let Some(first) = layout.get(mat_idx, 0) else { continue };
            upload_row_major(ctx, &m, trace, first.col_idx * m.height + first.row_idx)?;
        }
    }
    Ok(m)
}

/// Uploads a row-major host trace into a column-major device matrix of its own, transposed on
/// the device (no host transpose or copy).
pub fn upload_row_major_matrix(ctx: &GpuContext, trace: &RowMajorMatrix<F>) -> GpuResult<ColumnMatrix> {
    const OP: &str = "transport_row_major_matrix";
    let (h, w) = (trace.height(), trace.width());
    if w == 0 || h == 0 {
        return ColumnMatrix::zeroed(ctx, OP, h, w);
    }
    let m = ColumnMatrix::uninit(ctx, OP, h, w)?;
    upload_row_major(ctx, &m, trace, 0)?;
    Ok(m)
}

/// Uploads `trace` in row slices and transposes each into the stacked matrix, whose trace columns
/// are consecutive from flat position `start` (column j at start + j * height).
fn upload_row_major(ctx: &GpuContext, m: &ColumnMatrix, trace: &RowMajorMatrix<F>, start: usize) -> GpuResult<()> {
    const OP: &str = "stacked_matrix upload";
    let (h, w) = (trace.height(), trace.width());
    let row_bytes = (w * 4) as u64;
    let limit = UPLOAD_SLICE_BYTES.min(ctx.limits.max_binding_bytes());
    if row_bytes > limit {
        return Err(GpuError::BufferTooLarge { op: OP.into(), needed: row_bytes, available: limit });
    }
    let slice_rows = ((limit / row_bytes) as usize).min(h);
    let staging = GpuBuffer::<u32>::uninit(ctx, OP, slice_rows * w)?;
    let chunk_words = m.columns_per_chunk * m.height;
    let values = as_words(&trace.values);
    for first_row in (0..h).step_by(slice_rows) {
        let rows = slice_rows.min(h - first_row);
        staging.write(ctx, 0, &values[first_row * w..(first_row + rows) * w])?;
        let mut enc = ctx.encoder(OP);
        // Trace columns that land in the same chunk go in one dispatch.
        let mut j = 0;
        while j < w {
            let flat = start + j * h;
            let chunk = flat / chunk_words;
            let columns = ((chunk + 1) * chunk_words - flat).div_ceil(h).min(w - j);
            let target = transpose::SliceTarget {
                slice_rows: rows,
                slice_first_row: first_row,
                trace_height: h,
                trace_width: w,
                first_column: j,
                columns,
                out_offset: flat % chunk_words,
            };
            transpose::record(ctx, &mut enc, &staging, &m.chunks[chunk], target)?;
            j += columns;
        }
        // Submitting per slice lets the next slice reuse the staging buffer.
        ctx.submit_and_wait(OP, enc)?;
    }
    Ok(())
}

/// The codewords of `stacked` (height a power of two, at least 2^l_skip), leaving `stacked`
/// unchanged.
pub fn rs_code_matrix(ctx: &GpuContext, l_skip: u32, log_blowup: u32, stacked: &ColumnMatrix) -> GpuResult<ColumnMatrix> {
    const NAME: &str = "rs_code_matrix";
    let _span = info_span!("rs_code_matrix").entered();
    let height = stacked.height;
    require(NAME, height.is_power_of_two() && height >= 1 << l_skip, || {
        format!("stacked height {height} must be a power of two and at least 2^l_skip = {}", 1u64 << l_skip)
    })?;
    let log_rs = height.trailing_zeros() + log_blowup;
    require(NAME, log_rs <= 27, || format!("codeword height 2^{log_rs} exceeds BabyBear's 2^27 subgroup"))?;
    let coeffs = ColumnMatrix::uninit(ctx, "rs_code_matrix coefficients", height, stacked.width)?;
    let codewords = ColumnMatrix::uninit(ctx, "rs_code_matrix codewords", height << log_blowup, stacked.width)?;
    let mut enc = ctx.encoder(NAME);
    // Same height, same chunking: copy chunk by chunk.
    for (src, dst) in stacked.chunks.iter().zip(&coeffs.chunks) {
        ctx.scoped(NAME, || enc.copy_buffer_to_buffer(&src.buffer, 0, &dst.buffer, 0, (src.len() * 4) as u64))?;
    }
    for chunk in &coeffs.chunks {
        let blocks = chunk.len() >> l_skip;
        batch_ntt_small::record(ctx, &mut enc, chunk, l_skip, blocks, true)?;
        mle_coeffs_to_evals::record(ctx, &mut enc, chunk, l_skip, blocks)?;
    }
    ntt::record_bitrev_gather(ctx, &mut enc, &coeffs, &codewords, F::ONE, None)?;
    ntt::record_dit_passes(ctx, &mut enc, &codewords, false)?;
    ctx.submit_and_wait(NAME, enc)?;
    Ok(codewords)
}

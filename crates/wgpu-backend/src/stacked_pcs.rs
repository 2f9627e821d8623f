//! The stacked polynomial commitment's GPU steps, named as upstream's `prover::stacked_pcs`.
//!
//! `rs_code_matrix`: the Reed–Solomon codeword of every column of the stacked matrix, at rate
//! 2^-log_blowup. A column holds evaluations of a prismalinear polynomial on D x {0,1}^n with
//! |D| = 2^l_skip; as upstream does, each 2^l_skip chunk is turned into coefficients with an
//! inverse `batch_ntt_small`, then into hypercube evaluations over the chunk's bits
//! (`mle_coeffs_to_evals`), and the resulting coefficient vector, zero-padded to
//! height << log_blowup, is evaluated with the large NTT.

use openvm_stark_backend::prover::{stacked_pcs::StackedLayout, ColMajorMatrix, MatrixDimensions};
use openvm_wgpu_common::{kernel::require, ColumnMatrix, GpuContext, GpuError, GpuResult};
use p3_field::PrimeCharacteristicRing;
use tracing::info_span;

use crate::{
    field::{as_words, F},
    kernels::{batch_ntt_small, mle_coeffs_to_evals, ntt},
    merkle_tree::{Digest, MerkleTree},
};

/// What the commitment keeps on the device for the later phases: the stacked matrix (its
/// columns are the committed polynomials' evaluations) and the Merkle tree over its codewords.
pub struct StackedPcsData {
    pub layout: StackedLayout,
    pub matrix: ColumnMatrix,
    pub tree: MerkleTree,
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
    let _span = info_span!("stacked_commit").entered();
    const OP: &str = "stacked_commit";
    // Bad traces are refused before any GPU work.
    for (i, t) in traces.iter().enumerate() {
        let h = t.height();
        require(OP, h.is_power_of_two(), || format!("trace {i} has height {h}, which is not a power of two"))?;
        if i > 0 {
            let prev = traces[i - 1].height();
            require(OP, prev >= h, || format!("traces must be sorted tallest first: trace {i} (height {h}) follows height {prev}"))?;
        }
    }
    let meta = traces.iter().map(|t| (t.width(), t.height().trailing_zeros() as usize)).collect();
    let layout = StackedLayout::new(l_skip, l_skip + n_stack, meta).map_err(|e| GpuError::invalid(OP, e.to_string()))?;
    let matrix = stack_traces(ctx, &layout, traces)?;
    let codewords = rs_code_matrix(ctx, l_skip as u32, log_blowup as u32, &matrix)?;
    let tree = MerkleTree::new(ctx, codewords, 1 << k_whir)?;
    let root = tree.root(ctx)?;
    Ok((root, StackedPcsData { layout, matrix, tree }))
}

/// Writes every trace column to its place in the stacked matrix in device memory. A column
/// shorter than 2^l_skip is spread with stride 2^l_skip / height, zeros between.
fn stack_traces(ctx: &GpuContext, layout: &StackedLayout, traces: &[&ColMajorMatrix<F>]) -> GpuResult<ColumnMatrix> {
    let _span = info_span!("stacked_matrix").entered();
    let l_skip = layout.l_skip();
    let m = ColumnMatrix::zeroed(ctx, "stacked matrix", layout.height(), layout.width())?;
    for (mat_idx, j, slice) in &layout.sorted_cols {
        let column = traces[*mat_idx].column(*j);
        let chunk = &m.chunks[slice.col_idx / m.columns_per_chunk];
        let at = (slice.col_idx % m.columns_per_chunk) * m.height + slice.row_idx;
        let stride = slice.stride(l_skip);
        if stride == 1 {
            chunk.write(ctx, at, as_words(column))?;
        } else {
            let mut spread = vec![F::ZERO; slice.len(l_skip)];
            for (i, v) in column.iter().enumerate() {
                spread[i * stride] = *v;
            }
            chunk.write(ctx, at, as_words(&spread))?;
        }
    }
    Ok(m)
}

const NAME: &str = "rs_code_matrix";

/// The codewords of `stacked` (height a power of two, at least 2^l_skip), leaving `stacked`
/// unchanged.
pub fn rs_code_matrix(ctx: &GpuContext, l_skip: u32, log_blowup: u32, stacked: &ColumnMatrix) -> GpuResult<ColumnMatrix> {
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

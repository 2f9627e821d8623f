//! Host side of shaders/zerocheck_round0_batch.wgsl: round 0's weighted sums of a constraint
//! program's outputs on skip-domain points (the zerocheck's constraints batched with the powers
//! of λ, LogUp's counts and fingerprints), weighted by eq(ξ, block) and summed per group of
//! blocks (the first pass; `ext_column_sums` is the second).

use openvm_wgpu_common::{limits::check_loop_iterations, GpuBuffer, GpuContext, GpuResult};

use super::ReductionKernel;
use crate::field::ExtBuffer;

const NAME: &str = "zerocheck_round0_batch";

pub(crate) const KERNEL: ReductionKernel<Params> = ReductionKernel::new(wgsl_kernel!("zerocheck_round0_batch"));

kernel_params! {
    pub struct Params {
        points: u32,
        stride_points: u32,
        blocks: u32,
        rows: u32,
        block_start: u32,
        /// The terms this dispatch sums, and its first partial row.
        term_start: u32,
        term_end: u32,
        row_offset: u32,
        workgroup_base: u32,
        _pad0: u32,
        _pad1: u32,
        _pad2: u32,
    }
}

/// Partial rows the kernel writes for `blocks` blocks and `num_terms` terms on this device: a
/// row per group of blocks (one block per invocation) and per run of terms, the runs short
/// enough for an invocation's loop (`max_loop_iterations`, less the workgroup reduction's steps).
pub fn partial_rows(ctx: &GpuContext, blocks: usize, num_terms: usize) -> GpuResult<usize> {
    Ok(blocks.div_ceil(KERNEL.workgroup_size(&ctx.limits)? as usize) * num_terms.div_ceil(terms_per_run(ctx)?).max(1))
}

/// Terms one invocation sums in one dispatch.
fn terms_per_run(ctx: &GpuContext) -> GpuResult<usize> {
    let wg = KERNEL.workgroup_size(&ctx.limits)?;
    Ok((ctx.limits.max_loop_iterations.saturating_sub(wg.trailing_zeros() + 1) as usize).max(1))
}

/// One weighted sum over a chunk of `blocks` blocks: the program's outputs are output-major over
/// `blocks * stride_points` virtual rows; the first `points` points of each block are summed;
/// eq is read from `eq[block_start ..]`.
#[derive(Clone, Copy, Debug)]
pub struct Batch {
    pub points: usize,
    pub stride_points: usize,
    pub blocks: usize,
    pub block_start: usize,
    pub num_terms: usize,
}

/// The terms of one weighted sum: output indices and their extension coefficients,
/// `num_terms` of each.
pub struct Terms<'a> {
    pub outputs: &'a GpuBuffer<u32>,
    pub coeffs: &'a ExtBuffer,
}

/// Records the first pass: `partial_rows(blocks, num_terms)` rows of `points` partial sums into
/// `partials` (one dispatch per run of terms).
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    batch: &Batch,
    values: &GpuBuffer<u32>,
    terms: &Terms<'_>,
    eq: &ExtBuffer,
    partials: &ExtBuffer,
) -> GpuResult<()> {
    let wg = KERNEL.workgroup_size(&ctx.limits)?;
    let groups = batch.blocks.div_ceil(wg as usize);
    let run = terms_per_run(ctx)?;
    check_loop_iterations(NAME, (run.min(batch.num_terms) as u32 + wg.trailing_zeros() + 1) as u64, &ctx.limits)?;
    let buffers = [&values.buffer, &terms.outputs.buffer, &terms.coeffs.buffer, &eq.buffer, &partials.buffer];
    // A sum without terms still writes its (zero) partial row.
    for (k, term_start) in (0..batch.num_terms.max(1)).step_by(run).enumerate() {
        let params = Params {
            points: batch.points as u32,
            stride_points: batch.stride_points as u32,
            blocks: batch.blocks as u32,
            rows: (batch.blocks * batch.stride_points) as u32,
            block_start: batch.block_start as u32,
            term_start: term_start as u32,
            term_end: (term_start + run).min(batch.num_terms) as u32,
            row_offset: (k * groups) as u32,
            ..Default::default()
        };
        KERNEL.record(ctx, encoder, (groups * batch.points) as u64, &buffers, &params)?;
    }
    Ok(())
}

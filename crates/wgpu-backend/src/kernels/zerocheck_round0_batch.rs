//! Host side of shaders/zerocheck_round0_batch.wgsl: round 0's weighted sums of a constraint
//! program's outputs on skip-domain points (the zerocheck's constraints batched with the powers
//! of λ, LogUp's counts and fingerprints), weighted by eq(ξ, block) and summed per group of
//! blocks (the first pass; `ext_column_sums` is the second).

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::ReductionKernel;

pub(crate) const KERNEL: ReductionKernel<Params> = ReductionKernel::new(wgsl_kernel!("zerocheck_round0_batch"));

kernel_params! {
    pub struct Params {
        points: u32,
        stride_points: u32,
        blocks: u32,
        rows: u32,
        block_start: u32,
        num_terms: u32,
        workgroup_base: u32,
        _pad0: u32,
    }
}

/// Groups of blocks (partial rows) the kernel writes for `blocks` blocks on this device.
pub fn groups(ctx: &GpuContext, blocks: usize) -> GpuResult<usize> {
    Ok(blocks.div_ceil(KERNEL.workgroup_size(&ctx.limits)? as usize))
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

/// The terms of one weighted sum: output indices and their extension coefficients (four words
/// each), `num_terms` of each.
pub struct Terms<'a> {
    pub outputs: &'a GpuBuffer<u32>,
    pub coeffs: &'a GpuBuffer<u32>,
}

/// Records the first pass: `groups(blocks)` rows of `points` partial sums into `partials`.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    batch: &Batch,
    values: &GpuBuffer<u32>,
    terms: &Terms<'_>,
    eq: &GpuBuffer<u32>,
    partials: &GpuBuffer<u32>,
) -> GpuResult<()> {
    let groups = groups(ctx, batch.blocks)?;
    let params = Params {
        points: batch.points as u32,
        stride_points: batch.stride_points as u32,
        blocks: batch.blocks as u32,
        rows: (batch.blocks * batch.stride_points) as u32,
        block_start: batch.block_start as u32,
        num_terms: batch.num_terms as u32,
        ..Default::default()
    };
    let buffers = [&values.buffer, &terms.outputs.buffer, &terms.coeffs.buffer, &eq.buffer, &partials.buffer];
    KERNEL.record(ctx, encoder, (groups * batch.points) as u64, &buffers, &params)
}

//! A multilinear round of the stacked reduction: partial sums of s(1), s(2).

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::ReductionKernel;
use crate::shaders::STACKED_REDUCTION_MLE_ROUND;

pub(crate) const KERNEL: ReductionKernel = ReductionKernel { kernel: STACKED_REDUCTION_MLE_ROUND };

/// One dispatch: views [view_begin, view_end) of one height in one chunk of the folded matrix.
#[derive(Clone, Copy, Debug)]
pub struct MleRoundUnit {
    pub view_begin: usize,
    pub view_end: usize,
    pub views_per_slab: usize,
    pub slabs: usize,
    pub y_count: usize,
    /// Whether the height's views are already folded to one point (round > n_lift).
    pub folded: bool,
    pub log_skip: usize,
    pub round: usize,
    pub n_lift: usize,
    pub log_height: usize,
    pub q_stride: usize,
    pub table_base: usize,
    pub partial_base: usize,
}

/// The buffers a round reads and writes.
pub struct MleRoundBuffers<'a> {
    pub q_chunk: &'a GpuBuffer<u32>,
    pub views: &'a GpuBuffer<u32>,
    pub eq: &'a GpuBuffer<u32>,
    pub rot: &'a GpuBuffer<u32>,
    pub challenges: &'a GpuBuffer<u32>,
    pub partials: &'a GpuBuffer<u32>,
}

/// Workgroups (and so partial pairs) the unit writes.
pub fn workgroups(ctx: &GpuContext, unit: &MleRoundUnit) -> GpuResult<usize> {
    Ok((unit.y_count * unit.slabs).div_ceil(KERNEL.workgroup_size(&ctx.limits)? as usize))
}

pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    unit: &MleRoundUnit,
    b: &MleRoundBuffers<'_>,
) -> GpuResult<()> {
    let head = [
        unit.view_begin,
        unit.view_end,
        unit.views_per_slab,
        unit.slabs,
        unit.y_count,
        unit.folded as usize,
        unit.log_skip,
        unit.round,
        unit.n_lift,
        unit.log_height,
        unit.q_stride,
        unit.table_base,
        unit.partial_base,
    ]
    .map(|v| v as u32);
    let buffers = [&b.q_chunk.buffer, &b.views.buffer, &b.eq.buffer, &b.rot.buffer, &b.challenges.buffer, &b.partials.buffer];
    KERNEL.record(ctx, encoder, workgroups(ctx, unit)? as u64, &buffers, |base| [&head[..], &[base, 0, 0]].concat())
}

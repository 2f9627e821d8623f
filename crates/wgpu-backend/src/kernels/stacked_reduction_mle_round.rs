//! A multilinear round of the stacked reduction: partial sums of s(1), s(2).

use openvm_wgpu_common::{limits::check_loop_iterations, GpuBuffer, GpuContext, GpuResult};

use super::{
    stacked_reduction_round0::{ViewRecord, LOOPS_BESIDES_VIEWS, LOOPS_PER_VIEW},
    ReductionKernel,
};
use crate::field::ExtBuffer;

pub(crate) const KERNEL: ReductionKernel<Params> = ReductionKernel::new(wgsl_kernel!("stacked_reduction_mle_round"));

kernel_params! {
    pub struct Params {
        view_begin: u32,
        view_end: u32,
        views_per_slab: u32,
        slabs: u32,
        y_count: u32,
        folded: u32,
        log_skip: u32,
        round: u32,
        n_lift: u32,
        log_height: u32,
        q_stride: u32,
        table_base: u32,
        partial_base: u32,
        workgroup_base: u32,
        _pad0: u32,
        _pad1: u32,
    }
}

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
    pub q_chunk: &'a ExtBuffer,
    pub views: &'a GpuBuffer<ViewRecord>,
    pub eq: &'a ExtBuffer,
    pub rot: &'a ExtBuffer,
    pub challenges: &'a ExtBuffer,
    pub partials: &'a ExtBuffer,
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
    let params = Params {
        view_begin: unit.view_begin as u32,
        view_end: unit.view_end as u32,
        views_per_slab: unit.views_per_slab as u32,
        slabs: unit.slabs as u32,
        y_count: unit.y_count as u32,
        folded: unit.folded as u32,
        log_skip: unit.log_skip as u32,
        round: unit.round as u32,
        n_lift: unit.n_lift as u32,
        log_height: unit.log_height as u32,
        q_stride: unit.q_stride as u32,
        table_base: unit.table_base as u32,
        partial_base: unit.partial_base as u32,
        ..Default::default()
    };
    let buffers = [&b.q_chunk.buffer, &b.views.buffer, &b.eq.buffer, &b.rot.buffer, &b.challenges.buffer, &b.partials.buffer];
    let loops = unit.views_per_slab as u64 * LOOPS_PER_VIEW as u64 + LOOPS_BESIDES_VIEWS as u64;
    check_loop_iterations("stacked_reduction_mle_round", loops, &ctx.limits)?;
    KERNEL.record(ctx, encoder, workgroups(ctx, unit)? as u64, &buffers, &params)
}

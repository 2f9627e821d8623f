//! Round 0 of the stacked reduction: per height, the weighted column sums on the skip domain.

use openvm_wgpu_common::{limits::check_loop_iterations, GpuBuffer, GpuContext, GpuResult};

use super::ReductionKernel;
use crate::field::{Ext4, ExtBuffer};

/// Loop iterations of an invocation per view of its slab, at most: the view's step and, in the
/// multilinear rounds (`stacked_reduction_mle_round`), eq over the rounds since the view was
/// folded to a point (fewer than 32).
pub(crate) const LOOPS_PER_VIEW: u32 = 34;
/// Loop iterations besides the views: three workgroup reductions (at most 11 steps each).
pub(crate) const LOOPS_BESIDES_VIEWS: u32 = 33;

pub(crate) const KERNEL: ReductionKernel<Params> = ReductionKernel::new(wgsl_kernel!("stacked_reduction_round0"));

kernel_params! {
    pub struct Params {
        view_begin: u32,
        view_end: u32,
        views_per_slab: u32,
        slabs: u32,
        log_skip: u32,
        x_count: u32,
        eq_base: u32,
        lanes: u32,
        lane_blocks: u32,
        partial_row_base: u32,
        workgroup_base: u32,
        _pad: u32,
    }
}

/// One view of a trace column as the round kernels read it (their `views` binding, four
/// `vec4<u32>` per view): where the column starts in its stacked chunk, its column in the folded
/// chunk, its row and log height; λ's power for its column claim and for its rotation claim
/// (zero without one).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ViewRecord {
    pub stacked_offset: u32,
    pub folded_column: u32,
    pub row: u32,
    pub log_height: u32,
    pub lambda: Ext4,
    pub lambda_rot: Ext4,
    pub _pad: [u32; 4],
}

/// One dispatch: views [view_begin, view_end) of one height, all in one chunk of the stacked
/// matrix, handled in `slabs` slabs of `views_per_slab`.
#[derive(Clone, Copy, Debug)]
pub struct Round0Unit {
    pub view_begin: usize,
    pub view_end: usize,
    pub views_per_slab: usize,
    pub slabs: usize,
    pub log_skip: usize,
    pub x_count: usize,
    pub eq_base: usize,
    pub partial_row_base: usize,
}

/// The workgroup split of a unit on this device: (lanes, lane blocks, row blocks).
pub fn split(ctx: &GpuContext, log_skip: usize, rows: usize) -> GpuResult<(usize, usize, usize)> {
    let wg = KERNEL.workgroup_size(&ctx.limits)? as usize;
    let domain = 1usize << log_skip;
    let lanes = domain.min(wg);
    Ok((lanes, domain / lanes, rows.div_ceil(wg / lanes)))
}

/// Records the unit; it writes `split(..).2` partial rows of 3 * 2^log_skip elements from row
/// `partial_row_base`. The stacked chunk is base-field words.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    unit: &Round0Unit,
    stacked_chunk: &GpuBuffer<u32>,
    views: &GpuBuffer<ViewRecord>,
    eq: &ExtBuffer,
    partials: &ExtBuffer,
) -> GpuResult<()> {
    let (lanes, lane_blocks, row_blocks) = split(ctx, unit.log_skip, unit.x_count * unit.slabs)?;
    let params = Params {
        view_begin: unit.view_begin as u32,
        view_end: unit.view_end as u32,
        views_per_slab: unit.views_per_slab as u32,
        slabs: unit.slabs as u32,
        log_skip: unit.log_skip as u32,
        x_count: unit.x_count as u32,
        eq_base: unit.eq_base as u32,
        lanes: lanes as u32,
        lane_blocks: lane_blocks as u32,
        partial_row_base: unit.partial_row_base as u32,
        ..Default::default()
    };
    let buffers = [&stacked_chunk.buffer, &views.buffer, &eq.buffer, &partials.buffer];
    let loops = unit.views_per_slab as u64 * LOOPS_PER_VIEW as u64 + LOOPS_BESIDES_VIEWS as u64;
    check_loop_iterations("stacked_reduction_round0", loops, &ctx.limits)?;
    KERNEL.record(ctx, encoder, (row_blocks * lane_blocks) as u64, &buffers, &params)
}

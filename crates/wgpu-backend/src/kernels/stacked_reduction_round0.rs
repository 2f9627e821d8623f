//! Round 0 of the stacked reduction: per height, the weighted column sums on the skip domain.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::ReductionKernel;
use crate::shaders::STACKED_REDUCTION_ROUND0;

pub(crate) const KERNEL: ReductionKernel = ReductionKernel { kernel: STACKED_REDUCTION_ROUND0 };

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
/// `partial_row_base`.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    unit: &Round0Unit,
    stacked_chunk: &GpuBuffer<u32>,
    views: &GpuBuffer<u32>,
    eq: &GpuBuffer<u32>,
    partials: &GpuBuffer<u32>,
) -> GpuResult<()> {
    let (lanes, lane_blocks, row_blocks) = split(ctx, unit.log_skip, unit.x_count * unit.slabs)?;
    let head = [
        unit.view_begin,
        unit.view_end,
        unit.views_per_slab,
        unit.slabs,
        unit.log_skip,
        unit.x_count,
        unit.eq_base,
        lanes,
        lane_blocks,
        unit.partial_row_base,
    ]
    .map(|v| v as u32);
    let buffers = [&stacked_chunk.buffer, &views.buffer, &eq.buffer, &partials.buffer];
    KERNEL.record(ctx, encoder, (row_blocks * lane_blocks) as u64, &buffers, |base| [&head[..], &[base, 0]].concat())
}

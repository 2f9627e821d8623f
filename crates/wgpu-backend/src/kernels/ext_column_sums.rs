//! The second pass of every two-pass reduction: column sums of a row-major block of partials.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::ReductionKernel;
use crate::shaders::EXT_COLUMN_SUMS;

pub(crate) const KERNEL: ReductionKernel = ReductionKernel { kernel: EXT_COLUMN_SUMS };

/// `rows` rows of `columns` extension elements, row-major, from element `base` of `buffer`.
pub struct Partials<'a> {
    pub buffer: &'a GpuBuffer<u32>,
    pub base: usize,
    pub rows: usize,
    pub columns: usize,
}

/// Records out[out_base + k] = the sum of column k of `partials`.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    partials: &Partials<'_>,
    out: &GpuBuffer<u32>,
    out_base: usize,
) -> GpuResult<()> {
    let head = [partials.columns, partials.rows, partials.base, out_base].map(|v| v as u32);
    KERNEL.record(ctx, encoder, partials.columns as u64, &[&partials.buffer.buffer, &out.buffer], |base| {
        [&head[..], &[base, 0, 0, 0]].concat()
    })
}

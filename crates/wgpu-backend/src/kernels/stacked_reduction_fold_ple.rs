//! Folding the stacked matrix's prismalinear columns at u_0 into extension-field multilinear
//! evaluations.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;
use crate::shaders::STACKED_REDUCTION_FOLD_PLE;

pub(crate) const KERNEL: Elementwise = Elementwise { kernel: STACKED_REDUCTION_FOLD_PLE };

/// The columns one dispatch folds: `columns` columns from column `in_column` of an input chunk
/// (columns `height` words apart) into an output chunk from column `out_column` (columns
/// `out_stride` elements apart).
#[derive(Clone, Copy, Debug)]
pub struct FoldColumns {
    pub columns: usize,
    pub height: usize,
    pub in_column: usize,
    pub out_column: usize,
    pub out_stride: usize,
}

/// Records out[(out_column + c) * out_stride + x] = sum_i weights[i] * chunk[(in_column + c) *
/// height + x * 2^log_skip + i] for c < columns and x < height >> log_skip.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    chunk: &GpuBuffer<u32>,
    weights: &GpuBuffer<u32>,
    out: &GpuBuffer<u32>,
    log_skip: usize,
    f: FoldColumns,
) -> GpuResult<()> {
    let x_count = f.height >> log_skip;
    let head = [f.columns, x_count, log_skip, f.height, f.out_stride].map(|v| v as u32);
    let (in_column, out_column) = (f.in_column as u32, f.out_column as u32);
    KERNEL.record(ctx, encoder, (f.columns * x_count) as u64, &[&chunk.buffer, &weights.buffer, &out.buffer], |base| {
        [&head[..], &[base, in_column, out_column]].concat()
    })
}

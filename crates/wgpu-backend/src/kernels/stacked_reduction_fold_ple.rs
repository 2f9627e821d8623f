//! Folding the stacked matrix's prismalinear columns at u_0 into extension-field multilinear
//! evaluations.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;

pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("stacked_reduction_fold_ple"));

kernel_params! {
    pub struct Params {
        columns: u32,
        x_count: u32,
        log_skip: u32,
        height: u32,
        out_stride: u32,
        workgroup_base: u32,
        in_column: u32,
        out_column: u32,
    }
}

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
    let params = Params {
        columns: f.columns as u32,
        x_count: x_count as u32,
        log_skip: log_skip as u32,
        height: f.height as u32,
        out_stride: f.out_stride as u32,
        in_column: f.in_column as u32,
        out_column: f.out_column as u32,
        ..Default::default()
    };
    KERNEL.record(ctx, encoder, (f.columns * x_count) as u64, &[&chunk.buffer, &weights.buffer, &out.buffer], &params)
}

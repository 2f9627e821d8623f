//! Folding prismalinear columns at a point into extension-field multilinear evaluations: the
//! stacked matrix at u_0 (`openings::stacked_reduction`) and an AIR's trace columns, with their
//! next-row rotation, at r_0 (`logup_zerocheck::mle_round`).

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;
use crate::field::ExtBuffer;

pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("fold_ple"));

kernel_params! {
    pub struct Params {
        columns: u32,
        x_count: u32,
        log_skip: u32,
        height: u32,
        offset: u32,
        workgroup_base: u32,
        in_column: u32,
        out_column: u32,
    }
}

/// The columns one dispatch folds: `columns` columns from column `in_column` of a trace chunk
/// (columns `height` words apart) into column `out_column` on of an output with `x_count` rows;
/// `rot` reads the next row (upstream's `is_rot`).
#[derive(Clone, Copy, Debug)]
pub struct FoldColumns {
    pub columns: usize,
    pub height: usize,
    pub x_count: usize,
    pub in_column: usize,
    pub out_column: usize,
    pub rot: bool,
}

/// Records out[(out_column + c) * x_count + x] = sum_i weights[i] * chunk[(in_column + c) *
/// height + ((x << log_skip) + i + rot) % height] for c < columns and x < x_count.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    chunk: &GpuBuffer<u32>,
    weights: &ExtBuffer,
    out: &ExtBuffer,
    log_skip: usize,
    f: FoldColumns,
) -> GpuResult<()> {
    openvm_wgpu_common::kernel::require("fold_ple", f.height.is_power_of_two(), || {
        format!("trace height {} is not a power of two", f.height)
    })?;
    // An invocation folds the 2^log_skip rows of one block.
    openvm_wgpu_common::limits::check_loop_iterations("fold_ple", 1u64 << log_skip, &ctx.limits)?;
    let params = Params {
        columns: f.columns as u32,
        x_count: f.x_count as u32,
        log_skip: log_skip as u32,
        height: f.height as u32,
        offset: f.rot as u32,
        in_column: f.in_column as u32,
        out_column: f.out_column as u32,
        ..Default::default()
    };
    KERNEL.record(ctx, encoder, (f.columns * f.x_count) as u64, &[&chunk.buffer, &weights.buffer, &out.buffer], &params)
}

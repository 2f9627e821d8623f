//! The second pass of every two-pass reduction: column sums of a row-major block of partials.

use openvm_wgpu_common::{limits::check_loop_iterations, GpuContext, GpuResult};

use super::ReductionKernel;
use crate::field::ExtBuffer;

const NAME: &str = "ext_column_sums";

pub(crate) const KERNEL: ReductionKernel<Params> = ReductionKernel::new(wgsl_kernel!("ext_column_sums"));

kernel_params! {
    pub struct Params {
        columns: u32,
        rows: u32,
        in_base: u32,
        out_base: u32,
        workgroup_base: u32,
        _pad0: u32,
        _pad1: u32,
        _pad2: u32,
    }
}

/// `rows` rows of `columns` extension elements, row-major, from element `base` of `buffer`.
pub struct Partials<'a> {
    pub buffer: &'a ExtBuffer,
    pub base: usize,
    pub rows: usize,
    pub columns: usize,
}

/// Records out[out_base + k] = the sum of column k of `partials`. An invocation adds every
/// workgroup-size-th row of a column; when that would loop more often than the device allows
/// (`max_loop_iterations`, less the workgroup reduction's steps), blocks of rows are summed
/// into a scratch block of partial rows first (kept by `encoder`), whose columns are summed the
/// same way.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    partials: &Partials<'_>,
    out: &ExtBuffer,
    out_base: usize,
) -> GpuResult<()> {
    let wg = KERNEL.workgroup_size(&ctx.limits)? as u64;
    let reduce_steps = wg.trailing_zeros() as u64 + 1;
    let per_invocation = (ctx.limits.max_loop_iterations as u64).saturating_sub(reduce_steps).max(1);
    let block_rows = wg * per_invocation;
    let rows = partials.rows as u64;
    if rows > block_rows {
        let blocks = rows.div_ceil(block_rows) as usize;
        let columns = partials.columns;
        let block_sums = ExtBuffer::uninit(ctx, "ext_column_sums blocks", blocks * columns.max(1))?;
        for b in 0..blocks {
            let first = b as u64 * block_rows;
            let block = Partials {
                buffer: partials.buffer,
                base: partials.base + first as usize * columns,
                rows: (rows - first).min(block_rows) as usize,
                columns,
            };
            record(ctx, encoder, &block, &block_sums, b * columns)?;
        }
        record(ctx, encoder, &Partials { buffer: &block_sums, base: 0, rows: blocks, columns }, out, out_base)?;
        let bytes = block_sums.bytes();
        encoder.keep(block_sums, bytes);
        return Ok(());
    }
    check_loop_iterations(NAME, rows.div_ceil(wg) + reduce_steps, &ctx.limits)?;
    let params = Params {
        columns: partials.columns as u32,
        rows: partials.rows as u32,
        in_base: partials.base as u32,
        out_base: out_base as u32,
        ..Default::default()
    };
    KERNEL.record(ctx, encoder, partials.columns as u64, &[&partials.buffer.buffer, &out.buffer], &params)
}

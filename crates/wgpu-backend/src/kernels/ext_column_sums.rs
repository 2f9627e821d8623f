//! The second pass of every two-pass reduction: column sums of a row-major block of partials.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::ReductionKernel;

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
    let params = Params {
        columns: partials.columns as u32,
        rows: partials.rows as u32,
        in_base: partials.base as u32,
        out_base: out_base as u32,
        ..Default::default()
    };
    KERNEL.record(ctx, encoder, partials.columns as u64, &[&partials.buffer.buffer, &out.buffer], &params)
}

//! The equality polynomial's hypercube values eq(x, r) for x in {0,1}^n, built on the device.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;

pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("eq_table"));

kernel_params! {
    pub struct Params {
        count: u32,
        vars: u32,
        out_base: u32,
        point_base: u32,
        workgroup_base: u32,
        _pad0: u32,
        _pad1: u32,
        _pad2: u32,
    }
}

/// Records out[out_base + x] = eq(x, points[point_base..point_base + vars]) for x < 2^vars
/// (extension elements; bit j of x goes with point j, as upstream's `evals_eq_hypercube`).
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    points: &GpuBuffer<u32>,
    point_base: usize,
    vars: usize,
    out: &GpuBuffer<u32>,
    out_base: usize,
) -> GpuResult<()> {
    let count = 1u64 << vars;
    let params =
        Params { count: count as u32, vars: vars as u32, out_base: out_base as u32, point_base: point_base as u32, ..Default::default() };
    KERNEL.record(ctx, encoder, count, &[&points.buffer, &out.buffer], &params)
}

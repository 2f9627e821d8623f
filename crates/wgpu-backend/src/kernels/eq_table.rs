//! The equality polynomial's hypercube values eq(x, r) for x in {0,1}^n, built on the device.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;
use crate::shaders::EQ_TABLE;

pub(crate) const KERNEL: Elementwise = Elementwise { kernel: EQ_TABLE };

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
    let params = [count as u32, vars as u32, out_base as u32, point_base as u32];
    KERNEL.record(ctx, encoder, count, &[&points.buffer, &out.buffer], |base| [&params[..], &[base, 0, 0, 0]].concat())
}

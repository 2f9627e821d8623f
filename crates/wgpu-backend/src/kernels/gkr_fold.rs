//! Folding a GKR layer's sumcheck matrix (rows (p_0, q_0, p_1, q_1), row-major) at a challenge.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;
use crate::field::{ext_words, EF};

pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("gkr_fold"));

kernel_params! {
    pub struct Params {
        count: u32,
        workgroup_base: u32,
        _pad0: u32,
        _pad1: u32,
        r: [u32; 4],
    }
}

/// Records out row y = values row 2y + r (values row 2y + 1 - values row 2y) for y < `half`,
/// rows of four extension elements.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    values: &GpuBuffer<u32>,
    out: &GpuBuffer<u32>,
    half: usize,
    r: EF,
) -> GpuResult<()> {
    let count = 4 * half;
    let params = Params { count: count as u32, r: ext_words(r), ..Default::default() };
    KERNEL.record(ctx, encoder, count as u64, &[&values.buffer, &out.buffer], &params)
}

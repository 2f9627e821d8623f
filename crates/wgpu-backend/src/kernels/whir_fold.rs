//! The sumcheck fold of an extension vector (column form) at a challenge.

use openvm_wgpu_common::{kernel::require, GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;
use crate::field::{ext_words, EF};

pub const NAME: &str = "whir_fold";
pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("whir_fold"));

kernel_params! {
    pub struct Params {
        half: u32,
        workgroup_base: u32,
        _pad0: u32,
        _pad1: u32,
        alpha: [u32; 4],
    }
}

/// Records `dst[y] = src[2y] + alpha (src[2y+1] - src[2y])` for y < half; `src` holds
/// 2 * half extension elements, `dst` half, both in column form.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    src: &GpuBuffer<u32>,
    dst: &GpuBuffer<u32>,
    half: usize,
    alpha: EF,
) -> GpuResult<()> {
    require(NAME, src.len() == 8 * half && dst.len() == 4 * half && half > 0, || {
        format!("fold {} words into {} words ({half} elements)", src.len(), dst.len())
    })?;
    let params = Params { half: half as u32, alpha: ext_words(alpha), ..Default::default() };
    KERNEL.record(ctx, encoder, half as u64, &[&src.buffer, &dst.buffer], &params)
}

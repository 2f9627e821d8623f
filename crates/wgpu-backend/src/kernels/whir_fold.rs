//! The sumcheck fold of an extension vector (column form) at a challenge.

use openvm_wgpu_common::{kernel::require, GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;
use crate::{
    field::{ext_as_words, EF},
    shaders::WHIR_FOLD,
};

pub const NAME: &str = "whir_fold";
pub(crate) const KERNEL: Elementwise = Elementwise { kernel: WHIR_FOLD };

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
    let a = ext_as_words(std::slice::from_ref(&alpha)).to_vec();
    KERNEL.record(ctx, encoder, half as u64, &[&src.buffer, &dst.buffer], |base| [vec![half as u32, base, 0, 0], a.clone()].concat())
}

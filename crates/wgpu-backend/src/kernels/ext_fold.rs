//! Folding multilinear evaluations (extension elements) at a challenge, column by column.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;
use crate::{
    field::{ext_as_words, EF},
    shaders::EXT_FOLD,
};

pub(crate) const KERNEL: Elementwise = Elementwise { kernel: EXT_FOLD };

/// Where the columns of a fold live: `columns` columns starting at element `base`, `stride`
/// elements apart.
#[derive(Clone, Copy, Debug)]
pub struct Columns {
    pub base: usize,
    pub stride: usize,
}

/// Records out[c][y] = in[c][2y] + u (in[c][2y + 1] - in[c][2y]) for `columns` columns and
/// y < `half`.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    input: (&GpuBuffer<u32>, Columns),
    output: (&GpuBuffer<u32>, Columns),
    columns: usize,
    half: usize,
    u: EF,
) -> GpuResult<()> {
    let (src, from) = input;
    let (dst, to) = output;
    let count = (columns * half) as u64;
    let head = [columns, half, from.stride, to.stride, from.base, to.base].map(|v| v as u32);
    KERNEL.record(ctx, encoder, count, &[&src.buffer, &dst.buffer], |base| {
        [&head[..], &[base, 0], ext_as_words(std::slice::from_ref(&u))].concat()
    })
}

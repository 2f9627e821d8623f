//! Folding multilinear evaluations (extension elements) at a challenge, column by column.

use openvm_wgpu_common::{GpuContext, GpuResult};

use super::Elementwise;
use crate::field::{Ext4, ExtBuffer, EF};

pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("ext_fold"));

kernel_params! {
    pub struct Params {
        columns: u32,
        half: u32,
        in_stride: u32,
        out_stride: u32,
        in_base: u32,
        out_base: u32,
        workgroup_base: u32,
        in_row_stride: u32,
        out_row_stride: u32,
        _pad0: u32,
        _pad1: u32,
        _pad2: u32,
        u: [u32; 4],
    }
}

/// Where the columns of a fold live: column c's entry x is element `base + c * stride + x *
/// row_stride`.
#[derive(Clone, Copy, Debug)]
pub struct Columns {
    pub base: usize,
    pub stride: usize,
    pub row_stride: usize,
}

impl Columns {
    /// Columns `stride` elements apart, each contiguous.
    pub fn col_major(base: usize, stride: usize) -> Self {
        Self { base, stride, row_stride: 1 }
    }

    /// Rows of `width` elements, each contiguous.
    pub fn row_major(base: usize, width: usize) -> Self {
        Self { base, stride: 1, row_stride: width }
    }
}

/// Records out[c][y] = in[c][2y] + u (in[c][2y + 1] - in[c][2y]) for `columns` columns and
/// y < `half`.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    input: (&ExtBuffer, Columns),
    output: (&ExtBuffer, Columns),
    columns: usize,
    half: usize,
    u: EF,
) -> GpuResult<()> {
    let (src, from) = input;
    let (dst, to) = output;
    let count = (columns * half) as u64;
    let params = Params {
        columns: columns as u32,
        half: half as u32,
        in_stride: from.stride as u32,
        out_stride: to.stride as u32,
        in_base: from.base as u32,
        out_base: to.base as u32,
        in_row_stride: from.row_stride as u32,
        out_row_stride: to.row_stride as u32,
        u: Ext4::from(u).0,
        ..Default::default()
    };
    KERNEL.record(ctx, encoder, count, &[&src.buffer, &dst.buffer], &params)
}

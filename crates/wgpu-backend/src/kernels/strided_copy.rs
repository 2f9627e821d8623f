//! Spreading a short trace column into the stacked matrix with a stride, on the device.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;

pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("strided_copy"));

kernel_params! {
    pub struct Params {
        count: u32,
        stride: u32,
        in_base: u32,
        out_base: u32,
        workgroup_base: u32,
        _pad0: u32,
        _pad1: u32,
        _pad2: u32,
    }
}

/// Words of `buffer` from word `offset` on.
#[derive(Clone, Copy)]
pub struct WordsAt<'a> {
    pub buffer: &'a GpuBuffer<u32>,
    pub offset: usize,
}

/// Records out[i * stride] = values[i] for i < count (from each one's offset).
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    values: WordsAt<'_>,
    out: WordsAt<'_>,
    count: usize,
    stride: usize,
) -> GpuResult<()> {
    let params = Params {
        count: count as u32,
        stride: stride as u32,
        in_base: values.offset as u32,
        out_base: out.offset as u32,
        ..Default::default()
    };
    KERNEL.record(ctx, encoder, count as u64, &[&values.buffer.buffer, &out.buffer.buffer], &params)
}

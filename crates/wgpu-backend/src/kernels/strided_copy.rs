//! Spreading a short trace column into the stacked matrix with a stride, on the device.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;
use crate::shaders::STRIDED_COPY;

pub(crate) const KERNEL: Elementwise = Elementwise { kernel: STRIDED_COPY };

/// Records out[out_base + i * stride] = values[in_base + i] for i < count.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    values: (&GpuBuffer<u32>, usize),
    out: (&GpuBuffer<u32>, usize),
    count: usize,
    stride: usize,
) -> GpuResult<()> {
    let head = [count, stride, values.1, out.1].map(|v| v as u32);
    KERNEL.record(ctx, encoder, count as u64, &[&values.0.buffer, &out.0.buffer], |base| [&head[..], &[base, 0, 0, 0]].concat())
}

//! A streaming copy kernel: the memory bandwidth a compute kernel reaches on this device, which
//! benchmarks use as the roofline (a copy-engine `copy_buffer_to_buffer` can be much slower).

use openvm_wgpu_common::{kernel::require, GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;
use crate::shaders::BANDWIDTH_PROBE;

pub const NAME: &str = "bandwidth_probe";
pub(crate) const KERNEL: Elementwise = Elementwise { kernel: BANDWIDTH_PROBE };

/// Records `reps` copies of `src` into `dst` (lengths multiples of 4 words).
pub fn record_copies(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    src: &GpuBuffer<u32>,
    dst: &GpuBuffer<u32>,
    reps: usize,
) -> GpuResult<()> {
    require(NAME, src.len() == dst.len() && src.len().is_multiple_of(4), || "buffers must match and hold a multiple of 4 words".into())?;
    let count = (src.len() / 4) as u64;
    for _ in 0..reps {
        KERNEL.record(ctx, encoder, count, &[&src.buffer, &dst.buffer], |base| vec![count as u32, base, 0, 0])?;
    }
    Ok(())
}

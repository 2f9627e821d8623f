//! A streaming copy kernel: the memory bandwidth a compute kernel reaches on this device, which
//! benchmarks use as the roofline (a copy-engine `copy_buffer_to_buffer` can be much slower).

use openvm_wgpu_common::{kernel::require, GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;

pub const NAME: &str = "bandwidth_probe";
pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("bandwidth_probe"));

kernel_params! {
    pub struct Params {
        count: u32,
        workgroup_base: u32,
        _pad0: u32,
        _pad1: u32,
    }
}

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
    let params = Params { count: count as u32, ..Default::default() };
    for _ in 0..reps {
        KERNEL.record(ctx, encoder, count, &[&src.buffer, &dst.buffer], &params)?;
    }
    Ok(())
}

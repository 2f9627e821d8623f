//! A streaming copy kernel: the memory bandwidth a compute kernel reaches on this device, which
//! benchmarks use as the roofline (a copy-engine `copy_buffer_to_buffer` can be much slower).

use openvm_wgpu_common::{
    kernel::require,
    limits::{elementwise, split_grid},
    DeviceLimits, GpuBuffer, GpuContext, GpuResult, PipelineKey,
};

use super::{dispatch, pipeline, KernelPlan};
use crate::shaders::BANDWIDTH_PROBE;

pub const NAME: &str = "bandwidth_probe";

fn key(limits: &DeviceLimits) -> PipelineKey {
    PipelineKey::new(NAME, "main").constant("WORKGROUP_SIZE", elementwise(limits).workgroup_size[0])
}

pub fn plan(limits: &DeviceLimits) -> KernelPlan {
    KernelPlan { kernel: BANDWIDTH_PROBE, variant: String::new(), key: key(limits), shape: elementwise(limits) }
}

/// Records `reps` copies of `src` into `dst` (lengths multiples of 4 words).
pub fn record_copies(ctx: &GpuContext, encoder: &mut wgpu::CommandEncoder, src: &GpuBuffer<u32>, dst: &GpuBuffer<u32>, reps: usize) -> GpuResult<()> {
    require(NAME, src.len() == dst.len() && src.len() % 4 == 0, || "buffers must match and hold a multiple of 4 words".into())?;
    let count = (src.len() / 4) as u64;
    let wg = elementwise(&ctx.limits).workgroup_size[0] as u64;
    let parts = split_grid(NAME, count.div_ceil(wg), ctx.limits.max_workgroups_per_dimension)?;
    let pipeline = pipeline(ctx, &BANDWIDTH_PROBE, &key(&ctx.limits))?;
    for _ in 0..reps {
        dispatch(ctx, encoder, NAME, &pipeline, &parts, &[&src.buffer, &dst.buffer], |base| vec![count as u32, base, 0, 0])?;
    }
    Ok(())
}

//! The loop probe: how many loop iterations one invocation of a kernel completes on this device.
//!
//! No WGSL or Vulkan rule bounds a loop, but Mesa's llvmpipe (the core of lavapipe, the software
//! Vulkan device of every GPU-less machine) leaves every loop of an invocation once their
//! iterations together reach 65,535 (gallivm's `LP_MAX_TGSI_LOOP_ITERATIONS`) and carries on
//! without an error. A kernel that loops more would compute wrong values there, so the device's
//! cap is measured when it opens and kept as `DeviceLimits::max_loop_iterations`, which the
//! launch rules obey. Where no cap shows, the limit is the most the probe asked for
//! ([`LOOP_PROBE_ITERATIONS`]): nothing beyond what was seen to run is trusted, and an
//! invocation that long is still a few milliseconds, far from any watchdog.

use crate::{
    limits::{elementwise, LOOP_PROBE_ITERATIONS},
    GpuContext, GpuResult, PipelineKey,
};

const NAME: &str = "loop_probe";
const SOURCE: &str = include_str!("../shaders/loop_probe.wgsl");

/// What one probe run completed: iterations of the first and of the second loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoopProbe {
    pub first: u32,
    pub second: u32,
}

/// Runs one invocation with two loops in a row, asked for `first` and `second` iterations, and
/// returns how many of each it completed. Its buffers are its own, outside the context's pools
/// and work counters (it runs once when the device opens, before any of the prover's work).
pub fn run(ctx: &GpuContext, first: u32, second: u32) -> GpuResult<LoopProbe> {
    use wgpu::util::DeviceExt;
    let wg = elementwise(&ctx.limits).workgroup_size[0];
    let pipeline = ctx.pipeline(&PipelineKey::new(NAME, "main").constant("WORKGROUP_SIZE", wg), || SOURCE.to_string())?;
    let (out, staging) = ctx.scoped(NAME, || {
        let params: [u32; 4] = [first, second, 0x1234_5678, 0];
        let uniform = ctx.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(NAME),
            contents: bytemuck::cast_slice(&params),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let out = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(NAME),
            size: 16,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(NAME),
            size: 16,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind = ctx.bind(&pipeline, &[out.as_entire_binding(), uniform.as_entire_binding()]);
        let mut encoder = ctx.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(NAME) });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some(NAME), timestamp_writes: None });
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups(1, 1, 1);
        }
        encoder.copy_buffer_to_buffer(&out, 0, &staging, 0, 16);
        ctx.queue.submit([encoder.finish()]);
        staging.slice(..).map_async(wgpu::MapMode::Read, |_| {});
        (out, staging)
    })?;
    ctx.device
        .poll(wgpu::PollType::Wait { submission_index: None, timeout: None })
        .map_err(|e| crate::GpuError::Internal { op: NAME.into(), message: e.to_string() })?;
    let words: Vec<u32> = {
        let view =
            staging.slice(..).get_mapped_range().map_err(|e| crate::GpuError::Internal { op: NAME.into(), message: e.to_string() })?;
        bytemuck::cast_slice(&view).to_vec()
    };
    drop(out);
    Ok(LoopProbe { first: words[0], second: words[1] })
}

/// The device's loop-iteration limit: the iterations one loop asked for
/// [`LOOP_PROBE_ITERATIONS`] completes (all of them where the device has no cap below that).
pub fn probe(ctx: &GpuContext) -> GpuResult<u32> {
    let seen = run(ctx, LOOP_PROBE_ITERATIONS, 0)?;
    Ok(seen.first.clamp(1, LOOP_PROBE_ITERATIONS))
}

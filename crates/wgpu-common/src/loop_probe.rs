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
    error::{device_scoped, GpuError, GpuResult},
    limits::{elementwise, DeviceLimits, LOOP_PROBE_ITERATIONS},
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
/// returns how many of each it completed. It works on the bare device (its own pipeline and
/// buffers, outside the context's cache, pools and work counters) because it runs while the
/// context is being opened: its result is one of the context's limits.
pub fn run(device: &wgpu::Device, queue: &wgpu::Queue, limits: &DeviceLimits, first: u32, second: u32) -> GpuResult<LoopProbe> {
    use wgpu::util::DeviceExt;
    let wg = elementwise(limits).workgroup_size[0];
    let (out, staging) = device_scoped(device, NAME, || {
        let module = device
            .create_shader_module(wgpu::ShaderModuleDescriptor { label: Some(NAME), source: wgpu::ShaderSource::Wgsl(SOURCE.into()) });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(NAME),
            layout: None,
            module: &module,
            entry_point: Some("main"),
            compilation_options: wgpu::PipelineCompilationOptions { constants: &[("WORKGROUP_SIZE", wg as f64)], ..Default::default() },
            cache: None,
        });
        let params: [u32; 4] = [first, second, 0x1234_5678, 0];
        let uniform = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(NAME),
            contents: bytemuck::cast_slice(&params),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let out = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(NAME),
            size: 16,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let staging = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(NAME),
            size: 16,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(NAME),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: out.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 1, resource: uniform.as_entire_binding() },
            ],
        });
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(NAME) });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some(NAME), timestamp_writes: None });
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups(1, 1, 1);
        }
        encoder.copy_buffer_to_buffer(&out, 0, &staging, 0, 16);
        queue.submit([encoder.finish()]);
        staging.slice(..).map_async(wgpu::MapMode::Read, |_| {});
        (out, staging)
    })?;
    device
        .poll(wgpu::PollType::Wait { submission_index: None, timeout: None })
        .map_err(|e| GpuError::Internal { op: NAME.into(), message: e.to_string() })?;
    let words: Vec<u32> = {
        let view = staging.slice(..).get_mapped_range().map_err(|e| GpuError::Internal { op: NAME.into(), message: e.to_string() })?;
        bytemuck::cast_slice(&view).to_vec()
    };
    drop(out);
    Ok(LoopProbe { first: words[0], second: words[1] })
}

/// The device's loop-iteration limit: the iterations one loop asked for
/// [`LOOP_PROBE_ITERATIONS`] completes (all of them where the device has no cap below that).
pub fn probe(device: &wgpu::Device, queue: &wgpu::Queue, limits: &DeviceLimits) -> GpuResult<u32> {
    let seen = run(device, queue, limits, LOOP_PROBE_ITERATIONS, 0)?;
    Ok(seen.first.clamp(1, LOOP_PROBE_ITERATIONS))
}

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
    kernel::record_dispatch,
    limits::{elementwise, LOOP_PROBE_ITERATIONS},
    GpuBuffer, GpuContext, GpuResult, PipelineKey,
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
/// returns how many of each it completed.
pub fn run(ctx: &GpuContext, first: u32, second: u32) -> GpuResult<LoopProbe> {
    let wg = elementwise(&ctx.limits).workgroup_size[0];
    let pipeline = ctx.pipeline(&PipelineKey::new(NAME, "main").constant("WORKGROUP_SIZE", wg), || SOURCE.to_string())?;
    let out = GpuBuffer::<u32>::zeroed(ctx, "loop probe", 4)?;
    let mut encoder = ctx.encoder(NAME);
    ctx.scoped(NAME, || {
        let params = ctx.params(&mut encoder, &[first, second, 0x1234_5678, 0]);
        let grid = crate::limits::Grid { dims: [1, 1, 1], workgroups: 1 };
        record_dispatch(ctx, &mut encoder, NAME, &pipeline, &[out.binding(), params.binding()], grid);
    })?;
    ctx.submit_and_wait(NAME, encoder)?;
    let words = out.read(ctx)?;
    Ok(LoopProbe { first: words[0], second: words[1] })
}

/// The device's loop-iteration limit: the iterations one loop asked for
/// [`LOOP_PROBE_ITERATIONS`] completes (all of them where the device has no cap below that).
pub fn probe(ctx: &GpuContext) -> GpuResult<u32> {
    let seen = run(ctx, LOOP_PROBE_ITERATIONS, 0)?;
    Ok(seen.first.clamp(1, LOOP_PROBE_ITERATIONS))
}

//! WGSL assembly and pipeline identity.
//!
//! Kernels share WGSL through `#import <name>` lines, replaced by the named shared source (each
//! at most once, dependencies first). Launch geometry reaches WGSL only as `override` constants,
//! which are part of a pipeline's identity.

use std::collections::HashSet;

use crate::{error::GpuResult, limits::Grid, work::GPU_WORK, GpuContext, GpuEncoder, GpuError};

/// A WGSL source: a kernel, or a shared include.
#[derive(Clone, Copy, Debug)]
pub struct KernelSource {
    pub name: &'static str,
    pub source: &'static str,
}

/// The shared includes kernels may `#import`.
#[derive(Clone, Copy, Debug)]
pub struct ShaderLibrary {
    pub shared: &'static [KernelSource],
}

impl ShaderLibrary {
    /// The kernel's source with every `#import` resolved; `aliases` maps an import name to the
    /// shared source that stands for it on this device (e.g. a subgroup or a fallback version).
    pub fn assemble(&self, kernel: &KernelSource, aliases: &[(&str, &str)]) -> Result<String, String> {
        let mut out = String::new();
        let mut seen = HashSet::new();
        self.append(kernel, aliases, &mut out, &mut seen)?;
        Ok(out)
    }

    fn append(
        &self,
        src: &KernelSource,
        aliases: &[(&str, &str)],
        out: &mut String,
        seen: &mut HashSet<&'static str>,
    ) -> Result<(), String> {
        if !seen.insert(src.name) {
            return Ok(());
        }
        let mut body = String::new();
        for line in src.source.lines() {
            if let Some(name) = line.trim().strip_prefix("#import ") {
                let name = name.trim();
                let name = aliases.iter().find(|(a, _)| *a == name).map_or(name, |(_, to)| *to);
                let dep = self.shared.iter().find(|s| s.name == name).ok_or_else(|| format!("{}: unknown import '{name}'", src.name))?;
                self.append(dep, aliases, out, seen)?;
                body.push('\n');
            } else {
                body.push_str(line);
                body.push('\n');
            }
        }
        out.push_str(&format!("// ---- {} ----\n", src.name));
        out.push_str(&body);
        Ok(())
    }
}

/// Records one dispatch of `pipeline` over `grid` with buffers bound in order; an empty grid
/// records nothing.
pub fn record_dispatch(
    ctx: &GpuContext,
    encoder: &mut GpuEncoder,
    label: &str,
    pipeline: &wgpu::ComputePipeline,
    bindings: &[wgpu::BindingResource<'_>],
    grid: Grid,
) {
    if grid.is_empty() {
        return;
    }
    let bind_group = ctx.bind(pipeline, bindings);
    GPU_WORK.dispatched();
    let timed = encoder.timed.begin(label);
    let timestamp_writes = timed.as_ref().map(|(timer, slot)| timer.writes(*slot));
    let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some(label), timestamp_writes });
    pass.set_pipeline(pipeline);
    pass.set_bind_group(0, &bind_group, &[]);
    pass.dispatch_workgroups(grid.dims[0], grid.dims[1], grid.dims[2]);
}

/// Checks a dispatch's argument up front, before any GPU work.
pub fn require(op: &str, ok: bool, message: impl FnOnce() -> String) -> GpuResult<()> {
    if ok {
        Ok(())
    } else {
        Err(GpuError::invalid(op, message()))
    }
}

//! Host side of each kernel: its geometry (from `openvm_wgpu_common::limits`), pipeline
//! constants, bindings and dispatch. One module per WGSL file.

pub mod bandwidth_probe;
pub mod batch_ntt_small;
pub mod field_ops;
pub mod mle_coeffs_to_evals;
pub mod ntt;
pub mod twiddles;

use std::sync::Arc;

use openvm_wgpu_common::{
    kernel::record_dispatch, limits::GeometryError, DeviceLimits, GpuContext, GpuResult, GridPart, KernelSource,
    LaunchShape, PipelineKey,
};

use crate::shaders;

/// The compiled pipeline for `key` on `ctx`.
pub(crate) fn pipeline(ctx: &GpuContext, kernel: &KernelSource, key: &PipelineKey) -> GpuResult<Arc<wgpu::ComputePipeline>> {
    ctx.pipeline(key, || shaders::assemble(ctx, kernel))
}

/// Records `pipeline` over every part of a split grid. Storage buffers bind in order, then a
/// uniform of `params(part.base)`.
pub(crate) fn dispatch(
    ctx: &GpuContext,
    encoder: &mut wgpu::CommandEncoder,
    label: &str,
    pipeline: &wgpu::ComputePipeline,
    parts: &[GridPart],
    buffers: &[&wgpu::Buffer],
    params: impl Fn(u32) -> Vec<u32>,
) -> GpuResult<()> {
    ctx.scoped(label, || {
        for part in parts {
            let uniform = ctx.params(&params(part.base));
            let mut bindings: Vec<_> = buffers.iter().map(|b| b.as_entire_binding()).collect();
            bindings.push(uniform.as_entire_binding());
            record_dispatch(ctx, encoder, label, pipeline, &bindings, part.grid);
        }
    })
}

/// A kernel's pipeline identity and launch shape on a device, as `openvm-wgpu info` shows them
/// and tests/shader_portability.rs compiles them.
#[derive(Clone, Debug)]
pub struct KernelPlan {
    pub kernel: KernelSource,
    pub variant: String,
    pub key: PipelineKey,
    pub shape: LaunchShape,
}

/// Every pipeline the backend may build on a device with `limits`.
pub fn plans(limits: &DeviceLimits) -> Result<Vec<KernelPlan>, GeometryError> {
    let mut out = Vec::new();
    out.extend(batch_ntt_small::plans(limits)?);
    out.extend(mle_coeffs_to_evals::plans(limits)?);
    out.extend(ntt::plans(limits)?);
    out.push(field_ops::plan(limits));
    out.push(bandwidth_probe::plan(limits));
    Ok(out)
}

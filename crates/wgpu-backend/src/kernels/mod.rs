//! Host side of each kernel: its geometry (from `openvm_wgpu_common::limits`), pipeline
//! constants, bindings and dispatch. One module per WGSL file.

pub mod bandwidth_probe;
pub mod batch_ntt_small;
pub mod field_ops;
pub mod merkle_compress_layer;
pub mod merkle_open_paths;
pub mod merkle_open_rows;
pub mod merkle_row_hash;
pub mod mle_coeffs_to_evals;
pub mod ntt;
pub mod poseidon2_permute;
pub mod stack_row_major_trace;
pub mod twiddles;

use std::sync::Arc;

use openvm_wgpu_common::{
    kernel::record_dispatch,
    limits::{elementwise, split_grid, GeometryError},
    DeviceLimits, GpuContext, GpuResult, GridPart, KernelSource, LaunchShape, PipelineKey,
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

/// Kernels with one item per invocation and no workgroup memory share this geometry.
pub(crate) struct Elementwise {
    pub kernel: KernelSource,
}

impl Elementwise {
    pub fn key(&self, limits: &DeviceLimits) -> PipelineKey {
        PipelineKey::new(self.kernel.name, "main").constant("WORKGROUP_SIZE", elementwise(limits).workgroup_size[0])
    }

    pub fn plan(&self, limits: &DeviceLimits) -> KernelPlan {
        KernelPlan { kernel: self.kernel, variant: String::new(), key: self.key(limits), shape: elementwise(limits) }
    }

    pub fn pipeline(&self, ctx: &GpuContext) -> GpuResult<Arc<wgpu::ComputePipeline>> {
        pipeline(ctx, &self.kernel, &self.key(&ctx.limits))
    }

    /// The dispatches covering `items` invocations.
    pub fn parts(&self, ctx: &GpuContext, items: u64) -> GpuResult<Vec<GridPart>> {
        let wg = elementwise(&ctx.limits).workgroup_size[0] as u64;
        Ok(split_grid(self.kernel.name, items.div_ceil(wg), ctx.limits.max_workgroups_per_dimension)?)
    }

    /// Records the kernel over `items` invocations.
    pub fn record(
        &self,
        ctx: &GpuContext,
        encoder: &mut wgpu::CommandEncoder,
        items: u64,
        buffers: &[&wgpu::Buffer],
        params: impl Fn(u32) -> Vec<u32>,
    ) -> GpuResult<()> {
        let pipeline = self.pipeline(ctx)?;
        let parts = self.parts(ctx, items)?;
        dispatch(ctx, encoder, self.kernel.name, &pipeline, &parts, buffers, params)
    }
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
    out.push(stack_row_major_trace::plan(limits)?);
    for k in [
        &field_ops::KERNEL,
        &bandwidth_probe::KERNEL,
        &poseidon2_permute::KERNEL,
        &merkle_row_hash::KERNEL,
        &merkle_compress_layer::KERNEL,
        &merkle_open_rows::KERNEL,
        &merkle_open_paths::KERNEL,
    ] {
        out.push(k.plan(limits));
    }
    Ok(out)
}

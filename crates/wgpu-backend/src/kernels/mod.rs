//! Host side of each kernel: its geometry (from `openvm_wgpu_common::limits`), pipeline
//! constants, bindings and dispatch. One module per WGSL file.

pub mod bandwidth_probe;
pub mod batch_ntt_small;
pub mod eq_product;
pub mod eq_table;
pub mod ext_column_sums;
pub mod ext_fold;
pub mod field_ops;
pub mod merkle_compress_layer;
pub mod merkle_open_paths;
pub mod merkle_open_rows;
pub mod merkle_row_hash;
pub mod mle_butterfly;
pub mod mle_coeffs_to_evals;
pub mod ntt;
pub mod poseidon2_permute;
pub mod pow_grind;
pub mod stacked_reduction_fold_ple;
pub mod stacked_reduction_mle_round;
pub mod stacked_reduction_rotation;
pub mod stacked_reduction_round0;
pub mod strided_copy;
pub mod transpose;
pub mod twiddles;
pub mod whir_fold;
pub mod whir_mu_batch;
pub mod whir_reduce;

use std::sync::Arc;

use openvm_wgpu_common::{
    kernel::{record_dispatch, require},
    limits::{elementwise, reduction, small_block_tuned, split_grid, GeometryError, SmallBlockGeometry, MAX_SMALL_NTT_LOG},
    DeviceLimits, GpuBuffer, GpuContext, GpuResult, GridPart, KernelSource, LaunchShape, PipelineKey,
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
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    label: &str,
    pipeline: &wgpu::ComputePipeline,
    parts: &[GridPart],
    buffers: &[&wgpu::Buffer],
    params: impl Fn(u32) -> Vec<u32>,
) -> GpuResult<()> {
    ctx.scoped(label, || {
        for part in parts {
            let uniform = ctx.params(encoder, &params(part.base));
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
        encoder: &mut openvm_wgpu_common::GpuEncoder,
        items: u64,
        buffers: &[&wgpu::Buffer],
        params: impl Fn(u32) -> Vec<u32>,
    ) -> GpuResult<()> {
        let pipeline = self.pipeline(ctx)?;
        let parts = self.parts(ctx, items)?;
        dispatch(ctx, encoder, self.kernel.name, &pipeline, &parts, buffers, params)
    }
}

/// Bytes of one extension element, the accumulator of every reduction kernel.
pub(crate) const EXT_BYTES: u32 = 16;

/// Kernels that add extension elements across a workgroup (shared/ext_reduce.wgsl) share this
/// geometry: the reduction rule's workgroup, a grid of as many workgroups as the caller needs.
pub(crate) struct ReductionKernel {
    pub kernel: KernelSource,
}

impl ReductionKernel {
    pub fn shape(&self, limits: &DeviceLimits) -> Result<LaunchShape, GeometryError> {
        Ok(reduction(self.kernel.name, limits, EXT_BYTES)?.shape)
    }

    pub fn workgroup_size(&self, limits: &DeviceLimits) -> Result<u32, GeometryError> {
        Ok(self.shape(limits)?.workgroup_size[0])
    }

    pub fn key(&self, limits: &DeviceLimits) -> Result<PipelineKey, GeometryError> {
        Ok(PipelineKey::new(self.kernel.name, "main").constant("WORKGROUP_SIZE", self.workgroup_size(limits)?))
    }

    pub fn plan(&self, limits: &DeviceLimits) -> Result<KernelPlan, GeometryError> {
        Ok(KernelPlan { kernel: self.kernel, variant: String::new(), key: self.key(limits)?, shape: self.shape(limits)? })
    }

    /// Records `workgroups` workgroups of the kernel, split over dispatches as the device's grid
    /// limit requires; `params` receives each dispatch's first workgroup index.
    pub fn record(
        &self,
        ctx: &GpuContext,
        encoder: &mut openvm_wgpu_common::GpuEncoder,
        workgroups: u64,
        buffers: &[&wgpu::Buffer],
        params: impl Fn(u32) -> Vec<u32>,
    ) -> GpuResult<()> {
        let pipeline = pipeline(ctx, &self.kernel, &self.key(&ctx.limits)?)?;
        let parts = split_grid(self.kernel.name, workgroups, ctx.limits.max_workgroups_per_dimension)?;
        dispatch(ctx, encoder, self.kernel.name, &pipeline, &parts, buffers, params)
    }
}

/// `count` consecutive blocks of 2^log_n words at the start of `data`.
pub(crate) struct Blocks<'a> {
    pub data: &'a GpuBuffer<u32>,
    pub log_n: u32,
    pub count: usize,
}

/// Kernels over independent blocks of 2^l words (l <= 10) sharing `batch_ntt_small`'s geometry.
pub(crate) struct SmallBlockKernel {
    pub kernel: KernelSource,
    /// Whether the kernel has a subgroup-shuffle path (and so a SHUFFLE_TRANSITIONS constant).
    pub shuffles: bool,
}

impl SmallBlockKernel {
    pub fn geometry(&self, limits: &DeviceLimits, log_n: u32) -> Result<SmallBlockGeometry, GeometryError> {
        let cap = std::env::var("OPENVM_WGPU_SMALL_NTT_INVOCATIONS").ok().and_then(|v| v.parse().ok());
        small_block_tuned(self.kernel.name, limits, log_n, self.shuffles, cap)
    }

    pub fn key(&self, g: &SmallBlockGeometry) -> PipelineKey {
        let key = PipelineKey::new(self.kernel.name, "main")
            .constant("WORKGROUP_SIZE", g.shape.workgroup_size[0])
            .constant("INVOCATIONS_PER_BLOCK", g.invocations_per_block)
            .constant("PAIRS_PER_INVOCATION", g.pairs_per_invocation)
            .constant("LOG_N", g.log_n)
            .constant("WORKGROUP_WORDS", (g.shape.workgroup_memory_bytes / 4).max(1));
        if self.shuffles {
            key.constant("SHUFFLE_TRANSITIONS", g.shuffle_transitions)
        } else {
            key
        }
    }

    pub fn plans(&self, limits: &DeviceLimits) -> Result<Vec<KernelPlan>, GeometryError> {
        (1..=MAX_SMALL_NTT_LOG)
            .map(|l| {
                let g = self.geometry(limits, l)?;
                Ok(KernelPlan { kernel: self.kernel, variant: format!("l={l}"), key: self.key(&g), shape: g.shape })
            })
            .collect()
    }

    /// Records the kernel over `blocks.count` blocks of 2^log_n words at the start of
    /// `blocks.data`, with `extra` buffers bound after it and a uniform of
    /// `params(workgroup_base)`. Size 1 blocks and empty batches record nothing.
    pub fn record(
        &self,
        ctx: &GpuContext,
        encoder: &mut openvm_wgpu_common::GpuEncoder,
        Blocks { data, log_n, count: blocks }: Blocks<'_>,
        extra: &[&wgpu::Buffer],
        params: impl Fn(u32) -> Vec<u32>,
    ) -> GpuResult<()> {
        let name = self.kernel.name;
        require(name, log_n <= MAX_SMALL_NTT_LOG, || format!("l = {log_n} exceeds {MAX_SMALL_NTT_LOG}"))?;
        require(name, blocks.checked_shl(log_n).is_some_and(|n| n <= data.len()), || {
            format!("{blocks} blocks of 2^{log_n} exceed the buffer's {} elements", data.len())
        })?;
        if log_n == 0 || blocks == 0 {
            return Ok(());
        }
        let g = self.geometry(&ctx.limits, log_n)?;
        let parts = g.grid(name, blocks as u64, &ctx.limits)?;
        let pipeline = pipeline(ctx, &self.kernel, &self.key(&g))?;
        let buffers: Vec<&wgpu::Buffer> = std::iter::once(&data.buffer).chain(extra.iter().copied()).collect();
        dispatch(ctx, encoder, name, &pipeline, &parts, &buffers, params)
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
    out.extend(batch_ntt_small::KERNEL.plans(limits)?);
    out.extend(mle_coeffs_to_evals::KERNEL.plans(limits)?);
    out.extend(ntt::plans(limits)?);
    out.push(transpose::plan(limits)?);
    for k in [&ext_column_sums::KERNEL, &stacked_reduction_round0::KERNEL, &stacked_reduction_mle_round::KERNEL] {
        out.push(k.plan(limits)?);
    }
    out.push(whir_reduce::plan(limits)?);
    out.push(pow_grind::plan(limits));
    for k in [
        &eq_table::KERNEL,
        &ext_fold::KERNEL,
        &stacked_reduction_fold_ple::KERNEL,
        &stacked_reduction_rotation::KERNEL,
        &strided_copy::KERNEL,
        &field_ops::KERNEL,
        &bandwidth_probe::KERNEL,
        &poseidon2_permute::KERNEL,
        &merkle_row_hash::KERNEL,
        &merkle_compress_layer::KERNEL,
        &merkle_open_rows::KERNEL,
        &merkle_open_paths::KERNEL,
        &whir_mu_batch::KERNEL,
        &mle_butterfly::KERNEL,
        &whir_fold::KERNEL,
        &eq_product::FACTORS_KERNEL,
        &eq_product::ACCUMULATE_KERNEL,
    ] {
        out.push(k.plan(limits));
    }
    Ok(out)
}

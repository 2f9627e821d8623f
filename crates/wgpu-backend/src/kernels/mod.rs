//! Host side of each kernel: its geometry (from `openvm_wgpu_common::limits`), pipeline
//! constants, bindings and dispatch. One module per WGSL file (or per small family of files).
//!
//! Every kernel is described once, by a `KERNEL` constant in its module: the WGSL file
//! (`wgsl_kernel!`), the geometry wrapper that launches it (`Elementwise`, `ReductionKernel`,
//! `SmallBlockKernel` or `Custom`) and its parameter struct (`kernel_params!`, which mirrors the
//! WGSL `struct Params`). [`ALL`] lists the descriptions; plans, `openvm-wgpu info` and
//! tests/backend/shader_portability.rs take their kernels from it (docs/ARCHITECTURE.md, "One
//! description per kernel").

/// A kernel's WGSL file `shaders/<name>.wgsl`, compiled into the binary.
macro_rules! wgsl_kernel {
    ($name:literal) => {
        $crate::kernels::KernelFile {
            source: openvm_wgpu_common::KernelSource {
                name: $name,
                source: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/shaders/", $name, ".wgsl")),
            },
            file: concat!($name, ".wgsl"),
        }
    };
}

/// Declares a kernel's parameter struct: `#[repr(C)]`, `bytemuck::Pod`, with the list of its
/// fields ([`KernelParams::FIELDS`]) that tests/backend/shader_portability.rs compares with the WGSL
/// `struct Params`. Fields are `u32` (WGSL `u32`), `[u32; 4]` (`vec4<u32>`) or arrays of those;
/// padding is spelled out as `_pad` fields, as in the WGSL. Every struct has a `workgroup_base`
/// field, which the dispatch sets to each grid part's first workgroup.
macro_rules! kernel_params {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[repr(C)]
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl $crate::kernels::KernelParams for $name {
            const FIELDS: &'static [$crate::kernels::ParamField] = &[$($crate::kernels::ParamField {
                name: stringify!($field),
                offset: ::std::mem::offset_of!($name, $field),
                size: ::std::mem::size_of::<$ty>(),
            }),*];

            fn set_workgroup_base(&mut self, base: u32) {
                self.workgroup_base = base;
            }
        }
    };
}

pub mod bandwidth_probe;
pub mod batch_ntt_small;
pub mod constraint_eval;
pub mod constraint_eval_ext;
pub mod eq_product;
pub mod eq_table;
pub mod ext_column_sums;
pub mod ext_fold;
pub mod field_ops;
pub mod fold_ple;
pub mod gkr_layer;
pub mod gkr_layer_claims;
pub mod gkr_small_rounds;
pub mod gkr_sumcheck_round;
pub mod logup_fractions;
pub mod merkle_compress_layer;
pub mod merkle_open_paths;
pub mod merkle_open_rows;
pub mod merkle_row_hash;
pub mod mle_butterfly;
pub mod mle_coeffs_to_evals;
pub mod ntt;
pub mod poseidon2_permute;
pub mod pow_grind;
pub mod stacked_reduction_mle_round;
pub mod stacked_reduction_rotation;
pub mod stacked_reduction_round0;
pub mod strided_copy;
pub mod transcript_sponge;
pub mod transpose;
pub mod twiddles;
pub mod whir_fold;
pub mod whir_mu_batch;
pub mod whir_reduce;
pub mod zerocheck_round0_batch;
pub mod zerocheck_round0_expand;

use std::{marker::PhantomData, sync::Arc};

use openvm_wgpu_common::{
    kernel::{record_dispatch, require},
    limits::{elementwise, reduction, small_block_tuned, split_grid, GeometryError, SmallBlockGeometry, MAX_SMALL_NTT_LOG},
    DeviceLimits, GpuBuffer, GpuContext, GpuResult, GridPart, KernelSource, LaunchShape, PipelineKey,
};

use crate::shaders;

/// Every kernel of the backend, one entry per WGSL file under shaders/ (excluding shared/).
/// Plans, `openvm-wgpu info` and tests/backend/shader_portability.rs take their kernels from here;
/// the tests check that no file is missing and that each entry's parameter struct matches its
/// WGSL `struct Params`.
pub static ALL: &[&KernelDesc] = &[
    &batch_ntt_small::KERNEL.desc,
    &mle_coeffs_to_evals::KERNEL.desc,
    &ntt::GATHER_KERNEL.desc,
    &ntt::PASS_KERNEL.desc,
    &transpose::KERNEL.desc,
    &ext_column_sums::KERNEL.desc,
    &stacked_reduction_round0::KERNEL.desc,
    &stacked_reduction_mle_round::KERNEL.desc,
    &whir_reduce::KERNEL.desc,
    &pow_grind::KERNEL.desc,
    &eq_table::KERNEL.desc,
    &ext_fold::KERNEL.desc,
    &fold_ple::KERNEL.desc,
    &stacked_reduction_rotation::KERNEL.desc,
    &strided_copy::KERNEL.desc,
    &field_ops::KERNEL.desc,
    &bandwidth_probe::KERNEL.desc,
    &poseidon2_permute::KERNEL.desc,
    &poseidon2_permute::LANES_KERNEL.desc,
    &merkle_row_hash::KERNEL.desc,
    &merkle_compress_layer::KERNEL.desc,
    &merkle_open_rows::KERNEL.desc,
    &merkle_open_paths::KERNEL.desc,
    &whir_mu_batch::KERNEL.desc,
    &mle_butterfly::KERNEL.desc,
    &whir_fold::KERNEL.desc,
    &eq_product::FACTORS_KERNEL.desc,
    &eq_product::ACCUMULATE_KERNEL.desc,
    &gkr_layer::KERNEL.desc,
    &gkr_sumcheck_round::KERNEL.desc,
    &gkr_layer_claims::KERNEL.desc,
    &gkr_small_rounds::KERNEL.desc,
    &transcript_sponge::KERNEL.desc,
    &constraint_eval::KERNEL.desc,
    &logup_fractions::KERNEL.desc,
    &zerocheck_round0_batch::KERNEL.desc,
    &zerocheck_round0_expand::KERNEL.desc,
    &constraint_eval_ext::KERNEL.desc,
];

/// A kernel's WGSL: its source (named as the file) and the file under shaders/.
#[derive(Clone, Copy, Debug)]
pub struct KernelFile {
    pub source: KernelSource,
    /// The file name under shaders/, `<name>.wgsl`.
    pub file: &'static str,
}

/// One field of a kernel's parameter struct, as WGSL lays it out in the uniform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamField {
    pub name: &'static str,
    /// Bytes from the start of the struct.
    pub offset: usize,
    pub size: usize,
}

/// A kernel's parameter struct (declared with `kernel_params!`).
pub trait KernelParams: bytemuck::Pod {
    /// The fields in declaration order.
    const FIELDS: &'static [ParamField];
    /// Sets the first workgroup index of the grid part being dispatched.
    fn set_workgroup_base(&mut self, base: u32);
}

/// The layout of a kernel's parameter struct.
#[derive(Clone, Copy, Debug)]
pub struct ParamsLayout {
    pub fields: &'static [ParamField],
    /// Bytes of the whole struct.
    pub size: usize,
}

impl ParamsLayout {
    pub const fn of<P: KernelParams>() -> Self {
        ParamsLayout { fields: P::FIELDS, size: std::mem::size_of::<P>() }
    }
}

/// How a kernel's launch geometry is chosen (the rules in `openvm_wgpu_common::limits`).
#[derive(Clone, Copy, Debug)]
pub enum Geometry {
    /// One item per invocation, no workgroup memory (`Elementwise`).
    Elementwise,
    /// Extension-element sums across a workgroup (`ReductionKernel`).
    Reduction,
    /// Independent blocks of 2^l words (`SmallBlockKernel`).
    SmallBlock { shuffles: bool },
    /// A rule of the kernel's own; the function lists its pipelines on a device.
    Custom(fn(&DeviceLimits) -> Result<Vec<KernelPlan>, GeometryError>),
}

/// Everything about one kernel: its WGSL, its geometry and its parameter struct.
#[derive(Clone, Copy, Debug)]
pub struct KernelDesc {
    pub wgsl: KernelFile,
    pub geometry: Geometry,
    pub params: ParamsLayout,
}

impl KernelDesc {
    pub const fn new<P: KernelParams>(wgsl: KernelFile, geometry: Geometry) -> Self {
        KernelDesc { wgsl, geometry, params: ParamsLayout::of::<P>() }
    }

    pub fn name(&self) -> &'static str {
        self.wgsl.source.name
    }

    pub fn source(&self) -> &KernelSource {
        &self.wgsl.source
    }

    /// Every pipeline of this kernel the backend may build on a device with `limits`.
    pub fn plans(&self, limits: &DeviceLimits) -> Result<Vec<KernelPlan>, GeometryError> {
        let kernel = self.wgsl.source;
        let plan = |key, shape| KernelPlan { kernel, variant: String::new(), key, shape };
        match self.geometry {
            Geometry::Elementwise => Ok(vec![plan(elementwise_key(kernel.name, limits), elementwise(limits))]),
            Geometry::Reduction => Ok(vec![plan(reduction_key(kernel.name, limits)?, reduction_shape(kernel.name, limits)?)]),
            Geometry::SmallBlock { shuffles } => (1..=MAX_SMALL_NTT_LOG)
                .map(|l| {
                    let g = small_block_geometry(kernel.name, shuffles, limits, l)?;
                    Ok(KernelPlan { kernel, variant: format!("l={l}"), key: small_block_key(kernel.name, shuffles, &g), shape: g.shape })
                })
                .collect(),
            Geometry::Custom(plans) => plans(limits),
        }
    }
}

/// The compiled pipeline for `key` on `ctx`.
pub(crate) fn pipeline(ctx: &GpuContext, kernel: &KernelSource, key: &PipelineKey) -> GpuResult<Arc<wgpu::ComputePipeline>> {
    ctx.pipeline(key, || shaders::assemble(ctx, kernel))
}

/// Records `pipeline` over every part of a split grid. Storage buffers bind in order, then a
/// uniform of `params` with `workgroup_base` set to the part's first workgroup.
fn dispatch<P: KernelParams>(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    label: &str,
    pipeline: &wgpu::ComputePipeline,
    parts: &[GridPart],
    buffers: &[&wgpu::Buffer],
    params: &P,
) -> GpuResult<()> {
    // Kernels bind at most WebGPU's default of 8 storage buffers; a device (or profile) that
    // allows fewer gets an error naming the kernel rather than a failed bind group.
    let allowed = ctx.limits.max_storage_buffers_per_shader_stage as usize;
    require(label, buffers.len() <= allowed, || {
        format!("binds {} storage buffers, the device allows {allowed} per shader stage", buffers.len())
    })?;
    ctx.scoped(label, || {
        for part in parts {
            let mut p = *params;
            p.set_workgroup_base(part.base);
            let uniform = ctx.params(encoder, bytemuck::cast_slice(std::slice::from_ref(&p)));
            let mut bindings: Vec<_> = buffers.iter().map(|b| b.as_entire_binding()).collect();
            bindings.push(uniform.binding());
            record_dispatch(ctx, encoder, label, pipeline, &bindings, part.grid);
        }
    })
}

fn elementwise_key(name: &'static str, limits: &DeviceLimits) -> PipelineKey {
    PipelineKey::new(name, "main").constant("WORKGROUP_SIZE", elementwise(limits).workgroup_size[0])
}

/// Kernels with one item per invocation and no workgroup memory share this geometry.
pub(crate) struct Elementwise<P> {
    pub desc: KernelDesc,
    params: PhantomData<fn(P)>,
}

impl<P: KernelParams> Elementwise<P> {
    pub const fn new(wgsl: KernelFile) -> Self {
        Elementwise { desc: KernelDesc::new::<P>(wgsl, Geometry::Elementwise), params: PhantomData }
    }

    fn name(&self) -> &'static str {
        self.desc.wgsl.source.name
    }

    pub fn key(&self, limits: &DeviceLimits) -> PipelineKey {
        elementwise_key(self.name(), limits)
    }

    pub fn pipeline(&self, ctx: &GpuContext) -> GpuResult<Arc<wgpu::ComputePipeline>> {
        pipeline(ctx, &self.desc.wgsl.source, &self.key(&ctx.limits))
    }

    /// The dispatches covering `items` invocations.
    pub fn parts(&self, ctx: &GpuContext, items: u64) -> GpuResult<Vec<GridPart>> {
        let wg = elementwise(&ctx.limits).workgroup_size[0] as u64;
        Ok(split_grid(self.name(), items.div_ceil(wg), ctx.limits.max_workgroups_per_dimension)?)
    }

    /// Records the kernel over `items` invocations.
    pub fn record(
        &self,
        ctx: &GpuContext,
        encoder: &mut openvm_wgpu_common::GpuEncoder,
        items: u64,
        buffers: &[&wgpu::Buffer],
        params: &P,
    ) -> GpuResult<()> {
        let pipeline = self.pipeline(ctx)?;
        let parts = self.parts(ctx, items)?;
        dispatch(ctx, encoder, self.name(), &pipeline, &parts, buffers, params)
    }
}

/// Scratch memory an encoder keeps for its pending work at most before the recording waits for
/// that work and frees it (`GpuContext::flush_keeping_at_most`), when a phase records many jobs
/// without waiting between them.
pub(crate) const PENDING_SCRATCH_BYTES: u64 = 1 << 30;

/// Bytes of one extension element, the accumulator of every reduction kernel.
pub(crate) const EXT_BYTES: u32 = size_of::<crate::field::Ext4>() as u32;

fn reduction_shape(name: &'static str, limits: &DeviceLimits) -> Result<LaunchShape, GeometryError> {
    Ok(reduction(name, limits, EXT_BYTES)?.shape)
}

fn reduction_key(name: &'static str, limits: &DeviceLimits) -> Result<PipelineKey, GeometryError> {
    Ok(PipelineKey::new(name, "main").constant("WORKGROUP_SIZE", reduction_shape(name, limits)?.workgroup_size[0]))
}

/// Kernels that add extension elements across a workgroup (shared/ext_reduce.wgsl) share this
/// geometry: the reduction rule's workgroup, a grid of as many workgroups as the caller needs.
pub(crate) struct ReductionKernel<P> {
    pub desc: KernelDesc,
    params: PhantomData<fn(P)>,
}

impl<P: KernelParams> ReductionKernel<P> {
    pub const fn new(wgsl: KernelFile) -> Self {
        ReductionKernel { desc: KernelDesc::new::<P>(wgsl, Geometry::Reduction), params: PhantomData }
    }

    fn name(&self) -> &'static str {
        self.desc.wgsl.source.name
    }

    pub fn shape(&self, limits: &DeviceLimits) -> Result<LaunchShape, GeometryError> {
        reduction_shape(self.name(), limits)
    }

    pub fn workgroup_size(&self, limits: &DeviceLimits) -> Result<u32, GeometryError> {
        Ok(self.shape(limits)?.workgroup_size[0])
    }

    pub fn key(&self, limits: &DeviceLimits) -> Result<PipelineKey, GeometryError> {
        reduction_key(self.name(), limits)
    }

    /// Records `workgroups` workgroups of the kernel, split over dispatches as the device's grid
    /// limit requires; each dispatch's `workgroup_base` is its first workgroup index.
    pub fn record(
        &self,
        ctx: &GpuContext,
        encoder: &mut openvm_wgpu_common::GpuEncoder,
        workgroups: u64,
        buffers: &[&wgpu::Buffer],
        params: &P,
    ) -> GpuResult<()> {
        let pipeline = pipeline(ctx, &self.desc.wgsl.source, &self.key(&ctx.limits)?)?;
        let parts = split_grid(self.name(), workgroups, ctx.limits.max_workgroups_per_dimension)?;
        dispatch(ctx, encoder, self.name(), &pipeline, &parts, buffers, params)
    }
}

/// `count` consecutive blocks of 2^log_n words at the start of `data`.
pub(crate) struct Blocks<'a> {
    pub data: &'a GpuBuffer<u32>,
    pub log_n: u32,
    pub count: usize,
}

fn small_block_geometry(
    name: &'static str,
    shuffles: bool,
    limits: &DeviceLimits,
    log_n: u32,
) -> Result<SmallBlockGeometry, GeometryError> {
    small_block_tuned(name, limits, log_n, shuffles, limits.tuning.small_ntt_invocations)
}

fn small_block_key(name: &'static str, shuffles: bool, g: &SmallBlockGeometry) -> PipelineKey {
    let key = PipelineKey::new(name, "main")
        .constant("WORKGROUP_SIZE", g.shape.workgroup_size[0])
        .constant("INVOCATIONS_PER_BLOCK", g.invocations_per_block)
        .constant("PAIRS_PER_INVOCATION", g.pairs_per_invocation)
        .constant("LOG_N", g.log_n)
        .constant("WORKGROUP_WORDS", (g.shape.workgroup_memory_bytes / 4).max(1));
    if shuffles {
        key.constant("SHUFFLE_TRANSITIONS", g.shuffle_transitions)
    } else {
        key
    }
}

/// Kernels over independent blocks of 2^l words (l <= 10) sharing `batch_ntt_small`'s geometry.
pub(crate) struct SmallBlockKernel<P> {
    pub desc: KernelDesc,
    params: PhantomData<fn(P)>,
}

impl<P: KernelParams> SmallBlockKernel<P> {
    /// `shuffles`: whether the kernel has a subgroup-shuffle path (and so a
    /// SHUFFLE_TRANSITIONS constant).
    pub const fn new(wgsl: KernelFile, shuffles: bool) -> Self {
        SmallBlockKernel { desc: KernelDesc::new::<P>(wgsl, Geometry::SmallBlock { shuffles }), params: PhantomData }
    }

    fn name(&self) -> &'static str {
        self.desc.wgsl.source.name
    }

    fn shuffles(&self) -> bool {
        matches!(self.desc.geometry, Geometry::SmallBlock { shuffles: true })
    }

    pub fn geometry(&self, limits: &DeviceLimits, log_n: u32) -> Result<SmallBlockGeometry, GeometryError> {
        small_block_geometry(self.name(), self.shuffles(), limits, log_n)
    }

    pub fn key(&self, g: &SmallBlockGeometry) -> PipelineKey {
        small_block_key(self.name(), self.shuffles(), g)
    }

    /// Records the kernel over `blocks.count` blocks of 2^log_n words at the start of
    /// `blocks.data`, with `extra` buffers bound after it and a uniform of `params` (its
    /// `workgroup_base` set per dispatch). Size 1 blocks and empty batches record nothing.
    pub fn record(
        &self,
        ctx: &GpuContext,
        encoder: &mut openvm_wgpu_common::GpuEncoder,
        Blocks { data, log_n, count: blocks }: Blocks<'_>,
        extra: &[&wgpu::Buffer],
        params: &P,
    ) -> GpuResult<()> {
        let name = self.name();
        require(name, log_n <= MAX_SMALL_NTT_LOG, || format!("l = {log_n} exceeds {MAX_SMALL_NTT_LOG}"))?;
        require(name, blocks.checked_shl(log_n).is_some_and(|n| n <= data.len()), || {
            format!("{blocks} blocks of 2^{log_n} exceed the buffer's {} elements", data.len())
        })?;
        if log_n == 0 || blocks == 0 {
            return Ok(());
        }
        let g = self.geometry(&ctx.limits, log_n)?;
        let parts = g.grid(name, blocks as u64, &ctx.limits)?;
        let pipeline = pipeline(ctx, &self.desc.wgsl.source, &self.key(&g))?;
        let buffers: Vec<&wgpu::Buffer> = std::iter::once(&data.buffer).chain(extra.iter().copied()).collect();
        dispatch(ctx, encoder, name, &pipeline, &parts, &buffers, params)
    }
}

/// Kernels with a geometry rule of their own (ntt_dit_pass, transpose, whir_reduce,
/// pow_grind): the module computes keys and grids; this records them with typed parameters.
pub(crate) struct Custom<P> {
    pub desc: KernelDesc,
    params: PhantomData<fn(P)>,
}

impl<P: KernelParams> Custom<P> {
    /// `plans` lists the kernel's pipelines on a device (for `kernels::plans`).
    pub const fn new(wgsl: KernelFile, plans: fn(&DeviceLimits) -> Result<Vec<KernelPlan>, GeometryError>) -> Self {
        Custom { desc: KernelDesc::new::<P>(wgsl, Geometry::Custom(plans)), params: PhantomData }
    }

    pub fn source(&self) -> KernelSource {
        self.desc.wgsl.source
    }

    /// The compiled pipeline for `key` on `ctx`.
    pub fn pipeline(&self, ctx: &GpuContext, key: &PipelineKey) -> GpuResult<Arc<wgpu::ComputePipeline>> {
        pipeline(ctx, &self.desc.wgsl.source, key)
    }

    /// Records `pipeline` over every part of a split grid, `workgroup_base` set per part.
    pub fn dispatch(
        &self,
        ctx: &GpuContext,
        encoder: &mut openvm_wgpu_common::GpuEncoder,
        pipeline: &wgpu::ComputePipeline,
        parts: &[GridPart],
        buffers: &[&wgpu::Buffer],
        params: &P,
    ) -> GpuResult<()> {
        dispatch(ctx, encoder, self.desc.wgsl.source.name, pipeline, parts, buffers, params)
    }
}

/// A kernel's pipeline identity and launch shape on a device, as `openvm-wgpu info` shows them
/// and tests/backend/shader_portability.rs compiles them.
#[derive(Clone, Debug)]
pub struct KernelPlan {
    pub kernel: KernelSource,
    pub variant: String,
    pub key: PipelineKey,
    pub shape: LaunchShape,
}

/// Every pipeline the backend may build on a device with `limits`, kernel by kernel of [`ALL`].
pub fn plans(limits: &DeviceLimits) -> Result<Vec<KernelPlan>, GeometryError> {
    let mut out = Vec::new();
    for k in ALL {
        out.extend(k.plans(limits)?);
    }
    Ok(out)
}

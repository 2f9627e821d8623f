//! An exclusive prefix sum of u32 words on the device, for compactions (the rows a kernel keeps,
//! in order): shaders/prefix_sum_blocks.wgsl scans each workgroup's block and writes the block
//! totals, which are scanned the same way, level by level, until one block holds them all;
//! shaders/prefix_sum_add.wgsl then adds each level's scanned totals back into the level below.
//! Workgroups of the elementwise rule, one word per invocation.

use openvm_wgpu_backend::common::{
    kernel::{record_dispatch, require},
    limits::{elementwise, split_grid},
    GpuBuffer, GpuContext, GpuEncoder, GpuResult, PipelineKey,
};

use super::kernel::{wgsl, Layout, TraceKernel};

pub const BLOCKS: TraceKernel = TraceKernel { source: wgsl!("prefix_sum_blocks"), layout: Layout::new };
pub const ADD: TraceKernel = TraceKernel { source: wgsl!("prefix_sum_add"), layout: Layout::new };

/// `Params` of both kernels.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct ScanParams {
    n: u32,
    workgroup_base: u32,
}

/// The pipeline of a kernel launched with the elementwise rule's workgroup and `constants`.
pub(crate) fn pipeline(
    ctx: &GpuContext,
    kernel: &TraceKernel,
    constants: &[(&str, u32)],
) -> GpuResult<std::sync::Arc<wgpu::ComputePipeline>> {
    let key = constants.iter().fold(
        PipelineKey::new(kernel.name(), "main").constant("WORKGROUP_SIZE", elementwise(&ctx.limits).workgroup_size[0]),
        |k, (n, v)| k.constant(n, *v),
    );
    ctx.pipeline(&key, || kernel.assembled(ctx.has_subgroups()).unwrap_or_else(|e| format!("// unresolved import: {e}\n")))
}

/// Records into `encoder` the dispatches of `kernel` over `invocations` invocations (the grid
/// split as the device requires), each bound to `buffers` and then its parameters:
/// `params(workgroup_base)`.
pub(crate) fn record_elementwise(
    ctx: &GpuContext,
    encoder: &mut GpuEncoder,
    kernel: &TraceKernel,
    pipeline: &wgpu::ComputePipeline,
    invocations: usize,
    buffers: &[wgpu::BindingResource<'_>],
    params: impl Fn(u32) -> Vec<u32>,
) -> GpuResult<()> {
    let op = kernel.name();
    let allowed = ctx.limits.max_storage_buffers_per_shader_stage as usize;
    require(op, buffers.len() <= allowed, || format!("binds {} storage buffers, the device allows {allowed}", buffers.len()))?;
    let wg = elementwise(&ctx.limits).workgroup_size[0] as u64;
    let parts = split_grid(op, (invocations as u64).div_ceil(wg), ctx.limits.max_workgroups_per_dimension)?;
    ctx.scoped(op, || {
        for part in &parts {
            let uniform = ctx.params(encoder, &params(part.base));
            let mut bindings = buffers.to_vec();
            bindings.push(uniform.binding());
            record_dispatch(ctx, encoder, op, pipeline, &bindings, part.grid);
        }
    })
}

/// Records into `encoder` the exclusive prefix sum of the first `n` words of `data`, in place.
/// Returns the block-sum buffers, which must outlive the submission.
pub fn record_exclusive_prefix_sum(
    ctx: &GpuContext,
    encoder: &mut GpuEncoder,
    data: &GpuBuffer<u32>,
    n: usize,
) -> GpuResult<Vec<GpuBuffer<u32>>> {
    let op = BLOCKS.name();
    require(op, n <= data.len(), || format!("{n} words to scan in a buffer of {}", data.len()))?;
    require(op, n <= u32::MAX as usize, || format!("{n} words exceed the u32 indices of the kernels"))?;
    if n == 0 {
        return Ok(Vec::new());
    }
    let wg = elementwise(&ctx.limits).workgroup_size[0] as usize;
    // Level k scans `lens[k]` words: the data, then each level's block sums until one block.
    let mut lens = vec![n];
    let mut sums = Vec::new();
    loop {
        let blocks = lens[lens.len() - 1].div_ceil(wg);
        sums.push(GpuBuffer::<u32>::uninit(ctx, op, blocks)?);
        if blocks == 1 {
            break;
        }
        lens.push(blocks);
    }
    let level = |k: usize| if k == 0 { data } else { &sums[k - 1] };
    let blocks = pipeline(ctx, &BLOCKS, &[])?;
    for (k, &len) in lens.iter().enumerate() {
        let buffers = [level(k).buffer.as_entire_binding(), sums[k].buffer.as_entire_binding()];
        record_elementwise(ctx, encoder, &BLOCKS, &blocks, len, &buffers, |base| {
            words(ScanParams { n: len as u32, workgroup_base: base })
        })?;
    }
    let add = pipeline(ctx, &ADD, &[])?;
    for (k, &len) in lens.iter().enumerate().rev().skip(1) {
        let buffers = [level(k).buffer.as_entire_binding(), sums[k].buffer.as_entire_binding()];
        record_elementwise(ctx, encoder, &ADD, &add, len, &buffers, |base| words(ScanParams { n: len as u32, workgroup_base: base }))?;
    }
    Ok(sums)
}

/// A parameter struct as the words of its uniform.
pub(crate) fn words<P: bytemuck::Pod>(p: P) -> Vec<u32> {
    bytemuck::cast_slice(std::slice::from_ref(&p)).to_vec()
}

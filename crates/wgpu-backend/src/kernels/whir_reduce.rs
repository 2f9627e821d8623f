//! Reductions of extension vectors (split into chunks, column form within each) to two
//! extension elements: the WHIR sumcheck
//! round's s(1), s(2) and inner products, through per-workgroup partials and second passes
//! (ARCHITECTURE.md rule 10; geometry from `limits::reduction`).

use openvm_wgpu_common::{
    kernel::require,
    limits::{reduction, split_grid, GeometryError, ReductionGeometry},
    DeviceLimits, GpuContext, GpuResult, PipelineKey, SplitVec,
};

use super::{Custom, KernelPlan};
use crate::field::{Ext4, ExtBuffer};

pub const NAME: &str = "whir_reduce";
pub(crate) const KERNEL: Custom<Params> = Custom::new(wgsl_kernel!("whir_reduce"), |limits| Ok(vec![plan(limits)?]));

kernel_params! {
    pub struct Params {
        mode: u32,
        items: u32,
        n: u32,
        workgroups: u32,
        workgroup_base: u32,
        /// Where this dispatch's partials start in the output (in partials).
        partial_base: u32,
        _pad1: u32,
        _pad2: u32,
    }
}

/// Extension elements per partial (and per invocation's accumulator).
const PARTIAL_ELEMENTS: usize = 2;
const PARTIAL_BYTES: u32 = (PARTIAL_ELEMENTS * size_of::<Ext4>()) as u32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Reduction {
    /// Over the pairs of (f, w): (Σ f(1) w(1), Σ f(2) w(2)) with f(2) = 2 f(2y+1) - f(2y).
    SumcheckRound = 0,
    /// (Σ a(x) b(x), 0).
    InnerProduct = 1,
}

pub fn geometry(limits: &DeviceLimits) -> Result<ReductionGeometry, GeometryError> {
    reduction(NAME, limits, PARTIAL_BYTES)
}

fn key(g: &ReductionGeometry) -> PipelineKey {
    let wg = g.shape.workgroup_size[0];
    PipelineKey::new(NAME, "main")
        .constant("WORKGROUP_SIZE", wg)
        .constant("ITEMS_PER_INVOCATION", g.shape.items_per_invocation)
        .constant("PARTIAL_VEC4S", g.shape.workgroup_memory_bytes / 16)
}

pub fn plan(limits: &DeviceLimits) -> Result<KernelPlan, GeometryError> {
    let g = geometry(limits)?;
    Ok(KernelPlan { kernel: KERNEL.source(), variant: String::new(), key: key(&g), shape: g.shape })
}

/// Records the reduction of `a` and `b` (extension vectors of the same length and chunks) and
/// returns the partial buffers (two extension elements per partial); the last one's first two
/// elements are the two sums once the submission completes. The first pass runs once per chunk, each writing its own range of
/// partials. The caller keeps the buffers until then.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    what: Reduction,
    a: &SplitVec,
    b: &SplitVec,
) -> GpuResult<Vec<ExtBuffer>> {
    let n = a.len;
    let same_chunks = a.chunks.len() == b.chunks.len() && (a.chunks.len() == 1 || a.items_per_chunk == b.items_per_chunk);
    require(NAME, a.item_words == 4 && b.item_words == 4 && b.len == n && same_chunks && n > 0, || {
        format!("vectors of {} and {} elements in chunks of {} and {}", a.len, b.len, a.items_per_chunk, b.items_per_chunk)
    })?;
    let items_of = |elements: usize| match what {
        Reduction::SumcheckRound => elements / 2,
        Reduction::InnerProduct => elements,
    };
    let items = items_of(n);
    require(NAME, items > 0 && items <= u32::MAX as usize / 2, || format!("{items} items"))?;
    require(NAME, what != Reduction::SumcheckRound || a.chunks.len() == 1 || a.items_per_chunk.is_multiple_of(2), || {
        format!("pairs straddle chunks of {} elements", a.items_per_chunk)
    })?;
    let g = geometry(&ctx.limits)?;
    let pipeline = KERNEL.pipeline(ctx, &key(&g))?;
    let chunk_workgroups: Vec<u64> = (0..a.chunks.len()).map(|j| g.workgroups(items_of(a.chunk_items(j)) as u64)).collect();
    let total: u64 = chunk_workgroups.iter().sum();
    let first = ExtBuffer::uninit(ctx, NAME, PARTIAL_ELEMENTS * total as usize)?;
    let mut partial_base = 0;
    for (j, &workgroups) in chunk_workgroups.iter().enumerate() {
        let parts = split_grid(NAME, workgroups, ctx.limits.max_workgroups_per_dimension)?;
        let params = Params {
            mode: what as u32,
            items: items_of(a.chunk_items(j)) as u32,
            n: a.chunk_items(j) as u32,
            workgroups: workgroups as u32,
            partial_base: partial_base as u32,
            ..Default::default()
        };
        KERNEL.dispatch(ctx, encoder, &pipeline, &parts, &[&a.chunks[j].buffer, &b.chunks[j].buffer, &first.buffer], &params)?;
        partial_base += workgroups;
    }
    let mut out = vec![first];
    let mut items = total;
    while items > 1 {
        let workgroups = g.workgroups(items);
        let parts = split_grid(NAME, workgroups, ctx.limits.max_workgroups_per_dimension)?;
        let partials = ExtBuffer::uninit(ctx, NAME, PARTIAL_ELEMENTS * workgroups as usize)?;
        let prev = &out[out.len() - 1].buffer;
        let params = Params { mode: 2, items: items as u32, n: n as u32, workgroups: workgroups as u32, ..Default::default() };
        KERNEL.dispatch(ctx, encoder, &pipeline, &parts, &[prev, prev, &partials.buffer], &params)?;
        out.push(partials);
        items = workgroups;
    }
    Ok(out)
}

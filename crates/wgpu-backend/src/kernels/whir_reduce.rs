//! Reductions of extension vectors (column form) to two extension elements: the WHIR sumcheck
//! round's s(1), s(2) and inner products, through per-workgroup partials and second passes
//! (ARCHITECTURE.md rule 10; geometry from `limits::reduction`).

use openvm_wgpu_common::{
    kernel::require,
    limits::{reduction, split_grid, GeometryError, ReductionGeometry},
    DeviceLimits, GpuBuffer, GpuContext, GpuResult, PipelineKey,
};

use super::{Custom, KernelPlan};

pub const NAME: &str = "whir_reduce";
pub(crate) const KERNEL: Custom<Params> = Custom::new(wgsl_kernel!("whir_reduce"), |limits| Ok(vec![plan(limits)?]));

kernel_params! {
    pub struct Params {
        mode: u32,
        items: u32,
        n: u32,
        workgroups: u32,
        workgroup_base: u32,
        _pad0: u32,
        _pad1: u32,
        _pad2: u32,
    }
}

/// Two extension elements per invocation and per partial.
const PARTIAL_BYTES: u32 = 32;

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

/// Records the reduction of `a` and `b` (extension vectors of n elements in column form) and
/// returns the partial buffers; the last one's first 8 words hold the two sums once the
/// submission completes. The caller keeps the buffers until then.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    what: Reduction,
    a: &GpuBuffer<u32>,
    b: &GpuBuffer<u32>,
    n: usize,
) -> GpuResult<Vec<GpuBuffer<u32>>> {
    require(NAME, a.len() == 4 * n && b.len() == 4 * n && n > 0, || {
        format!("vectors of {} and {} words for {n} elements", a.len(), b.len())
    })?;
    let items = match what {
        Reduction::SumcheckRound => n / 2,
        Reduction::InnerProduct => n,
    };
    require(NAME, items > 0 && items <= u32::MAX as usize / 2, || format!("{items} items"))?;
    let g = geometry(&ctx.limits)?;
    let pipeline = KERNEL.pipeline(ctx, &key(&g))?;
    let mut out: Vec<GpuBuffer<u32>> = Vec::new();
    let (mut mode, mut items) = (what as u32, items as u64);
    loop {
        let workgroups = g.workgroups(items);
        let parts = split_grid(NAME, workgroups, ctx.limits.max_workgroups_per_dimension)?;
        let partials = GpuBuffer::<u32>::uninit(ctx, NAME, 8 * workgroups as usize)?;
        let (src_a, src_b) = match out.last() {
            Some(prev) => (&prev.buffer, &prev.buffer),
            None => (&a.buffer, &b.buffer),
        };
        let params = Params { mode, items: items as u32, n: n as u32, workgroups: workgroups as u32, ..Default::default() };
        KERNEL.dispatch(ctx, encoder, &pipeline, &parts, &[src_a, src_b, &partials.buffer], &params)?;
        out.push(partials);
        if workgroups == 1 {
            return Ok(out);
        }
        mode = 2;
        items = workgroups;
    }
}

//! One step of the Fiat–Shamir duplex sponge on the device, optionally preceded by the second
//! pass of a reduction whose sums are the messages it observes: column sums of partials into
//! messages, then observe extension elements, then sample some (`logup_zerocheck::device_transcript` drives
//! it). One workgroup; the permutation runs on 16 of its invocations (`poseidon2_lanes`).

use openvm_wgpu_common::{
    kernel::require,
    limits::{reduction, split_grid, GeometryError, ReductionGeometry},
    DeviceLimits, GpuBuffer, GpuContext, GpuResult, PipelineKey,
};

use super::{Custom, KernelPlan, EXT_BYTES};
use crate::field::ExtBuffer;

/// Invocations that step a Poseidon2 (width 16) sponge together: one per state word.
pub const SPONGE_LANES: u32 = 16;

/// Pairs of rows per invocation a one-workgroup sumcheck round takes on (see
/// [`SpongeReductionGeometry::small_round_pairs`]): past this, spreading the round over the
/// whole device beats saving its dispatches.
pub const SMALL_ROUND_PAIRS_PER_INVOCATION: u32 = 4;

/// Geometry of a one-workgroup kernel that sums extension elements across its workgroup and
/// steps a duplex sponge with [`SPONGE_LANES`] of its invocations (the transcript step on the
/// device, and sumcheck rounds run wholly inside one workgroup).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpongeReductionGeometry {
    pub reduction: ReductionGeometry,
}

impl SpongeReductionGeometry {
    pub fn workgroup_size(&self) -> u32 {
        self.reduction.shape.workgroup_size[0]
    }

    /// The largest round (in pairs of rows) worth running inside the one workgroup.
    pub fn small_round_pairs(&self) -> u64 {
        self.workgroup_size() as u64 * SMALL_ROUND_PAIRS_PER_INVOCATION as u64
    }
}

/// The reduction rule within the workgroup memory left after `sponge_bytes` (the sponge's state
/// and exchange words), refused when fewer than [`SPONGE_LANES`] invocations remain.
pub fn sponge_reduction(
    kernel: &'static str,
    l: &DeviceLimits,
    partial_bytes: u32,
    sponge_bytes: u32,
) -> Result<SpongeReductionGeometry, GeometryError> {
    let left = DeviceLimits { max_workgroup_storage_bytes: l.max_workgroup_storage_bytes.saturating_sub(sponge_bytes), ..l.clone() };
    let mut g = reduction(kernel, &left, partial_bytes).map_err(|_| GeometryError::WorkgroupMemory {
        kernel,
        needed: (SPONGE_LANES * partial_bytes + sponge_bytes) as u64,
        available: l.max_workgroup_storage_bytes as u64,
    })?;
    let wg = g.shape.workgroup_size[0];
    if wg < SPONGE_LANES {
        return Err(GeometryError::OutOfRange {
            kernel,
            what: "invocations per workgroup",
            value: wg as u64,
            range: "at least 16 (one per Poseidon2 state word)",
        });
    }
    g.shape.workgroup_memory_bytes += sponge_bytes;
    Ok(SpongeReductionGeometry { reduction: g })
}

pub const NAME: &str = "transcript_sponge";
pub(crate) const KERNEL: Custom<Params> = Custom::new(wgsl_kernel!("transcript_sponge"), |limits| Ok(vec![plan(limits)?]));

kernel_params! {
    pub struct Params {
        columns: u32,
        rows: u32,
        in_base: u32,
        out_base: u32,
        observe_base: u32,
        observe_count: u32,
        sample_base: u32,
        sample_count: u32,
        on_device: u32,
        workgroup_base: u32,
        _pad0: u32,
        _pad1: u32,
    }
}

/// Words of the sponge's state buffer: the 16 state words, then absorb_idx and sample_idx.
pub const SPONGE_WORDS: usize = 18;

/// Workgroup memory of shared/duplex_sponge.wgsl: the permutation's exchange (32 words), the
/// state (16) and the indices (2).
pub const SPONGE_WORKGROUP_BYTES: u32 = 4 * (32 + 16 + 2);

/// The geometry of a kernel that reduces extension elements and steps the sponge in one
/// workgroup (this one, and `gkr_small_rounds`).
pub fn geometry(kernel: &'static str, limits: &DeviceLimits) -> Result<SpongeReductionGeometry, GeometryError> {
    sponge_reduction(kernel, limits, EXT_BYTES, SPONGE_WORKGROUP_BYTES)
}

fn key(g: &SpongeReductionGeometry) -> PipelineKey {
    PipelineKey::new(NAME, "main").constant("WORKGROUP_SIZE", g.workgroup_size())
}

pub fn plan(limits: &DeviceLimits) -> Result<KernelPlan, GeometryError> {
    let g = geometry(NAME, limits)?;
    Ok(KernelPlan { kernel: KERNEL.source(), variant: String::new(), key: key(&g), shape: g.reduction.shape })
}

/// The buffers a step binds: the sponge's state (bound but untouched when the host samples),
/// the partials it sums (bound but unread without a reduction), the messages it writes and
/// observes, and the challenges it samples into.
pub struct SpongeBuffers<'a> {
    pub sponge: &'a GpuBuffer<u32>,
    pub partials: &'a ExtBuffer,
    pub messages: &'a ExtBuffer,
    pub challenges: &'a ExtBuffer,
}

/// The block of partials a step sums: `rows` rows of `columns` extension elements, row-major,
/// from element `base`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ColumnSums {
    pub rows: usize,
    pub columns: usize,
    pub base: usize,
}

/// One step.
pub struct Step {
    /// The partials whose column sums go to the messages: messages[observe.start + k] = the
    /// sum of column k, for k < columns.
    pub reduce: Option<ColumnSums>,
    /// Messages observed, in order (after the sums are written).
    pub observe: std::ops::Range<usize>,
    pub sample_base: usize,
    pub samples: usize,
    /// Whether the sponge observes and samples; otherwise only the sums are written.
    pub on_device: bool,
}

/// Records `step`: the column sums into messages, then (on the device) observe
/// messages[observe] and sample `samples` extension elements into challenges[sample_base..].
pub fn record(ctx: &GpuContext, encoder: &mut openvm_wgpu_common::GpuEncoder, b: &SpongeBuffers<'_>, step: &Step) -> GpuResult<()> {
    let ColumnSums { rows, columns, base: in_base } = step.reduce.unwrap_or_default();
    require(NAME, columns <= step.observe.len() || !step.on_device, || {
        format!("{columns} sums, {} observed messages", step.observe.len())
    })?;
    require(NAME, b.sponge.len() >= SPONGE_WORDS, || format!("a sponge state of {} words", b.sponge.len()))?;
    let g = geometry(NAME, &ctx.limits)?;
    let pipeline = KERNEL.pipeline(ctx, &key(&g))?;
    let params = Params {
        columns: columns as u32,
        rows: rows as u32,
        in_base: in_base as u32,
        out_base: step.observe.start as u32,
        observe_base: step.observe.start as u32,
        observe_count: step.observe.len() as u32,
        sample_base: step.sample_base as u32,
        sample_count: step.samples as u32,
        on_device: step.on_device as u32,
        ..Default::default()
    };
    // Its one workgroup sums `columns` columns of `rows` rows (a workgroup reduction each), then
    // observes and samples word by word.
    let wg = g.workgroup_size() as u64;
    let loops =
        columns as u64 * (1 + rows as u64).div_ceil(wg).max(1) * 2 + columns as u64 * 12 + 4 * (step.observe.len() + step.samples) as u64;
    openvm_wgpu_common::limits::check_loop_iterations(NAME, loops, &ctx.limits)?;
    let parts = split_grid(NAME, 1, ctx.limits.max_workgroups_per_dimension)?;
    let buffers = [&b.sponge.buffer, &b.partials.buffer, &b.messages.buffer, &b.challenges.buffer];
    KERNEL.dispatch(ctx, encoder, &pipeline, &parts, &buffers, &params)
}

#[cfg(test)]
mod tests {
    use openvm_wgpu_common::limits::{reference, LimitProfile};

    use super::*;

    #[test]
    fn sponge_reduction_rule_on_real_devices() {
        for (name, l) in reference::all() {
            let g = sponge_reduction("s", &l, 16, 200).unwrap();
            assert!(g.reduction.shape.fits(&l), "{name}: {g:?}");
            assert!(g.workgroup_size() >= SPONGE_LANES && g.workgroup_size().is_power_of_two());
            assert_eq!(g.reduction.shape.workgroup_memory_bytes, g.workgroup_size() * 16 + 200);
        }
        let tiny = sponge_reduction("s", &LimitProfile::Tiny.reference_limits().unwrap(), 16, 200).unwrap();
        assert_eq!(tiny.workgroup_size(), 64);
        assert_eq!(tiny.small_round_pairs(), 256);
        // 1 KiB leaves room for 32 partials beside the sponge; 400 bytes for too few lanes.
        let mut l = reference::lavapipe();
        l.max_workgroup_storage_bytes = 1024;
        assert_eq!(sponge_reduction("s", &l, 16, 200).unwrap().workgroup_size(), 32);
        l.max_workgroup_storage_bytes = 400;
        assert!(matches!(sponge_reduction("s", &l, 16, 200), Err(GeometryError::OutOfRange { .. })));
        l.max_workgroup_storage_bytes = 100;
        assert!(matches!(sponge_reduction("s", &l, 16, 200), Err(GeometryError::WorkgroupMemory { .. })));
    }
}

//! Host side of shaders/constraint_eval_ext.wgsl: the constraint-program interpreter in the
//! extension field, on an AIR's folded multilinear columns (the zerocheck's rounds after round
//! 0, `logup_zerocheck::mle_round`), batching the constraints with λ's powers and eq per (x, y), and
//! with LogUp the interactions' counts and message fields into numerator and denominator.
//! The folded columns bind as up to [`FOLDED_BINDINGS`] chunks of whole columns.
//!
//! Geometry: the `constraint_eval` rule of limits.rs applied to a quarter of the workgroup
//! memory, since a slot here is an extension element (four words): fast slots x workgroup size
//! extension elements then fill the device's workgroup memory as the base-field interpreter's
//! words do.

use openvm_wgpu_common::{
    kernel::require,
    limits::{check_loop_iterations, floor_pow2, preferred_invocations, split_grid},
    DeviceLimits, GpuBuffer, GpuContext, GpuEncoder, GpuResult, PipelineKey,
};

use super::{
    constraint_eval::{slot_geometry, ConstraintEvalGeometry, CONSTRAINT_FAST_SLOTS_MAX},
    Custom, KernelPlan,
};
use crate::{
    constraints::EvalOptions,
    field::{Ext4, ExtBuffer},
};

/// The extension-field interpreter's rule (`constraint_eval_ext`, four words per slot): as
/// [`super::constraint_eval::constraint_eval`], with each invocation's fast slots capped by its workgroup's share of
/// workgroup memory only (its occupancy has not been measured against the base interpreter's
/// tighter cap).
pub fn constraint_eval_ext(l: &DeviceLimits, slots: u32, cap: Option<u32>) -> ConstraintEvalGeometry {
    let words = (l.max_workgroup_storage_bytes / 16).max(1);
    let wg = preferred_invocations(l).min(floor_pow2(words)).max(1);
    let mut g = slot_geometry(wg, (words / wg).clamp(1, CONSTRAINT_FAST_SLOTS_MAX), slots, cap);
    g.shape.workgroup_memory_bytes *= 4;
    g
}

pub const NAME: &str = "constraint_eval_ext";
pub(crate) const KERNEL: Custom<Params> = Custom::new(wgsl_kernel!("constraint_eval_ext"), plans);

/// Storage bindings for the chunks of an AIR's folded columns (shared/folded_chunks.wgsl).
pub const FOLDED_BINDINGS: usize = 4;

kernel_params! {
    pub struct Params {
        num_constraints: u32,
        /// Rows of each folded column (1: read row 0 as is).
        height: u32,
        num_y: u32,
        num_x: u32,
        x_first: u32,
        eq_base: u32,
        const_base: u32,
        public_base: u32,
        /// Elements between one spilled slot and the next in the scratch buffer.
        scratch_stride: u32,
        workgroup_base: u32,
        /// 1 (the constraints) or 3 (also LogUp's numerator and denominator).
        num_sums: u32,
        num_outputs: u32,
        target_base: u32,
        part_base: u32,
        num_parts: u32,
        parts_per_group: u32,
        num_groups: u32,
        /// Whole folded columns per chunk binding (the last chunk may hold fewer).
        columns_per_chunk: u32,
        /// Where the weights start in the tables, in extension elements.
        weight_base: u32,
        /// The groups this dispatch runs: `group_offset..group_offset + dispatch_groups`.
        group_offset: u32,
        dispatch_groups: u32,
        /// The values of y this dispatch covers: `y_offset..y_offset + y_count`.
        y_offset: u32,
        y_count: u32,
        _pad0: u32,
    }
}

/// The geometry for a program needing `slots` extension-element slots.
pub fn geometry(limits: &DeviceLimits, slots: u32, options: EvalOptions) -> ConstraintEvalGeometry {
    let cap = options.fast_slot_cap.or(limits.tuning.constraint_fast_slots);
    constraint_eval_ext(limits, slots, cap)
}

fn key(g: &ConstraintEvalGeometry) -> PipelineKey {
    PipelineKey::new(NAME, "main")
        .constant("WORKGROUP_SIZE", g.shape.workgroup_size[0])
        .constant("FAST_SLOTS", g.fast_slots)
        .constant("FAST_WORDS", g.fast_words())
}

/// The pipelines with the most and the fewest fast slots.
fn plans(limits: &DeviceLimits) -> Result<Vec<KernelPlan>, openvm_wgpu_common::limits::GeometryError> {
    Ok([
        ("most fast slots", geometry(limits, u32::MAX, EvalOptions::default())),
        ("one fast slot", geometry(limits, 1, EvalOptions::default())),
        ("every slot spilled (chained pieces)", geometry(limits, 1, EvalOptions::default()).all_spilled()),
    ]
    .into_iter()
    .map(|(variant, g)| KernelPlan { kernel: KERNEL.source(), variant: variant.into(), key: key(&g), shape: g.shape })
    .collect())
}

/// One evaluation: `num_x` values of x from `x_first`, `num_y` values of y.
pub struct ExtEval<'a> {
    /// The program's instructions (unsplit or split), its parts' starts in the tables' words
    /// from `part_base` (`num_parts + 1` of them) and the slots of its largest part.
    pub instructions: &'a GpuBuffer<u32>,
    pub part_base: usize,
    pub num_parts: usize,
    /// Consecutive parts one invocation runs.
    pub parts_per_group: usize,
    /// The most instructions one group of parts holds (the interpreter's loop).
    pub max_group_instructions: usize,
    /// Whether the parts are chained pieces of one program (`DeviceConstraintProgram::pieces`):
    /// slots live from one to the next, so every slot spills and each piece (one part per
    /// group) is its own dispatch, in order.
    pub chained: bool,
    pub num_slots: u32,
    pub num_constraints: usize,
    /// The AIR's tables: words (partition table, constants, public values, the interaction
    /// outputs' targets (1 a count, 2 a message field), part starts) with where the constants,
    /// public values and targets start; then extension elements from `weight_base`: one weight
    /// per output (λ's powers for the constraints), LogUp's denominator constant, and eq's
    /// table, read from element `eq_base` on.
    pub tables: &'a GpuBuffer<u32>,
    pub const_base: usize,
    pub public_base: usize,
    pub target_base: usize,
    pub weight_base: usize,
    pub eq_base: usize,
    pub num_outputs: usize,
    /// The folded columns: chunks of `columns_per_chunk` whole columns of `height` rows.
    pub folded: &'a [ExtBuffer],
    pub columns_per_chunk: usize,
    pub height: usize,
    /// Whether the LogUp sums are computed too.
    pub logup: bool,
    pub num_x: usize,
    pub x_first: usize,
    pub num_y: usize,
}

impl ExtEval<'_> {
    /// Groups of parts per point: invocations that share one (x, y).
    pub fn groups(&self) -> usize {
        self.num_parts.div_ceil(self.parts_per_group.max(1))
    }
}

/// Records, per group g of parts, out[((y * groups + g) * num_x + (x - x_first)) * s + 0] =
/// eq[eq_base + y] * sum_k λ^k C_k(x, y) over the group's constraints and, with LogUp (s = 3),
/// at + 1 and + 2 eq times the weighted counts and the weighted message fields (plus the
/// constant, in group 0); `scratch` is kept alive by the caller until the submission completes
/// (returned). [`ExtEval::groups`] gives the number of groups.
pub fn record(ctx: &GpuContext, encoder: &mut GpuEncoder, e: &ExtEval<'_>, out: &ExtBuffer, options: EvalOptions) -> GpuResult<ExtBuffer> {
    require(NAME, e.num_parts > 0 && e.parts_per_group > 0, || format!("{} parts, {} per group", e.num_parts, e.parts_per_group))?;
    let count = (e.num_x * e.num_y * e.groups()) as u64;
    let num_sums = if e.logup { 3 } else { 1 };
    require(NAME, count > 0 && num_sums * count <= out.len() as u64, || {
        format!("{count} x {num_sums} outputs for an output buffer of {} elements", out.len())
    })?;
    require(NAME, e.height == 1 || e.height >= 2 * e.num_y, || format!("{} folded rows for {} values of y", e.height, e.num_y))?;
    require(NAME, !e.folded.is_empty() && e.folded.len() <= FOLDED_BINDINGS && e.columns_per_chunk > 0, || {
        format!("{} chunks of folded columns, the kernel binds 1 to {FOLDED_BINDINGS}", e.folded.len())
    })?;
    require(NAME, !e.chained || e.parts_per_group == 1, || "chained pieces run one per group".into())?;
    // The interpreter's loops: x's Montgomery form (x_first + x steps), then a group's program.
    check_loop_iterations(NAME, (e.max_group_instructions + e.x_first + e.num_x) as u64, &ctx.limits)?;
    let mut g = geometry(&ctx.limits, e.num_slots, options);
    if e.chained {
        g = g.all_spilled();
    }
    // Chained pieces run one group per dispatch, all groups at once otherwise.
    let dispatch_groups = if e.chained { 1 } else { e.groups() };
    let wg = g.shape.workgroup_size[0] as u64;
    // Values of y per dispatch: within the per-dispatch work budget (a watchdog never sees a
    // long dispatch).
    let work_per_y = (e.num_x * dispatch_groups * e.max_group_instructions.max(1)) as u64;
    // Also few enough that the spilled slots of a dispatch's points fit one binding.
    let points_per_y = (e.num_x * dispatch_groups) as u64;
    let scratch_y = ctx.limits.max_binding_bytes() / (size_of::<Ext4>() as u64 * g.spill_slots.max(1) as u64 * points_per_y);
    let y_per_dispatch = (ctx.limits.max_dispatch_work / work_per_y).min(scratch_y.max(1)).clamp(1, e.num_y as u64) as usize;
    let workgroups = ((e.num_x * y_per_dispatch * dispatch_groups) as u64).div_ceil(wg);
    let parts = split_grid(NAME, workgroups, ctx.limits.max_workgroups_per_dimension)?;
    let stride = workgroups * wg;
    // One extension element per spilled slot and invocation.
    let scratch_len = g.spill_slots as u64 * stride;
    let scratch_bytes = scratch_len * size_of::<Ext4>() as u64;
    require(NAME, scratch_bytes <= ctx.limits.max_binding_bytes() && stride <= u32::MAX as u64, || {
        format!(
            "{} spilled slots x {stride} rows need {scratch_bytes} bytes of scratch, one binding holds {}",
            g.spill_slots,
            ctx.limits.max_binding_bytes()
        )
    })?;
    let scratch = ExtBuffer::uninit(ctx, "constraint scratch (extension)", scratch_len.max(1) as usize)?;
    let params = Params {
        part_base: e.part_base as u32,
        num_parts: e.num_parts as u32,
        parts_per_group: e.parts_per_group as u32,
        num_groups: e.groups() as u32,
        columns_per_chunk: e.columns_per_chunk as u32,
        weight_base: e.weight_base as u32,
        num_constraints: e.num_constraints as u32,
        height: e.height as u32,
        num_y: e.num_y as u32,
        num_x: e.num_x as u32,
        x_first: e.x_first as u32,
        eq_base: e.eq_base as u32,
        const_base: e.const_base as u32,
        public_base: e.public_base as u32,
        scratch_stride: stride as u32,
        num_sums: num_sums as u32,
        num_outputs: e.num_outputs as u32,
        target_base: e.target_base as u32,
        dispatch_groups: dispatch_groups as u32,
        ..Default::default()
    };
    let pipeline = KERNEL.pipeline(ctx, &key(&g))?;
    let mut buffers = vec![&e.instructions.buffer, &e.tables.buffer, &out.buffer, &scratch.buffer];
    // Unused chunk bindings repeat the last chunk.
    buffers.extend((0..FOLDED_BINDINGS).map(|k| &e.folded[k.min(e.folded.len() - 1)].buffer));
    // Per block of y, the groups (chained pieces one by one, in order).
    for y_offset in (0..e.num_y).step_by(y_per_dispatch) {
        let y_count = y_per_dispatch.min(e.num_y - y_offset);
        for offset in (0..e.groups()).step_by(dispatch_groups) {
            let p = Params { group_offset: offset as u32, y_offset: y_offset as u32, y_count: y_count as u32, ..params };
            KERNEL.dispatch(ctx, encoder, &pipeline, &parts, &buffers, &p)?;
        }
    }
    Ok(scratch)
}

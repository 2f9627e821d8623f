//! Host side of shaders/constraint_eval.wgsl: the constraint-program interpreter
//! (`crate::constraints` compiles the programs).
//!
//! One invocation per row. A program longer than an invocation may loop runs in pieces, one
//! dispatch each (`DeviceConstraintProgram::pieces`). Intermediate slots below the geometry's
//! `fast_slots` live in the invocation's column of a workgroup-memory table (WGSL allows override-sized arrays only in
//! workgroup memory, so function-local arrays cannot be sized by the limits rule); the rest
//! spill to a global scratch buffer, slot-major, so neighbouring invocations touch neighbouring
//! words. The traces' column chunks (`ColumnMatrix` buffers) bind to [`TRACE_BINDINGS`] storage
//! bindings; the values buffer holds the partition table, the constants and the public values.

use openvm_wgpu_common::{
    kernel::require,
    limits::{check_loop_iterations, floor_pow2, preferred_invocations, split_grid, LaunchShape},
    DeviceLimits, GpuBuffer, GpuContext, GpuResult, PipelineKey,
};

use super::{Custom, KernelPlan};
use crate::{
    constraints::{device_program::constant_words, ConstraintTraces, DeviceConstraintProgram, EvalOptions},
    field::as_words,
};

/// Most intermediate slots one invocation of the constraint interpreter keeps in fast memory
/// (its own column of a workgroup-memory table); a program that needs more spills the rest to
/// a global scratch buffer.
pub const CONSTRAINT_FAST_SLOTS_MAX: u32 = 64;

/// Geometry of the constraint-program interpreter (`constraint_eval`): one row per invocation,
/// `fast_slots` intermediates per invocation in workgroup memory (slot-major: slot `s` of
/// invocation `i` at `s * workgroup_size + i`) and `spill_slots` more in a global scratch buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConstraintEvalGeometry {
    pub shape: LaunchShape,
    /// Slots in workgroup memory (at least 1, except in [`ConstraintEvalGeometry::all_spilled`]).
    pub fast_slots: u32,
    /// Slots past `fast_slots`, in global scratch memory.
    pub spill_slots: u32,
}

impl ConstraintEvalGeometry {
    /// Fast slots one workgroup-memory word count holds (`fast_slots * workgroup_size`; one
    /// unused word when every slot spills, since WGSL arrays are never empty).
    pub fn fast_words(&self) -> u32 {
        (self.fast_slots * self.shape.workgroup_size[0]).max(1)
    }

    /// The same workgroup with every slot in global scratch memory: for a program run in pieces
    /// over several dispatches whose slots live from one piece to the next (workgroup memory
    /// does not outlast a dispatch).
    pub fn all_spilled(&self) -> Self {
        let words_per_slot = self.shape.workgroup_memory_bytes / self.fast_words().max(1) / 4;
        let mut g = *self;
        g.spill_slots += g.fast_slots;
        g.fast_slots = 0;
        g.shape.workgroup_memory_bytes = 4 * words_per_slot.max(1);
        g
    }
}

/// Fast slots per invocation at most: a maximal workgroup's share of the workgroup memory (one
/// word per slot), so the workgroup memory the interpreter takes lets the device keep at least
/// as many invocations resident as a maximal workgroup has. The interpreter is latency bound:
/// on an H200, 8 fast slots per invocation (the rest spilled to scratch memory, which stays in
/// cache) evaluated keccakf's round 0 three times as fast as 48, which left few warps per SM.
pub fn constraint_fast_slot_capacity(l: &DeviceLimits, workgroup_size: u32) -> u32 {
    let words = (l.max_workgroup_storage_bytes / 4).max(1);
    let share = words / l.max_invocations_per_workgroup.max(workgroup_size).max(1);
    (words / workgroup_size.max(1)).min(share).clamp(1, CONSTRAINT_FAST_SLOTS_MAX)
}

/// The constraint interpreter's rule: the preferred workgroup size (halved while not even one
/// slot per invocation fits workgroup memory); fast slots are the program's need rounded up to
/// a power of two (few pipeline variants), capped by [`constraint_fast_slot_capacity`] and by
/// `cap` (a test or tuning cap); the rest spill.
pub fn constraint_eval(l: &DeviceLimits, slots: u32, cap: Option<u32>) -> ConstraintEvalGeometry {
    let words = (l.max_workgroup_storage_bytes / 4).max(1);
    let wg = preferred_invocations(l).min(floor_pow2(words)).max(1);
    slot_geometry(wg, constraint_fast_slot_capacity(l, wg), slots, cap)
}

pub(crate) fn slot_geometry(wg: u32, capacity: u32, slots: u32, cap: Option<u32>) -> ConstraintEvalGeometry {
    let capacity = capacity.min(cap.unwrap_or(u32::MAX)).max(1);
    let fast_slots = slots.max(1).checked_next_power_of_two().unwrap_or(1 << 31).min(capacity);
    ConstraintEvalGeometry {
        shape: LaunchShape { workgroup_size: [wg, 1, 1], workgroup_memory_bytes: fast_slots * wg * 4, items_per_invocation: 1 },
        fast_slots,
        spill_slots: slots.saturating_sub(fast_slots),
    }
}

pub const NAME: &str = "constraint_eval";
pub(crate) const KERNEL: Custom<Params> = Custom::new(wgsl_kernel!("constraint_eval"), plans);

/// Storage bindings for trace column chunks (with the program, values, outputs and scratch,
/// eight storage bindings: WebGPU's default per-stage limit).
pub const TRACE_BINDINGS: usize = 4;

kernel_params! {
    pub struct Params {
        /// First row evaluated; this dispatch's rows (one invocation each) are `row_offset..
        /// row_offset + row_count` of the `total_rows` evaluated, the outputs' (and virtual
        /// columns') row stride.
        row_start: u32,
        row_count: u32,
        row_offset: u32,
        total_rows: u32,
        /// The traces' height h: next row is (r + 1) mod h.
        height: u32,
        /// The piece of the program this dispatch runs: instructions `pc_start..pc_end`.
        pc_start: u32,
        pc_end: u32,
        /// Where the constants and public values start in the values buffer (the partition
        /// table, two words per partition, is at 0).
        const_base: u32,
        public_base: u32,
        /// Words between one spilled slot and the next in the scratch buffer (the invocations
        /// of the whole grid).
        scratch_stride: u32,
        workgroup_base: u32,
        /// Virtual-row mode (entry point `main_virtual`): where the partitions' first virtual
        /// columns are in the values buffer, and virtual columns per trace column (2 when next
        /// rows are read).
        vmap_base: u32,
        next_stride: u32,
        _pad0: u32,
        _pad1: u32,
    }
}

/// Virtual-row mode (zerocheck round 0): `rows` rows whose trace variables and selectors are
/// read from `buffer`, column-major with `rows` rows per column, as
/// `kernels::zerocheck_round0_expand` writes it: selectors at columns 0, 1, 2 (is_first_row,
/// is_last_row, is_transition), variable (partition `p`, column `c`, row offset `o`) at
/// `partition_bases[p] + c * next_stride + o`. The traces are still given, for their checks.
#[derive(Clone)]
pub struct VirtualRows<'a> {
    pub buffer: &'a GpuBuffer<u32>,
    pub rows: usize,
    pub partition_bases: &'a [u32],
    pub next_stride: u32,
}

/// Which rows [`record_mode`] evaluates.
#[derive(Clone)]
pub enum EvalRows<'a> {
    /// Trace rows.
    Trace(std::ops::Range<usize>),
    Virtual(VirtualRows<'a>),
}

/// The geometry for a program needing `slots` slots.
pub fn geometry(limits: &DeviceLimits, slots: u32, options: EvalOptions) -> ConstraintEvalGeometry {
    let cap = options.fast_slot_cap.or(limits.tuning.constraint_fast_slots);
    constraint_eval(limits, slots, cap)
}

pub fn key(g: &ConstraintEvalGeometry) -> PipelineKey {
    key_for(g, "main")
}

/// The pipeline of entry point `entry` (`main`: trace rows; `main_virtual`: virtual rows).
fn key_for(g: &ConstraintEvalGeometry, entry: &'static str) -> PipelineKey {
    PipelineKey::new(NAME, entry)
        .constant("WORKGROUP_SIZE", g.shape.workgroup_size[0])
        .constant("FAST_SLOTS", g.fast_slots)
        .constant("FAST_WORDS", g.fast_words())
}

/// The pipelines with the most and the fewest fast slots.
fn plans(limits: &DeviceLimits) -> Result<Vec<KernelPlan>, openvm_wgpu_common::limits::GeometryError> {
    let most = constraint_eval(limits, u32::MAX, None);
    let fewest = constraint_eval(limits, 1, None);
    Ok([("most fast slots", most), ("one fast slot", fewest), ("every slot spilled (chained pieces)", fewest.all_spilled())]
        .into_iter()
        .flat_map(|(variant, g)| {
            [("main", ""), ("main_virtual", ", virtual rows")].map(|(entry, mode)| KernelPlan {
                kernel: KERNEL.source(),
                variant: format!("{variant}{mode}"),
                key: key_for(&g, entry),
                shape: g.shape,
            })
        })
        .collect())
}

/// Keeps a buffer with `encoder` until its submission completes.
pub(crate) fn keep_buffer<T: bytemuck::Pod + Send + Sync>(encoder: &mut openvm_wgpu_common::GpuEncoder, buffer: GpuBuffer<T>) {
    let bytes = buffer.bytes();
    encoder.keep(buffer, bytes);
}

/// Records the program's evaluation on trace rows or on skip-domain points ([`EvalRows`]) into
/// `out` (output-major over the evaluated rows) in `encoder`, which keeps the buffers it made
/// (the values table, the spill scratch) until its submission completes.
pub(crate) fn record_mode(
    ctx: &GpuContext,
    device_program: &DeviceConstraintProgram,
    traces: &ConstraintTraces<'_>,
    mode: EvalRows<'_>,
    out: &GpuBuffer<u32>,
    options: EvalOptions,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
) -> GpuResult<()> {
    let program = &device_program.program;
    // The interpreter's one loop runs a piece's instructions.
    let pieces =
        device_program.pieces(options.split, |slots| geometry(&ctx.limits, slots, options).spill_slots > 0, ctx.limits.max_loop_iterations);
    let code = pieces.code;
    // Partitions: 0 preprocessed, 1 + i main partition i.
    let parts: Vec<Option<&openvm_wgpu_common::ColumnMatrix>> =
        std::iter::once(traces.preprocessed).chain(traces.mains.iter().map(|m| Some(*m))).collect();
    require(NAME, program.partition_columns.len() <= parts.len(), || {
        format!(
            "the program reads main partition {}, but {} main partitions were given",
            program.partition_columns.len() - 2,
            traces.mains.len()
        )
    })?;
    let height = parts.iter().flatten().map(|m| m.height).next().unwrap_or(0);
    require(NAME, height > 0, || "no trace partition given, or traces of height 0".into())?;
    require(NAME, height <= u32::MAX as usize, || format!("height {height} exceeds 32 bits"))?;
    for (p, m) in parts.iter().enumerate() {
        let read = program.partition_columns.get(p).copied().unwrap_or(0);
        let what = if p == 0 { "the preprocessed trace".to_string() } else { format!("main partition {}", p - 1) };
        match m {
            Some(m) => {
                require(NAME, m.height == height, || format!("{what} has height {}, another partition {height}", m.height))?;
                require(NAME, m.width >= read, || format!("{what} has {} columns, the program reads column {}", m.width, read - 1))?;
            }
            None => require(NAME, read == 0, || format!("the program reads {what}, which was not given"))?,
        }
    }
    require(NAME, traces.public_values.len() >= program.num_public_values, || {
        format!("{} public values given, the program reads {}", traces.public_values.len(), program.num_public_values)
    })?;
    let (row_start, count) = match &mode {
        EvalRows::Trace(rows) => {
            require(NAME, rows.start <= rows.end && rows.end <= height, || format!("rows {rows:?} outside a trace of height {height}"))?;
            (rows.start, rows.len())
        }
        EvalRows::Virtual(v) => {
            let columns = (0..program.partition_columns.len())
                .map(|p| v.partition_bases.get(p).map(|&b| b as u64 + program.partition_columns[p] as u64 * v.next_stride as u64))
                .try_fold(3u64, |acc, c| c.map(|c| acc.max(c)));
            require(NAME, columns.is_some(), || "a partition the program reads has no virtual columns".to_string())?;
            require(NAME, !program.needs_next || v.next_stride == 2, || {
                "the program reads next rows; the virtual columns have none".into()
            })?;
            let words = columns.unwrap_or(0) * v.rows as u64;
            require(NAME, words <= v.buffer.len() as u64 && v.rows <= u32::MAX as usize, || {
                format!("{words} virtual words exceed the buffer's {}", v.buffer.len())
            })?;
            (0, v.rows)
        }
    };
    let out_words = program.num_outputs as u64 * count as u64;
    require(NAME, out_words <= out.len() as u64, || format!("{out_words} output words exceed the output buffer's {}", out.len()))?;
    require(NAME, out_words * 4 <= ctx.limits.max_binding_bytes(), || {
        format!(
            "{} outputs x {count} rows need {} bytes, one binding holds {}; evaluate fewer rows at a time",
            program.num_outputs,
            out_words * 4,
            ctx.limits.max_binding_bytes()
        )
    })?;
    if count == 0 || program.num_outputs == 0 {
        return Ok(());
    }

    // Trace chunks onto the bindings; the partition table gives each partition's first binding
    // and columns per chunk.
    let mut chunks: Vec<&wgpu::Buffer> = Vec::new();
    let mut values: Vec<u32> = Vec::new();
    for m in &parts {
        match m {
            Some(m) if m.width > 0 => {
                values.extend([chunks.len() as u32, m.columns_per_chunk as u32]);
                chunks.extend(m.chunks.iter().map(|c| &c.buffer));
            }
            _ => values.extend([0, 1]),
        }
    }
    require(NAME, matches!(mode, EvalRows::Virtual(_)) || chunks.len() <= TRACE_BINDINGS, || {
        format!(
            "the traces span {} buffers (partitions split to fit a {}-byte binding), the kernel binds at most {TRACE_BINDINGS}",
            chunks.len(),
            ctx.limits.max_binding_bytes()
        )
    })?;
    let const_base = values.len() as u32;
    values.extend_from_slice(constant_words(program));
    let public_base = values.len() as u32;
    values.extend_from_slice(as_words(traces.public_values));
    let vmap_base = values.len() as u32;
    let next_stride = match &mode {
        EvalRows::Trace(_) => 1,
        EvalRows::Virtual(v) => {
            values.extend_from_slice(v.partition_bases);
            v.next_stride
        }
    };
    let values = GpuBuffer::from_slice(ctx, "constraint values table", &values)?;

    let mut g = geometry(&ctx.limits, code.slots, options);
    if pieces.chained {
        g = g.all_spilled();
    }
    let longest = pieces.ranges().map(|r| r.len() as u64).max().unwrap_or(0);
    check_loop_iterations(NAME, longest, &ctx.limits)?;
    let wg = g.shape.workgroup_size[0] as u64;
    // Rows per dispatch, whole workgroups: within the per-dispatch work budget (a watchdog never
    // sees a long dispatch), and few enough that their spilled slots fit one binding.
    let scratch_rows = (ctx.limits.max_binding_bytes() / (4 * g.spill_slots.max(1) as u64) / wg * wg).max(wg);
    let rows_per_dispatch = (ctx.limits.max_dispatch_work / longest.max(1)).max(wg).min(scratch_rows).min(count as u64);
    let stride = rows_per_dispatch.div_ceil(wg) * wg;
    let scratch_words = g.spill_slots as u64 * stride;
    require(NAME, scratch_words * 4 <= ctx.limits.max_binding_bytes() && stride <= u32::MAX as u64, || {
        format!(
            "{} spilled slots x {stride} rows need {} bytes of scratch, one binding holds {}; evaluate fewer rows at a time",
            g.spill_slots,
            scratch_words * 4,
            ctx.limits.max_binding_bytes()
        )
    })?;
    let scratch = GpuBuffer::<u32>::uninit(ctx, "constraint scratch", scratch_words.max(1) as usize)?;
    let placeholder;
    if chunks.is_empty() {
        placeholder = GpuBuffer::<u32>::zeroed(ctx, "constraint trace placeholder", 1)?;
        chunks.push(&placeholder.buffer);
    }
    while chunks.len() < TRACE_BINDINGS {
        chunks.push(chunks[0]);
    }
    let params = Params {
        row_start: row_start as u32,
        row_count: 0,
        row_offset: 0,
        total_rows: count as u32,
        height: height as u32,
        pc_start: 0,
        pc_end: 0,
        const_base,
        public_base,
        scratch_stride: stride as u32,
        workgroup_base: 0,
        vmap_base,
        next_stride,
        ..Default::default()
    };
    if let EvalRows::Virtual(v) = &mode {
        // The interpreter reads the virtual columns, not the traces.
        chunks = vec![&v.buffer.buffer; TRACE_BINDINGS];
    }
    let entry = if matches!(mode, EvalRows::Virtual(_)) { "main_virtual" } else { "main" };
    let pipeline = KERNEL.pipeline(ctx, &key_for(&g, entry))?;
    let mut buffers = vec![&code.buffer.buffer, &values.buffer, &out.buffer, &scratch.buffer];
    buffers.extend(chunks);
    // Per block of rows one dispatch per piece, in order (chained pieces pass their slots on
    // through scratch).
    for first in (0..count as u64).step_by(rows_per_dispatch as usize) {
        let rows = (count as u64 - first).min(rows_per_dispatch);
        let parts = split_grid(NAME, rows.div_ceil(wg), ctx.limits.max_workgroups_per_dimension)?;
        for range in pieces.ranges() {
            let p = Params { row_offset: first as u32, row_count: rows as u32, pc_start: range.start, pc_end: range.end, ..params };
            KERNEL.dispatch(ctx, encoder, &pipeline, &parts, &buffers, &p)?;
        }
    }
    drop(buffers);
    keep_buffer(encoder, values);
    keep_buffer(encoder, scratch);
    Ok(())
}

#[cfg(test)]
mod tests {
    use openvm_wgpu_common::limits::reference;

    use super::*;
    use crate::kernels::constraint_eval_ext::constraint_eval_ext;

    #[test]
    fn chained_pieces_keep_every_slot_in_scratch() {
        for (name, l) in reference::all() {
            for slots in [1u32, 40, 1000] {
                let g = constraint_eval(&l, slots, None).all_spilled();
                assert_eq!((g.fast_slots, g.spill_slots, g.fast_words()), (0, slots.max(1), 1), "{name} {slots}");
                assert_eq!(g.shape.workgroup_memory_bytes, 4, "{name}");
                let e = constraint_eval_ext(&l, slots, None).all_spilled();
                assert_eq!((e.fast_slots, e.shape.workgroup_memory_bytes), (0, 16), "{name}");
            }
        }
    }

    #[test]
    fn constraint_eval_keeps_few_slots_in_workgroup_memory_and_spills_the_rest() {
        for (name, l) in reference::all() {
            for slots in [0u32, 1, 3, 17, 64, 65, 1000, u32::MAX] {
                let g = constraint_eval(&l, slots, None);
                assert!(g.shape.fits(&l), "{name} {slots}: {g:?}");
                assert!(g.fast_slots >= 1 && g.fast_slots <= CONSTRAINT_FAST_SLOTS_MAX, "{name} {slots}: {g:?}");
                assert_eq!(g.fast_slots + g.spill_slots, slots.max(g.fast_slots), "{name} {slots}: {g:?}");
                assert_eq!(g.fast_words() * 4, g.shape.workgroup_memory_bytes);
                // Every slot lives somewhere, and nothing spills while fast memory has room.
                assert!(g.fast_slots + g.spill_slots >= slots);
                if g.spill_slots > 0 {
                    assert_eq!(g.fast_slots, constraint_fast_slot_capacity(&l, g.shape.workgroup_size[0]));
                }
                // A maximal workgroup's share of workgroup memory at most.
                let share = (l.max_workgroup_storage_bytes / 4) / l.max_invocations_per_workgroup;
                assert!(g.fast_slots <= share.max(1), "{name} {slots}: {g:?}");
            }
            // A cap forces spilling; the cap is respected.
            let g = constraint_eval(&l, 10, Some(2));
            assert_eq!((g.fast_slots, g.spill_slots), (2, 8), "{name}");
            let g = constraint_eval(&l, 10, Some(0));
            assert_eq!((g.fast_slots, g.spill_slots), (1, 9), "{name}");
        }
        // 4 KiB of workgroup memory and 64 invocations: 16 words each.
        let tiny = DeviceLimits {
            max_invocations_per_workgroup: 64,
            max_workgroup_size_x: 64,
            max_workgroup_storage_bytes: 4096,
            ..reference::webgpu_default()
        };
        let g = constraint_eval(&tiny, 40, None);
        assert_eq!((g.shape.workgroup_size[0], g.fast_slots, g.spill_slots), (64, 16, 24));
        assert_eq!(constraint_eval(&tiny, 5, None).fast_slots, 8);
    }
}

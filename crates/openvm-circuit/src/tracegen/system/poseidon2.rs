//! The Poseidon2 periphery's trace on the GPU (upstream's `Poseidon2PeripheryChip`, AIR
//! `Poseidon2PeripheryAir`): one row per distinct 16-word permutation input, the permutation's
//! columns (p3-poseidon2-air's `generate_trace_rows_for_perm`) and the input's multiplicity;
//! height the next power of two; padding rows the permutation of the zero input with
//! multiplicity 0, as upstream pads.
//!
//! The inputs arrive on the device with duplicates, written by other kernels. They are
//! deduplicated there:
//! 1. `poseidon2_dedup_insert`: every record finds or claims the slot of its value in an
//!    open-addressing hash table of record indices (compare-exchange, keys compared by reading
//!    the immutable records), lowers the slot to the smallest record index of the value (the
//!    value's owner, whatever order the invocations ran in) and counts the multiplicity there;
//! 2. `poseidon2_dedup_owners`: the owner flags, whose exclusive prefix sum ([`scan`]) gives
//!    each owner its row: rows follow the first occurrence of each value, deterministically;
//! 3. `poseidon2_dedup_compact`: each owner lists its slot at its row; the number of distinct
//!    inputs is read back (the one host wait before the trace) to size the trace;
//! 4. `poseidon2_periphery_trace`: one invocation per row.
//!
//! Upstream's row order follows its hash map's iteration, so the traces agree as multisets of
//! rows; the AIR does not constrain the order.

use std::{borrow::Borrow, mem::size_of, num::NonZeroU64};

use openvm_circuit::{
    arch::vm_poseidon2_config,
    system::poseidon2::{columns::Poseidon2PeripheryCols, PERIPHERY_POSEIDON2_WIDTH},
};
use openvm_wgpu_backend::{
    common::{
        kernel::{record_dispatch, require},
        limits::{check_loop_iterations, elementwise, split_grid},
        ColumnMatrix, GpuBuffer, GpuContext, GpuError, GpuResult,
    },
    field::{word, F},
};

use crate::tracegen::{
    kernel::{wgsl, Layout, TraceKernel, TraceParams},
    scan::{self, pipeline, record_elementwise, words},
};

pub const INSERT: TraceKernel = TraceKernel { source: wgsl!("poseidon2_dedup_insert"), layout: input_layout };
pub const OWNERS: TraceKernel = TraceKernel { source: wgsl!("poseidon2_dedup_owners"), layout: Layout::new };
pub const COMPACT: TraceKernel = TraceKernel { source: wgsl!("poseidon2_dedup_compact"), layout: Layout::new };
pub const TRACE: TraceKernel = TraceKernel { source: wgsl!("poseidon2_periphery_trace"), layout: trace_layout };

/// The kernels of this module, for `tracegen::kernels`.
pub const KERNELS: [&TraceKernel; 4] = [&INSERT, &OWNERS, &COMPACT, &TRACE];

/// Words of one permutation input.
const INPUT_WORDS: usize = PERIPHERY_POSEIDON2_WIDTH;

/// Hash-table slots per record, at least: a load factor of at most 1/2 keeps probe sequences short.
const SLOTS_PER_RECORD: usize = 2;

/// Deduplications tried, each with a new hash seed and a table twice as large (where one binding
/// holds it), before a probe sequence longer than the device's loop cap is reported.
const DEDUP_ATTEMPTS: u32 = 3;

/// The trace width for `sbox_registers` S-box registers (0 or 1).
pub fn width(sbox_registers: usize) -> usize {
    if sbox_registers == 0 {
        size_of::<Poseidon2PeripheryCols<u8, 0>>()
    } else {
        size_of::<Poseidon2PeripheryCols<u8, 1>>()
    }
}

fn input_layout() -> Layout {
    Layout::new().constant("INPUT_WORDS", INPUT_WORDS)
}

/// The column of `field`, a part of the row `row` borrowed as a column struct.
fn column<T>(row: &[u32], field: &T) -> usize {
    (field as *const T as usize - row.as_ptr() as usize) / size_of::<u32>()
}

/// The column constants of `Poseidon2PeripheryCols<_, R>` as `COL_S<R>_*`: upstream's struct
/// borrowed over a row, each field's column its distance from the row's start (array elements
/// included, which `offset_of!` cannot name).
fn columns<const R: usize>(layout: Layout) -> Layout {
    let row = vec![0u32; size_of::<Poseidon2PeripheryCols<u8, R>>()];
    let cols: &Poseidon2PeripheryCols<u32, R> = row[..].borrow();
    let p = &cols.inner;
    let (begin, partial) = (&p.beginning_full_rounds, &p.partial_rounds);
    let full = column(&row, &begin[0]);
    let part = column(&row, &partial[0]);
    let name = |n: &str| format!("S{R}_{n}");
    let mut layout = layout
        .col(&name("EXPORT"), column(&row, &p.export))
        .col(&name("INPUTS"), column(&row, &p.inputs[0]))
        .col(&name("BEGIN"), full)
        .col(&name("FULL_ROUND"), column(&row, &begin[1]) - full)
        .col(&name("FULL_POST"), column(&row, &begin[0].post[0]) - full)
        .col(&name("PARTIAL"), part)
        .col(&name("PARTIAL_ROUND"), column(&row, &partial[1]) - part)
        .col(&name("PARTIAL_POST_SBOX"), column(&row, &partial[0].post_sbox) - part)
        .col(&name("END"), column(&row, &p.ending_full_rounds[0]))
        .col(&name("MULT"), column(&row, &cols.mult));
    if R == 1 {
        let sbox = &begin[0].sbox;
        layout = layout
            .col(&name("FULL_SBOX"), column(&row, &sbox[0]) - full)
            .col(&name("SBOX_STRIDE"), column(&row, &sbox[1]) - column(&row, &sbox[0]))
            .col(&name("PARTIAL_SBOX"), column(&row, &partial[0].sbox) - part);
    }
    layout
}

/// Both register counts' columns, the round counts and OpenVM's round constants (Montgomery
/// words): the beginning full rounds then the ending ones, and the partial rounds.
fn trace_layout() -> Layout {
    let c = vm_poseidon2_config::<F>().constants;
    let full: Vec<u32> =
        c.beginning_full_round_constants.iter().chain(&c.ending_full_round_constants).flatten().map(|&x| word(x)).collect();
    let partial: Vec<u32> = c.partial_round_constants.iter().map(|&x| word(x)).collect();
    columns::<1>(columns::<0>(input_layout()))
        .constant("HALF_FULL_ROUNDS", c.beginning_full_round_constants.len())
        .constant("PARTIAL_ROUNDS", partial.len())
        .words("P2_FULL_RC", &full)
        .words("P2_PARTIAL_RC", &partial)
}

/// Loop iterations of one trace invocation: the input read and written, the full rounds (S-boxes,
/// then the state written) and the partial rounds.
fn trace_loop_iterations() -> u64 {
    let c = vm_poseidon2_config::<F>().constants;
    let full = 2 * c.beginning_full_round_constants.len() as u64;
    (2 + 2 * full) * INPUT_WORDS as u64 + c.partial_round_constants.len() as u64
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct InsertParams {
    count: u32,
    mask: u32,
    max_probes: u32,
    seed: u32,
    workgroup_base: u32,
}

/// `Params` of the owner and compaction kernels.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct RecordsParams {
    count: u32,
    workgroup_base: u32,
}

/// The distinct inputs: row r's value is in hash-table slot `rows[r]`, whose entry is 1 + its
/// owner's record index; `mult` holds each slot's multiplicity.
struct Distinct {
    table: GpuBuffer<u32>,
    mult: GpuBuffer<u32>,
    rows: GpuBuffer<u32>,
    count: usize,
}

/// A buffer of `bytes` bound whole must fit one storage binding.
fn fits_binding(ctx: &GpuContext, op: &str, bytes: u64) -> GpuResult<()> {
    let available = ctx.limits.max_binding_bytes();
    if bytes > available {
        return Err(GpuError::BufferTooLarge { op: op.to_string(), needed: bytes, available });
    }
    Ok(())
}

/// The first `count` inputs of `inputs`, bound as one range.
fn input_binding(inputs: &GpuBuffer<u32>, count: usize) -> wgpu::BindingResource<'_> {
    wgpu::BindingResource::Buffer(wgpu::BufferBinding {
        buffer: &inputs.buffer,
        offset: 0,
        size: NonZeroU64::new((count * INPUT_WORDS * size_of::<u32>()) as u64),
    })
}

fn deduplicate(ctx: &GpuContext, inputs: &GpuBuffer<u32>, count: usize) -> GpuResult<Distinct> {
    let op = INSERT.name();
    let mut slots = (SLOTS_PER_RECORD * count).next_power_of_two();
    // The hash's loop, then per probe the comparison's loop and the probe's own iteration.
    let per_probe = INPUT_WORDS as u32 + 1;
    let probe_budget = ctx.limits.max_loop_iterations.saturating_sub(INPUT_WORDS as u32) / per_probe;
    require(op, probe_budget > 0, || format!("the device's loop cap ({}) leaves no hash-table probe", ctx.limits.max_loop_iterations))?;
    let mut failed = 0;
    fits_binding(ctx, op, (slots * size_of::<u32>()) as u64)?;
    for attempt in 0..DEDUP_ATTEMPTS {
        let max_probes = probe_budget.min(slots.min(u32::MAX as usize) as u32);
        check_loop_iterations(op, INPUT_WORDS as u64 + (per_probe * max_probes) as u64, &ctx.limits)?;
        let table = GpuBuffer::<u32>::uninit(ctx, op, slots)?;
        let mult = GpuBuffer::<u32>::uninit(ctx, op, slots)?;
        let slot_of = GpuBuffer::<u32>::uninit(ctx, op, count)?;
        let row_of = GpuBuffer::<u32>::uninit(ctx, op, count)?;
        let rows = GpuBuffer::<u32>::uninit(ctx, op, count)?;
        let status = GpuBuffer::<u32>::uninit(ctx, op, 2)?;
        let mut encoder = ctx.encoder(op);
        for b in [&table, &mult, &status] {
            encoder.clear_buffer(&b.buffer, 0, None);
        }
        let n = count as u32;
        let insert = pipeline(ctx, &INSERT, &[])?;
        let buffers = [
            input_binding(inputs, count),
            table.buffer.as_entire_binding(),
            mult.buffer.as_entire_binding(),
            slot_of.buffer.as_entire_binding(),
            status.buffer.as_entire_binding(),
        ];
        // Seeds from the golden ratio's bits: a different hash for every attempt.
        let seed = attempt.wrapping_mul(0x9e37_79b9);
        record_elementwise(ctx, &mut encoder, &INSERT, &insert, count, &buffers, |base| {
            words(InsertParams { count: n, mask: (slots - 1) as u32, max_probes, seed, workgroup_base: base })
        })?;
        let owners = pipeline(ctx, &OWNERS, &[])?;
        let buffers = [table.buffer.as_entire_binding(), slot_of.buffer.as_entire_binding(), row_of.buffer.as_entire_binding()];
        record_elementwise(ctx, &mut encoder, &OWNERS, &owners, count, &buffers, |base| {
            words(RecordsParams { count: n, workgroup_base: base })
        })?;
        let sums = scan::record_exclusive_prefix_sum(ctx, &mut encoder, &row_of, count)?;
        let compact = pipeline(ctx, &COMPACT, &[])?;
        let buffers = [
            table.buffer.as_entire_binding(),
            slot_of.buffer.as_entire_binding(),
            row_of.buffer.as_entire_binding(),
            rows.buffer.as_entire_binding(),
            status.buffer.as_entire_binding(),
        ];
        record_elementwise(ctx, &mut encoder, &COMPACT, &compact, count, &buffers, |base| {
            words(RecordsParams { count: n, workgroup_base: base })
        })?;
        let read = status.submit_and_read(ctx, op, encoder, 0..2)?;
        drop(sums);
        let (distinct, unplaced) = (read[0] as usize, read[1]);
        if unplaced == 0 {
            require(op, (1..=count).contains(&distinct), || format!("{distinct} distinct inputs among {count}"))?;
            return Ok(Distinct { table, mult, rows, count: distinct });
        }
        failed = unplaced;
        if 2 * slots * size_of::<u32>() <= ctx.limits.max_binding_bytes() as usize {
            slots *= 2;
        }
    }
    Err(GpuError::Internal {
        op: op.to_string(),
        message: format!(
            "{failed} of {count} inputs found no hash-table slot within {probe_budget} probes in {DEDUP_ATTEMPTS} attempts \
             (the device's loop cap bounds the probes)"
        ),
    })
}

/// The Poseidon2 periphery's trace from `count` permutation inputs (16 Montgomery words each,
/// back to back, duplicates included) in `inputs`: one row per distinct input, in the order of
/// first occurrence, rows past them padding; height the next power of two of the distinct
/// inputs, 0 when `count` is 0 (upstream's empty trace). `sbox_registers` (0 or 1) is the AIR's
/// (upstream picks 0 when the system's `max_constraint_degree` is at least 7, else 1).
pub fn periphery_trace(ctx: &GpuContext, inputs: &GpuBuffer<u32>, count: usize, sbox_registers: usize) -> GpuResult<ColumnMatrix> {
    let op = TRACE.name();
    require(op, sbox_registers <= 1, || format!("{sbox_registers} S-box registers (the AIR has 0 or 1)"))?;
    require(op, count.checked_mul(INPUT_WORDS).is_some_and(|w| w <= inputs.len()), || {
        format!("{count} inputs of {INPUT_WORDS} words in a buffer of {} words", inputs.len())
    })?;
    let width = width(sbox_registers);
    if count == 0 {
        return ColumnMatrix::zeroed(ctx, op, 0, width);
    }
    fits_binding(ctx, INSERT.name(), (count * INPUT_WORDS * size_of::<u32>()) as u64)?;
    require(op, count < (u32::MAX / 4) as usize, || format!("{count} inputs exceed the kernels' u32 indices"))?;
    let distinct = deduplicate(ctx, inputs, count)?;
    let height = distinct.count.next_power_of_two();
    check_loop_iterations(op, trace_loop_iterations(), &ctx.limits)?;
    // Every cell of every row is written.
    let trace = ColumnMatrix::uninit(ctx, op, height, width)?;
    let pipeline = pipeline(ctx, &TRACE, &[("SBOX_REGISTERS", sbox_registers as u32)])?;
    let wg = elementwise(&ctx.limits).workgroup_size[0] as u64;
    let parts = split_grid(op, (height as u64).div_ceil(wg), ctx.limits.max_workgroups_per_dimension)?;
    let mut encoder = ctx.encoder(op);
    ctx.scoped(op, || {
        for (c, chunk) in trace.chunks.iter().enumerate() {
            for part in &parts {
                let params = TraceParams {
                    height: height as u32,
                    records: distinct.count as u32,
                    first_column: (c * trace.columns_per_chunk) as u32,
                    columns: trace.chunk_columns(c) as u32,
                    workgroup_base: part.base,
                    ..Default::default()
                };
                let uniform = ctx.params(&mut encoder, &words(params));
                let bindings = [
                    input_binding(inputs, count),
                    chunk.buffer.as_entire_binding(),
                    distinct.rows.buffer.as_entire_binding(),
                    distinct.table.buffer.as_entire_binding(),
                    distinct.mult.buffer.as_entire_binding(),
                    uniform.binding(),
                ];
                record_dispatch(ctx, &mut encoder, op, &pipeline, &bindings, part.grid);
            }
        }
    })?;
    ctx.submit(op, encoder)?;
    Ok(trace)
}

//! Host side of shaders/zerocheck_round0_expand.wgsl: the virtual columns of zerocheck round 0
//! (every trace variable and selector an AIR's program reads, interpolated on each block of
//! 2^l_skip rows and evaluated at the points of the skip domain's cosets), which
//! `constraint_eval`'s virtual-row entry point reads.

use openvm_wgpu_common::{kernel::require, ColumnMatrix, GpuBuffer, GpuContext, GpuResult};

use super::{constraint_eval::TRACE_BINDINGS, Elementwise};
use crate::{
    constraints::{ConstraintTraces, VirtualLayout},
    field::{as_words, F},
};

pub const NAME: &str = "zerocheck_round0_expand";
pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("zerocheck_round0_expand"));

kernel_params! {
    pub struct Params {
        /// Virtual columns times virtual rows: one invocation each.
        total: u32,
        rows: u32,
        points: u32,
        log_skip: u32,
        block_start: u32,
        height: u32,
        lagrange_base: u32,
        workgroup_base: u32,
        /// First virtual column of this dispatch.
        column_start: u32,
        _pad0: u32,
        _pad1: u32,
        _pad2: u32,
    }
}

/// A chunk of virtual rows: blocks `blocks` (of 2^log_skip rows) times `points` points, with the
/// Lagrange table `lagrange[p * 2^log_skip + k]` of the skip domain at the points.
pub struct ExpandRows<'a> {
    pub blocks: std::ops::Range<usize>,
    pub log_skip: u32,
    pub points: usize,
    pub lagrange: &'a [F],
}

/// Records the expansion of `traces` (all of height `height`) into `out`: `layout.columns()`
/// columns of `blocks.len() * points` rows, column-major.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    traces: &ConstraintTraces<'_>,
    layout: &VirtualLayout,
    descs: &GpuBuffer<u32>,
    rows: &ExpandRows<'_>,
    out: &GpuBuffer<u32>,
) -> GpuResult<()> {
    let parts: Vec<Option<&ColumnMatrix>> = std::iter::once(traces.preprocessed).chain(traces.mains.iter().map(|m| Some(*m))).collect();
    let height = parts.iter().flatten().map(|m| m.height).next().unwrap_or(0);
    require(NAME, height.is_power_of_two() && height <= u32::MAX as usize, || format!("traces of height {height}"))?;
    let n = 1usize << rows.log_skip;
    require(NAME, rows.blocks.end * n <= height.max(n), || format!("blocks {:?} outside a lifted trace of {height} rows", rows.blocks))?;
    require(NAME, rows.lagrange.len() == rows.points * n && rows.points > 0, || "Lagrange table and points disagree".to_string())?;
    require(NAME, descs.len() >= layout.columns(), || "descriptor buffer too short".to_string())?;
    let count = rows.blocks.len() * rows.points;
    let total = layout.columns() as u64 * count as u64;
    require(NAME, total <= out.len() as u64 && total <= u32::MAX as u64, || {
        format!("{} virtual columns x {count} rows exceed the output buffer's {} words or 32 bits", layout.columns(), out.len())
    })?;
    if total == 0 {
        return Ok(());
    }
    for group in dispatch_groups(&parts, layout) {
        // Partition table of this dispatch: per partition the binding of its chunk 0 (wrapping:
        // that chunk may be bound by another dispatch; the kernel adds column / per_chunk) and
        // its columns per chunk.
        let mut values: Vec<u32> = Vec::new();
        for (p, m) in parts.iter().enumerate() {
            match (m, group.first_chunk.get(p).copied().flatten()) {
                (Some(m), Some((binding, chunk))) => values.extend([binding.wrapping_sub(chunk), m.columns_per_chunk as u32]),
                _ => values.extend([0, 1]),
            }
        }
        let lagrange_base = values.len() as u32;
        values.extend_from_slice(as_words(rows.lagrange));
        let values = GpuBuffer::from_slice(ctx, "round0 expand table", &values)?;
        let placeholder;
        let mut chunks = group.buffers;
        if chunks.is_empty() {
            placeholder = GpuBuffer::<u32>::zeroed(ctx, "round0 trace placeholder", 1)?;
            chunks.push(&placeholder.buffer);
        }
        while chunks.len() < TRACE_BINDINGS {
            chunks.push(chunks[0]);
        }
        let total = (group.columns.len() * count) as u64;
        let params = Params {
            total: total as u32,
            rows: count as u32,
            points: rows.points as u32,
            log_skip: rows.log_skip,
            block_start: rows.blocks.start as u32,
            height: height as u32,
            lagrange_base,
            column_start: group.columns.start as u32,
            ..Default::default()
        };
        let mut buffers = vec![&values.buffer, &descs.buffer, &out.buffer];
        buffers.extend(chunks);
        // An invocation interpolates over the 2^log_skip rows of its block.
        openvm_wgpu_common::limits::check_loop_iterations(NAME, 1u64 << rows.log_skip, &ctx.limits)?;
        KERNEL.record(ctx, encoder, total, &buffers, &params)?;
    }
    Ok(())
}

/// Virtual columns whose trace chunks fit the kernel's bindings.
struct DispatchGroup<'a> {
    columns: std::ops::Range<usize>,
    buffers: Vec<&'a wgpu::Buffer>,
    /// Per partition: (binding, chunk index) of its first chunk bound here.
    first_chunk: Vec<Option<(u32, u32)>>,
}

/// Splits the virtual columns into consecutive ranges, each reading at most [`TRACE_BINDINGS`]
/// trace chunk buffers: the selectors, then per partition each chunk's columns (this and next
/// row), in the layout's order.
fn dispatch_groups<'a>(parts: &[Option<&'a ColumnMatrix>], layout: &VirtualLayout) -> Vec<DispatchGroup<'a>> {
    let new_group = |start: usize| DispatchGroup { columns: start..start, buffers: Vec::new(), first_chunk: vec![None; parts.len()] };
    let mut groups = vec![new_group(0)];
    groups[0].columns.end = 3;
    let stride = layout.next_stride as usize;
    for (p, &base) in layout.partition_bases.iter().enumerate() {
        let end = layout.partition_bases.get(p + 1).map_or(layout.columns(), |&b| b as usize);
        let Some(Some(m)) = parts.get(p) else { continue };
        let mut column = base as usize;
        for (k, chunk) in m.chunks.iter().enumerate() {
            let chunk_end = (base as usize + (k + 1) * m.columns_per_chunk * stride).min(end);
            if column >= chunk_end {
                break;
            }
            let g = groups.last_mut().expect("one group at least");
            if g.buffers.len() == TRACE_BINDINGS {
                let next = new_group(g.columns.end);
                groups.push(next);
            }
            let g = groups.last_mut().expect("one group at least");
            g.first_chunk[p].get_or_insert((g.buffers.len() as u32, k as u32));
            g.buffers.push(&chunk.buffer);
            g.columns.end = chunk_end;
            column = chunk_end;
        }
    }
    groups
}

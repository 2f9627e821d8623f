//! Host side of shaders/zerocheck_round0_expand.wgsl: the virtual columns of zerocheck round 0
//! (every trace variable and selector an AIR's program reads, interpolated on each block of
//! 2^l_skip rows and evaluated at the points of the skip domain's cosets), which
//! `constraint_eval`'s virtual-row entry point reads.

use openvm_wgpu_common::{kernel::require, ColumnMatrix, GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;
use crate::{
    constraint_program::{ConstraintProgram, ConstraintTraces, Operand},
    field::{as_words, F},
};

pub const NAME: &str = "zerocheck_round0_expand";
pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("zerocheck_round0_expand"));

/// Storage bindings for trace column chunks.
pub const TRACE_BINDINGS: usize = 4;

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
    }
}

/// The virtual columns of a program: selectors first (columns 0, 1, 2: is_first_row,
/// is_last_row, is_transition, the operand kinds' order), then per partition `p` its columns
/// `c < partition_columns[p]`, each this row (and, when the program reads next rows, the next
/// row) at `base[p] + c * next_stride + offset`.
#[derive(Clone, Debug)]
pub struct VirtualLayout {
    /// Operand word of each virtual column.
    pub descs: Vec<u32>,
    /// First virtual column of each partition.
    pub partition_bases: Vec<u32>,
    pub next_stride: u32,
}

impl VirtualLayout {
    pub fn of(program: &ConstraintProgram) -> Self {
        let next_stride = 1 + program.needs_next as u32;
        let mut descs: Vec<u32> = [Operand::IsFirstRow, Operand::IsLastRow, Operand::IsTransition].map(Operand::encode).to_vec();
        let mut partition_bases = Vec::with_capacity(program.partition_columns.len());
        for (p, &width) in program.partition_columns.iter().enumerate() {
            partition_bases.push(descs.len() as u32);
            for column in 0..width as u32 {
                for next in 0..next_stride {
                    descs.push(Operand::Variable { partition: p as u32, next: next == 1, column }.encode());
                }
            }
        }
        VirtualLayout { descs, partition_bases, next_stride }
    }

    pub fn columns(&self) -> usize {
        self.descs.len()
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
    require(NAME, height > 0 && height <= u32::MAX as usize, || format!("traces of height {height}"))?;
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
    let mut chunks: Vec<&wgpu::Buffer> = Vec::new();
    let mut values: Vec<u32> = Vec::new();
    for (p, m) in parts.iter().enumerate() {
        match m {
            Some(m) if m.width > 0 => {
                require(NAME, m.height == height, || format!("partition {p} has height {}, another {height}", m.height))?;
                values.extend([chunks.len() as u32, m.columns_per_chunk as u32]);
                chunks.extend(m.chunks.iter().map(|c| &c.buffer));
            }
            _ => values.extend([0, 1]),
        }
    }
    require(NAME, chunks.len() <= TRACE_BINDINGS, || {
        format!("the traces span {} buffers, the kernel binds at most {TRACE_BINDINGS}", chunks.len())
    })?;
    let lagrange_base = values.len() as u32;
    values.extend_from_slice(as_words(rows.lagrange));
    let values = GpuBuffer::from_slice(ctx, "round0 expand table", &values)?;
    let placeholder;
    if chunks.is_empty() {
        placeholder = GpuBuffer::<u32>::zeroed(ctx, "round0 trace placeholder", 1)?;
        chunks.push(&placeholder.buffer);
    }
    while chunks.len() < TRACE_BINDINGS {
        chunks.push(chunks[0]);
    }
    let params = Params {
        total: total as u32,
        rows: count as u32,
        points: rows.points as u32,
        log_skip: rows.log_skip,
        block_start: rows.blocks.start as u32,
        height: height as u32,
        lagrange_base,
        workgroup_base: 0,
    };
    let mut buffers = vec![&values.buffer, &descs.buffer, &out.buffer];
    buffers.extend(chunks);
    KERNEL.record(ctx, encoder, total, &buffers, &params)
}

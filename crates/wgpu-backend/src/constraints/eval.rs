//! The evaluation driver: runs a device program on trace rows (the interpreter directly on the
//! traces' column chunks, or on gathered virtual columns when the traces span more buffers
//! than the interpreter binds) and reads the outputs back.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuEncoder, GpuError, GpuResult};
use p3_field::PrimeCharacteristicRing;

use super::device_program::{ConstraintTraces, DeviceConstraintProgram, EvalOptions, VirtualLayout};
use crate::{
    field::F,
    kernels::{
        constraint_eval,
        zerocheck_round0_expand::{self, ExpandRows},
    },
};

/// Every output of a program on rows `row_start .. row_start + rows`: `values[o * rows + i]` is
/// output `o` on row `row_start + i` (output-major).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConstraintValues {
    pub row_start: usize,
    pub rows: usize,
    pub values: Vec<F>,
}

impl ConstraintValues {
    /// Output `output` on row `row` (an absolute row index).
    pub fn get(&self, output: usize, row: usize) -> F {
        self.values[output * self.rows + (row - self.row_start)]
    }
}

impl DeviceConstraintProgram {
    /// Evaluates every output on rows `rows` (a range of the traces' rows) into `out`
    /// (output-major, see [`ConstraintValues`]), and waits for the GPU.
    pub fn evaluate_into(
        &self,
        ctx: &GpuContext,
        traces: &ConstraintTraces<'_>,
        rows: std::ops::Range<usize>,
        out: &GpuBuffer<u32>,
        options: EvalOptions,
    ) -> GpuResult<()> {
        let mut enc = ctx.encoder("constraint_eval");
        self.record_into(ctx, traces, rows, out, options, &mut enc)?;
        ctx.submit_and_wait("constraint_eval", enc)
    }

    /// Records [`DeviceConstraintProgram::evaluate_into`] into `encoder` without waiting; the
    /// encoder keeps the buffers it made until its submission completes.
    pub fn record_into(
        &self,
        ctx: &GpuContext,
        traces: &ConstraintTraces<'_>,
        rows: std::ops::Range<usize>,
        out: &GpuBuffer<u32>,
        options: EvalOptions,
        encoder: &mut GpuEncoder,
    ) -> GpuResult<()> {
        if traces.buffers() <= constraint_eval::TRACE_BINDINGS {
            return constraint_eval::record_mode(ctx, self, traces, constraint_eval::EvalRows::Trace(rows), out, options, encoder);
        }
        // More trace buffers than the interpreter binds: gather the rows' variables (this and
        // next row) and selectors into virtual columns first (the round-0 expansion with one
        // point per block of one row), then run on those.
        let layout = VirtualLayout::of(&self.program);
        let words = layout.columns() * rows.len();
        if (words as u64) * 4 > ctx.limits.max_binding_bytes() {
            return Err(GpuError::BufferTooLarge {
                op: format!("constraint_eval: {} gathered columns of {} rows", layout.columns(), rows.len()),
                needed: words as u64 * 4,
                available: ctx.limits.max_binding_bytes(),
            });
        }
        let gathered = GpuBuffer::<u32>::uninit(ctx, "gathered trace columns", words.max(1))?;
        let descs = GpuBuffer::from_slice(ctx, "gathered column descriptors", &layout.descs)?;
        let expand = ExpandRows { blocks: rows.clone(), log_skip: 0, points: 1, lagrange: &[F::ONE] };
        zerocheck_round0_expand::record(ctx, encoder, traces, &layout, &descs, &expand, &gathered)?;
        let virtual_rows = constraint_eval::VirtualRows {
            buffer: &gathered,
            rows: rows.len(),
            partition_bases: &layout.partition_bases,
            next_stride: layout.next_stride,
        };
        self.record_virtual_into(ctx, traces, virtual_rows, out, options, encoder)?;
        constraint_eval::keep_buffer(encoder, gathered);
        constraint_eval::keep_buffer(encoder, descs);
        Ok(())
    }

    /// Records the evaluation of every output on virtual rows (zerocheck round 0: points of the
    /// skip domain's cosets, see [`constraint_eval::VirtualRows`]) into `out`, output-major over
    /// the rows, without waiting; the encoder keeps the buffers it made until its submission
    /// completes.
    pub fn record_virtual_into(
        &self,
        ctx: &GpuContext,
        traces: &ConstraintTraces<'_>,
        rows: constraint_eval::VirtualRows<'_>,
        out: &GpuBuffer<u32>,
        options: EvalOptions,
        encoder: &mut GpuEncoder,
    ) -> GpuResult<()> {
        constraint_eval::record_mode(ctx, self, traces, constraint_eval::EvalRows::Virtual(rows), out, options, encoder)
    }

    /// Evaluates every output on rows `rows` and reads the values back.
    pub fn evaluate(
        &self,
        ctx: &GpuContext,
        traces: &ConstraintTraces<'_>,
        rows: std::ops::Range<usize>,
        options: EvalOptions,
    ) -> GpuResult<ConstraintValues> {
        let count = rows.len();
        let len = (self.program.num_outputs * count).max(1);
        let out = GpuBuffer::<u32>::uninit(ctx, "constraint values", len)?;
        self.evaluate_into(ctx, traces, rows.clone(), &out, options)?;
        let words = out.read(ctx)?;
        let words = &words[..self.program.num_outputs * count];
        Ok(ConstraintValues { row_start: rows.start, rows: count, values: crate::field::from_words(words.to_vec())? })
    }
}

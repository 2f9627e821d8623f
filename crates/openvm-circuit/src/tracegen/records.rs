//! Where upstream's dense record arena puts a record's parts, and the GPU chips whose records
//! are all one size (every RV32IM chip but the hint store).

use std::{
    mem::{align_of, size_of},
    sync::Arc,
};

use openvm_circuit::arch::DenseRecordArena;
use openvm_circuit_primitives::Chip;
use openvm_stark_backend::prover::AirProvingContext;
use openvm_wgpu_backend::{backend::WgpuBackend, backend::WgpuMatrix, device::transport_row_major_matrix, GpuContext};
use p3_matrix::dense::RowMajorMatrix;

use super::{
    kernel::{resident, TraceJob, TraceKernel, TraceParams},
    lookups::{Lookups, Table},
};

/// Byte offset of the core record and bytes of one record, for an (adapter `A`, core `C`)
/// record as `DenseRecordArena` allocates it for an `AdapterCoreLayout` (upstream's
/// `get_aligned_sizes`: the adapter padded to the core's alignment, the whole to the adapter's).
pub const fn adapter_core_record<A, C>() -> (usize, usize) {
    let core_at = size_of::<A>().next_multiple_of(align_of::<C>());
    (core_at, (core_at + size_of::<C>()).next_multiple_of(align_of::<A>()))
}

/// The trace of an arena without records: no rows.
pub fn empty_trace(ctx: &GpuContext, width: usize) -> AirProvingContext<WgpuBackend> {
    AirProvingContext::simple_no_pis(transport_row_major_matrix(ctx, &RowMajorMatrix::new(Vec::new(), width)))
}

/// A chip with one row per fixed-size record: its kernel, its record's bytes (as the dense
/// arena lays it out), its trace width and the tables its kernel counts into.
pub struct FixedRecords {
    pub kernel: TraceKernel,
    pub record_bytes: usize,
    pub width: usize,
    pub tables: &'static [Table],
}

/// The GPU chip of a [`FixedRecords`] description, with the lookup tables of its chip complex
/// and the constants every kernel reads (range-checker, timestamp and pointer bits, the
/// range-tuple sizes).
pub struct FixedRecordChip {
    pub chip: &'static FixedRecords,
    pub lookups: Arc<Lookups>,
    pub params: TraceParams,
    pub ctx: Arc<GpuContext>,
}

impl Chip<DenseRecordArena, WgpuBackend> for FixedRecordChip {
    /// One row per record, `height` the next power of two of the record count, rows past the
    /// records zero.
    fn generate_proving_ctx(&self, arena: DenseRecordArena) -> AirProvingContext<WgpuBackend> {
        let c = self.chip;
        let records = arena.allocated();
        if records.is_empty() {
            return empty_trace(&self.ctx, c.width);
        }
        let height = (records.len() / c.record_bytes).next_power_of_two();
        let made = self.lookups.bindings(c.kernel.name(), c.tables).and_then(|bindings| {
            let job = TraceJob { height, width: c.width, bindings: &bindings, params: self.params };
            c.kernel.run_records(&self.ctx, records, c.record_bytes, job)
        });
        AirProvingContext::simple_no_pis(WgpuMatrix::on_device(height, c.width, resident(made)))
    }
}

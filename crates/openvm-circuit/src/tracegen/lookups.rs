//! The lookup tables every chip counts into: the variable range checker, the byte bitwise
//! lookup and the range-tuple checker. GPU chips add to device counts with 32-bit atomics; chips
//! still on the CPU (and the system chips) add to upstream's CPU chip of the same table. A
//! table's trace is made on the device from both counts; then both are reset, as upstream's
//! `generate_trace` resets its counters.

use std::{
    borrow::Borrow,
    sync::{
        atomic::{AtomicU32, Ordering},
        Arc,
    },
};

use openvm_circuit_primitives::{
    bitwise_op_lookup::BitwiseOperationLookupChip, range_tuple::RangeTupleCheckerChip, var_range::VariableRangeCheckerChip, Chip,
};
use openvm_cpu_backend::CpuBackend;
use openvm_stark_backend::prover::AirProvingContext;
use openvm_wgpu_backend::{
    backend::WgpuBackend,
    backend::WgpuMatrix,
    common::{GpuBuffer, GpuContext, GpuError, GpuResult},
    device::SC,
};

use super::kernel::{resident, wgsl, Layout, Piece, TraceJob, TraceKernel, TraceParams};

pub const KERNEL: TraceKernel = TraceKernel { source: wgsl!("lookup_table_trace"), layout: Layout::new };

/// A lookup table. A chip's kernel binds the tables it counts into after the records and the
/// trace, in the order its description lists them; the discriminant is the table's kind in
/// `lookup_table_trace` (its `record_words` parameter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    VariableRange = 0,
    Bitwise = 1,
    RangeTuple = 2,
}

/// Device counts, or why they could not be allocated (reported by every trace that needs them).
pub type Counts = Result<GpuBuffer<u32>, Arc<GpuError>>;

fn zeroed_counts(ctx: &GpuContext, op: &str, len: usize) -> Counts {
    GpuBuffer::zeroed(ctx, op, len).map_err(Arc::new)
}

/// The counts a GPU chip binds, or the error to put in its trace's place.
pub fn counts(c: &Counts) -> Result<&GpuBuffer<u32>, Arc<GpuError>> {
    c.as_ref().map_err(Arc::clone)
}

/// Takes and resets a CPU chip's counters.
fn take<C: Borrow<AtomicU32>>(counters: &[C]) -> Vec<u32> {
    counters.iter().map(|c| c.borrow().swap(0, Ordering::Relaxed)).collect()
}

fn table_trace(
    ctx: &GpuContext,
    table: Table,
    device: &Counts,
    host: Vec<u32>,
    rows: usize,
    width: usize,
    params: TraceParams,
) -> AirProvingContext<WgpuBackend> {
    let made = (|| -> GpuResult<_> {
        let device = device.as_ref().map_err(|e| GpuError::invalid("lookup_table_trace", e.to_string()))?;
        let op = KERNEL.name();
        let input = GpuBuffer::from_slice(ctx, op, &host)?;
        let job = TraceJob { height: rows, width, bindings: &[device], params: TraceParams { record_words: table as u32, ..params } };
        let mut encoder = ctx.encoder(op);
        let trace = KERNEL.record_pieces(ctx, &mut encoder, &[Piece { input, bindings: Vec::new(), first_row: 0, rows }], &job)?;
        // The device counts start again from zero for the next segment, in the same submission.
        encoder.clear_buffer(&device.buffer, 0, None);
        ctx.submit(op, encoder)?;
        Ok(trace)
    })();
    AirProvingContext::simple_no_pis(WgpuMatrix::on_device(rows, width, resident(made)))
}

/// The variable range checker: upstream's CPU chip and the device counts
/// (2^(range_max_bits + 1) entries, indexed as upstream indexes them).
pub struct VariableRangeCheckerWgpu {
    pub cpu: Arc<VariableRangeCheckerChip>,
    pub counts: Counts,
    pub ctx: Arc<GpuContext>,
}

impl VariableRangeCheckerWgpu {
    pub fn new(cpu: Arc<VariableRangeCheckerChip>, ctx: Arc<GpuContext>) -> Self {
        let counts = zeroed_counts(&ctx, "variable_range_counts", cpu.count.len());
        Self { cpu, counts, ctx }
    }

    pub fn range_max_bits(&self) -> u32 {
        self.cpu.range_max_bits() as u32
    }
}

impl<RA> Chip<RA, WgpuBackend> for VariableRangeCheckerWgpu {
    fn constant_trace_height(&self) -> Option<usize> {
        Chip::<RA, CpuBackend<SC>>::constant_trace_height(&*self.cpu)
    }

    fn generate_proving_ctx(&self, _: RA) -> AirProvingContext<WgpuBackend> {
        let params = TraceParams { range_max_bits: self.range_max_bits(), ..Default::default() };
        table_trace(&self.ctx, Table::VariableRange, &self.counts, take(&self.cpu.count), self.cpu.count.len(), 4, params)
    }
}

/// The byte bitwise-operation lookup: upstream's CPU chip and the device counts (range
/// requests, then XOR requests, 2^16 each).
pub struct BitwiseLookupWgpu {
    pub cpu: Arc<BitwiseOperationLookupChip<8>>,
    pub counts: Counts,
    pub ctx: Arc<GpuContext>,
}

impl BitwiseLookupWgpu {
    pub fn new(cpu: Arc<BitwiseOperationLookupChip<8>>, ctx: Arc<GpuContext>) -> Self {
        let counts = zeroed_counts(&ctx, "bitwise_lookup_counts", 2 << 16);
        Self { cpu, counts, ctx }
    }
}

impl<RA> Chip<RA, WgpuBackend> for BitwiseLookupWgpu {
    fn constant_trace_height(&self) -> Option<usize> {
        Chip::<RA, CpuBackend<SC>>::constant_trace_height(&*self.cpu)
    }

    fn generate_proving_ctx(&self, _: RA) -> AirProvingContext<WgpuBackend> {
        let mut host = take(&self.cpu.count_range);
        host.extend(take(&self.cpu.count_xor));
        table_trace(&self.ctx, Table::Bitwise, &self.counts, host, 1 << 16, 18, TraceParams::default())
    }
}

/// The range-tuple checker of two dimensions: upstream's CPU chip and the device counts.
pub struct RangeTupleCheckerWgpu {
    pub cpu: Arc<RangeTupleCheckerChip<2>>,
    pub counts: Counts,
    pub ctx: Arc<GpuContext>,
}

impl RangeTupleCheckerWgpu {
    pub fn new(cpu: Arc<RangeTupleCheckerChip<2>>, ctx: Arc<GpuContext>) -> Self {
        let counts = zeroed_counts(&ctx, "range_tuple_counts", cpu.count.len());
        Self { cpu, counts, ctx }
    }

    pub fn sizes(&self) -> [u32; 2] {
        *self.cpu.sizes()
    }
}

impl<RA> Chip<RA, WgpuBackend> for RangeTupleCheckerWgpu {
    fn constant_trace_height(&self) -> Option<usize> {
        Chip::<RA, CpuBackend<SC>>::constant_trace_height(&*self.cpu)
    }

    fn generate_proving_ctx(&self, _: RA) -> AirProvingContext<WgpuBackend> {
        let [tuple_size0, tuple_size1] = self.sizes();
        let params = TraceParams { tuple_size0, tuple_size1, ..Default::default() };
        table_trace(&self.ctx, Table::RangeTuple, &self.counts, take(&self.cpu.count), self.cpu.count.len(), 3, params)
    }
}

/// The tables the GPU chips of one chip complex count into.
pub struct Lookups {
    pub range: Arc<VariableRangeCheckerWgpu>,
    pub bitwise: Option<Arc<BitwiseLookupWgpu>>,
    pub range_tuple: Option<Arc<RangeTupleCheckerWgpu>>,
}

impl Lookups {
    /// The device counts of `table`, if the chip complex has it.
    pub fn counts(&self, table: Table) -> Option<&Counts> {
        match table {
            Table::VariableRange => Some(&self.range.counts),
            Table::Bitwise => self.bitwise.as_ref().map(|b| &b.counts),
            Table::RangeTuple => self.range_tuple.as_ref().map(|t| &t.counts),
        }
    }

    /// The device counts of `tables`, in order, as a chip's kernel binds them; an error names
    /// `op` if a table is missing or its counts could not be allocated.
    pub fn bindings(&self, op: &str, tables: &[Table]) -> GpuResult<Vec<&GpuBuffer<u32>>> {
        tables
            .iter()
            .map(|&t| {
                let c = self.counts(t).ok_or_else(|| GpuError::invalid(op, "a lookup table the chip counts into is missing"))?;
                counts(c).map_err(|e| GpuError::invalid(op, e.to_string()))
            })
            .collect()
    }

    /// The constants every trace kernel reads from these tables.
    pub fn params(&self, timestamp_max_bits: u32, pointer_max_bits: u32) -> TraceParams {
        let [tuple_size0, tuple_size1] = self.range_tuple.as_ref().map_or([0, 0], |t| t.sizes());
        TraceParams {
            range_max_bits: self.range.range_max_bits(),
            timestamp_max_bits,
            pointer_max_bits,
            tuple_size0,
            tuple_size1,
            ..Default::default()
        }
    }
}

//! VmConnectorAir's trace on the GPU: shaders/connector.wgsl. Upstream's `VmConnectorChip` makes
//! two rows, the segment's initial and final states, and range-checks each row's timestamp as a
//! low limb of `range_max_bits` bits and the rest; here those counts go to the device counts
//! of the variable range checker ([`Lookups`]). The public values are host values, computed as
//! upstream computes them.

use std::{
    borrow::BorrowMut,
    mem::{offset_of, size_of},
};

use openvm_circuit::{
    arch::ExecutionState,
    system::connector::{ConnectorCols, VmConnectorPvs, DEFAULT_SUSPEND_EXIT_CODE},
};
use openvm_circuit_primitives::StructReflectionHelper;
use openvm_stark_backend::prover::AirProvingContext;
use openvm_wgpu_backend::{
    backend::{WgpuBackend, WgpuMatrix},
    common::{kernel::require, ColumnMatrix, GpuResult},
    field::F,
    GpuContext,
};
use p3_field::PrimeCharacteristicRing;

use crate::tracegen::{
    kernel::{resident, wgsl, Layout, TraceJob, TraceKernel, TraceParams},
    lookups::{Lookups, Table},
};

type Cols = ConnectorCols<u8>;
/// A row's record: the row as upstream's `begin`/`end` fill it, one u32 per column.
type Record = ConnectorCols<u32>;

pub const WIDTH: usize = size_of::<Cols>();
/// The trace's rows: the initial state, then the final one.
pub const HEIGHT: usize = 2;

/// Column of a `ConnectorCols` field upstream keeps private (out of `offset_of!`'s reach): its
/// position among the struct's fields, every one a single `T` of a `#[repr(C)]` struct.
fn private_column(field: &str) -> Option<usize> {
    <Cols as StructReflectionHelper>::struct_reflection()?.iter().position(|f| f == field)
}

fn layout() -> Layout {
    let mut layout = Layout::new()
        .col("PC", offset_of!(Cols, pc))
        .col("TIMESTAMP", offset_of!(Cols, timestamp))
        .col("IS_TERMINATE", offset_of!(Cols, is_terminate))
        .col("EXIT_CODE", offset_of!(Cols, exit_code))
        .rec("PC", offset_of!(Record, pc))
        .rec("TIMESTAMP", offset_of!(Record, timestamp))
        .rec("IS_TERMINATE", offset_of!(Record, is_terminate))
        .rec("EXIT_CODE", offset_of!(Record, exit_code));
    // A field upstream renamed leaves its constant undefined: the kernel then fails to compile
    // (an error naming it), never writes a wrong column.
    for (name, field) in [("TIMESTAMP_LOW_LIMB", "timestamp_low_limb"), ("IS_BEGIN", "is_begin")] {
        if let Some(column) = private_column(field) {
            layout = layout.col(name, column);
        }
    }
    layout
}

pub const KERNEL: TraceKernel = TraceKernel { source: wgsl!("connector"), layout };

/// Upstream's `timestamp_limb_bits`: the bits the low and the high limb are checked for.
fn limb_bits(range_max_bits: u32, timestamp_max_bits: u32) -> (u32, u32) {
    if timestamp_max_bits <= range_max_bits {
        (timestamp_max_bits, 0)
    } else {
        (range_max_bits, timestamp_max_bits - range_max_bits)
    }
}

/// The row of a boundary state, as upstream's `VmConnectorChip::begin` (`is_terminate` and
/// `exit_code` 0) and `end` fill it; the low limb and `is_begin` are the kernel's.
fn record(state: ExecutionState<u32>, is_terminate: u32, exit_code: u32) -> [u32; WIDTH] {
    let mut words = [0u32; WIDTH];
    let row: &mut Record = words.as_mut_slice().borrow_mut();
    row.pc = state.pc;
    row.timestamp = state.timestamp;
    row.is_terminate = is_terminate;
    row.exit_code = exit_code;
    words
}

/// The connector's two-row trace from the segment's boundary states (`SystemRecords`'
/// `from_state`, `to_state` and `exit_code`; `None` while the program has not terminated).
/// Each row's timestamp limbs are counted into the device counts of `lookups`' variable range
/// checker, so this runs before that table's trace is made.
///
/// Refused before any GPU work, where upstream's chip would panic: a range checker too small
/// for `timestamp_max_bits` (upstream's `VmConnectorChip::new`), or a timestamp whose high limb
/// lies past the range checker's counts.
pub fn connector_trace(
    ctx: &GpuContext,
    lookups: &Lookups,
    timestamp_max_bits: u32,
    from_state: ExecutionState<u32>,
    to_state: ExecutionState<u32>,
    exit_code: Option<u32>,
) -> GpuResult<ColumnMatrix> {
    let op = KERNEL.name();
    let range_max_bits = lookups.range.range_max_bits();
    require(op, range_max_bits < u32::BITS && 2 * range_max_bits >= timestamp_max_bits, || {
        format!("range checker not large enough: range_max_bits={range_max_bits}, timestamp_max_bits={timestamp_max_bits}")
    })?;
    let counts = lookups.range.cpu.count.len() as u64;
    let (low_bits, high_bits) = limb_bits(range_max_bits, timestamp_max_bits);
    for state in [from_state, to_state] {
        let t = state.timestamp as u64;
        let low = t & ((1 << range_max_bits) - 1);
        let high = t >> range_max_bits;
        // The range checker counts a value v of b bits at 2^b + v - 1.
        require(op, (1 << low_bits) + low - 1 < counts && (1 << high_bits) + high - 1 < counts, || {
            format!("timestamp {t} exceeds the range checker of {range_max_bits} bits (timestamp_max_bits={timestamp_max_bits})")
        })?;
    }
    let end = record(to_state, exit_code.is_some() as u32, exit_code.unwrap_or(DEFAULT_SUSPEND_EXIT_CODE));
    let words: Vec<u32> = [record(from_state, 0, 0), end].concat();
    let bindings = lookups.bindings(op, &[Table::VariableRange])?;
    let params = TraceParams { range_max_bits, timestamp_max_bits, ..TraceParams::default() };
    let job = TraceJob { height: HEIGHT, width: WIDTH, bindings: &bindings, params };
    KERNEL.run_records(ctx, bytemuck::cast_slice(&words), size_of::<Record>(), job)
}

/// The connector's public values (`VmConnectorPvs`), as upstream's chip sets them.
pub fn connector_public_values(from_state: ExecutionState<u32>, to_state: ExecutionState<u32>, exit_code: Option<u32>) -> Vec<F> {
    let mut values = F::zero_vec(size_of::<VmConnectorPvs<u8>>());
    *values.as_mut_slice().borrow_mut() = VmConnectorPvs {
        initial_pc: F::from_u32(from_state.pc),
        final_pc: F::from_u32(to_state.pc),
        exit_code: F::from_u32(exit_code.unwrap_or(DEFAULT_SUSPEND_EXIT_CODE)),
        is_terminate: F::from_u32(exit_code.is_some() as u32),
    };
    values
}

/// The connector's proving context: [`connector_trace`] (a device error is reported by the
/// trace in the context) with [`connector_public_values`].
pub fn connector_proving_ctx(
    ctx: &GpuContext,
    lookups: &Lookups,
    timestamp_max_bits: u32,
    from_state: ExecutionState<u32>,
    to_state: ExecutionState<u32>,
    exit_code: Option<u32>,
) -> AirProvingContext<WgpuBackend> {
    let trace = connector_trace(ctx, lookups, timestamp_max_bits, from_state, to_state, exit_code);
    let public_values = connector_public_values(from_state, to_state, exit_code);
    AirProvingContext::simple(WgpuMatrix::on_device(HEIGHT, WIDTH, resident(trace)), public_values)
}

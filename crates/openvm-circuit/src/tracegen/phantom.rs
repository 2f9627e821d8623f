//! PhantomAir (the system's PHANTOM instruction, a NOP that advances the pc) on the GPU:
//! shaders/phantom.wgsl. The filler makes no lookups, so the kernel binds only the records, the
//! trace and the parameters.

use std::mem::{align_of, offset_of, size_of};

use openvm_circuit::system::phantom::{PhantomCols, PhantomRecord};

use super::{
    kernel::{wgsl, Layout, TraceKernel},
    records::FixedRecords,
};

type Cols = PhantomCols<u8>;
type Record = PhantomRecord;

/// Bytes of one record: upstream allocates a `PhantomRecord` with `EmptyMultiRowLayout`, and
/// `DenseRecordArena`'s `MultiRowLayout` allocation takes `size_of::<R>()` rounded up to
/// `align_of::<R>()` (`SizedRecord` for `&mut R`), records packed back to back.
pub const RECORD_BYTES: usize = size_of::<Record>().next_multiple_of(align_of::<Record>());
pub const WIDTH: usize = size_of::<Cols>();

fn layout() -> Layout {
    Layout::new()
        .col("PC", offset_of!(Cols, pc))
        .col("OPERANDS", offset_of!(Cols, operands))
        .col("TIMESTAMP", offset_of!(Cols, timestamp))
        .col("IS_VALID", offset_of!(Cols, is_valid))
        .rec("PC", offset_of!(Record, pc))
        .rec("OPERANDS", offset_of!(Record, operands))
        .rec("TIMESTAMP", offset_of!(Record, timestamp))
}

const KERNEL: TraceKernel = TraceKernel { source: wgsl!("phantom"), layout };

pub const CHIP: FixedRecords = FixedRecords { kernel: KERNEL, record_bytes: RECORD_BYTES, width: WIDTH, tables: &[] };

//! ProgramAir's common main trace on the GPU: shaders/program_frequencies.wgsl. Upstream's
//! `ProgramChip` writes one column, the execution frequency of each program row
//! (`SystemRecords::filtered_exec_frequencies`), as tall as the program's cached trace: rows
//! past the frequencies (the cached trace's padding) are zero.

use std::mem::{offset_of, size_of};

use openvm_circuit::system::program::{ProgramCols, ProgramExecutionCols};
use openvm_stark_backend::prover::{AirProvingContext, CommittedTraceData};
use openvm_wgpu_backend::{
    backend::{WgpuBackend, WgpuMatrix},
    common::{kernel::require, ColumnMatrix, GpuResult},
    GpuContext,
};

use crate::tracegen::kernel::{resident, wgsl, Layout, TraceJob, TraceKernel, TraceParams};

type Cols = ProgramCols<u8>;

/// The common main's width: the columns of `ProgramCols` after the cached ones.
pub const WIDTH: usize = size_of::<Cols>() - size_of::<ProgramExecutionCols<u8>>();

fn layout() -> Layout {
    // The common main starts where the cached columns end.
    Layout::new().col("EXEC_FREQ", offset_of!(Cols, exec_freq) - size_of::<ProgramExecutionCols<u8>>())
}

pub const KERNEL: TraceKernel = TraceKernel { source: wgsl!("program_frequencies"), layout };

/// The common main trace of `height` rows (the cached program trace's height): row i is
/// `frequencies[i]` as a field element, rows past the frequencies zero. As upstream, at most
/// `height` frequencies; `height` must be a power of two, as every trace's is.
pub fn program_frequencies_trace(ctx: &GpuContext, frequencies: &[u32], height: usize) -> GpuResult<ColumnMatrix> {
    let op = KERNEL.name();
    require(op, height.is_power_of_two(), || format!("a trace of {height} rows: not a power of two"))?;
    require(op, frequencies.len() <= height, || format!("{} execution frequencies for a program of {height} rows", frequencies.len()))?;
    let job = TraceJob { height, width: WIDTH, bindings: &[], params: TraceParams::default() };
    KERNEL.run_records(ctx, bytemuck::cast_slice(frequencies), size_of::<u32>(), job)
}

/// The program chip's proving context, as upstream's `ProgramChip::generate_proving_ctx` makes
/// it: the cached program trace, and the frequencies as the common main trace of its height.
/// A device error is reported by the trace in the context.
pub fn program_proving_ctx(
    ctx: &GpuContext,
    cached: CommittedTraceData<WgpuBackend>,
    frequencies: &[u32],
) -> AirProvingContext<WgpuBackend> {
    let height = cached.height();
    let common = WgpuMatrix::on_device(height, WIDTH, resident(program_frequencies_trace(ctx, frequencies, height)));
    AirProvingContext::new(vec![cached], common, Vec::new())
}

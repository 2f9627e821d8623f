//! ProgramAir's traces on the GPU.
//!
//! - The cached trace (shaders/program_cached_trace.wgsl), committed once per program: one row
//!   per defined instruction (pc, opcode, operands), then padding rows up to a power of two, as
//!   upstream's `generate_cached_trace` makes it; [`commit_program_on_gpu`] commits it with the
//!   device's PCS, as upstream's `VirtualMachine::commit_program_on_device` commits its host
//!   trace.
//! - The common main trace (shaders/program_frequencies.wgsl): upstream's `ProgramChip` writes
//!   one column, the execution frequency of each program row
//!   (`SystemRecords::filtered_exec_frequencies`), as tall as the cached trace: rows past the
//!   frequencies (the cached trace's padding) are zero.

use std::{
    borrow::BorrowMut,
    mem::{offset_of, size_of},
    sync::Arc,
};

use openvm_circuit::{
    arch::{ExitCode, VirtualMachine, VmBuilder},
    system::program::{ProgramCols, ProgramExecutionCols},
};
use openvm_instructions::{
    instruction::Instruction,
    program::{Program, DEFAULT_PC_STEP},
    LocalOpcode, SystemOpcode,
};
use openvm_stark_backend::{
    prover::{AirProvingContext, CommittedTraceData, TraceCommitter},
    FiatShamirTranscript, StarkEngine,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::BabyBearPoseidon2CpuEngine;
use openvm_wgpu_backend::{
    backend::{WgpuBackend, WgpuMatrix},
    common::{kernel::require, ColumnMatrix, GpuBuffer, GpuResult},
    device::{WgpuDevice, SC},
    error::WgpuProverError,
    field::{word, F},
    BabyBearPoseidon2WgpuEngine, GpuContext,
};
use p3_baby_bear::Poseidon2BabyBear;

use crate::tracegen::kernel::{resident, wgsl, Layout, Piece, TraceJob, TraceKernel, TraceParams};

type Exec = ProgramExecutionCols<u8>;
/// A cached-trace row's record: the row as upstream fills it (opcode and operands as field
/// elements, their Montgomery words), except the pc, an integer the kernel converts (padding
/// rows compute theirs).
type Record = ProgramExecutionCols<u32>;
const RECORD_WORDS: usize = size_of::<Record>() / size_of::<u32>();

/// The cached trace's width.
pub const CACHED_WIDTH: usize = size_of::<Exec>();

/// Upstream's exit code of the padding rows' TERMINATE (its private `EXIT_CODE_FAIL`).
const EXIT_CODE_FAIL: usize = ExitCode::Error as usize;

fn cached_layout() -> Layout {
    macro_rules! fields {
        ($layout:expr, $($field:ident => $name:literal),*) => {
            $layout$(.col($name, offset_of!(Exec, $field)).rec($name, offset_of!(Record, $field)))*
        };
    }
    fields!(Layout::new(), pc => "PC", opcode => "OPCODE", a => "A", b => "B", c => "C", d => "D", e => "E", f => "F", g => "G")
        .constant("PADDING_FROM", RECORD_WORDS)
        .constant("DEFAULT_PC_STEP", DEFAULT_PC_STEP as usize)
}

pub const CACHED_KERNEL: TraceKernel = TraceKernel { source: wgsl!("program_cached_trace"), layout: cached_layout };

/// Upstream's padding instruction (`padding_instruction`, private): TERMINATE with the failure
/// exit code.
fn padding_instruction() -> Instruction<F> {
    Instruction::from_usize(SystemOpcode::TERMINATE.global_opcode(), [0, 0, EXIT_CODE_FAIL])
}

/// The record of the row of `instruction` at `pc`, into `out` (one record's words).
fn record(pc: u32, instruction: &Instruction<F>, out: &mut [u32]) {
    let row: &mut Record = out.borrow_mut();
    *row = ProgramExecutionCols {
        pc,
        opcode: word(instruction.opcode.to_field()),
        a: word(instruction.a),
        b: word(instruction.b),
        c: word(instruction.c),
        d: word(instruction.d),
        e: word(instruction.e),
        f: word(instruction.f),
        g: word(instruction.g),
    };
}

/// The program's cached trace, column-major, as upstream's `generate_cached_trace` makes it:
/// the defined instructions in pc order (gaps skipped, so a row's pc is its instruction's,
/// `pc_base + 4 * index`), then up to the next power of two (one row for no instructions) rows
/// of TERMINATE with the failure exit code, padding row i at `pc_base + 4 * i`. Only the
/// defined instructions are uploaded; the kernel writes every row.
pub fn program_cached_trace(ctx: &GpuContext, program: &Program<F>) -> GpuResult<ColumnMatrix> {
    let op = CACHED_KERNEL.name();
    let defined = program.instructions_and_debug_infos.iter().enumerate().filter_map(|(i, x)| x.as_ref().map(|(ins, _)| (i, ins)));
    let mut words = Vec::with_capacity(program.len() * RECORD_WORDS);
    for (index, instruction) in defined {
        let at = words.len();
        words.resize(at + RECORD_WORDS, 0);
        // Upstream's u32 arithmetic (`enumerate_by_pc`), wrapping as its release build does.
        let pc = program.pc_base.wrapping_add(DEFAULT_PC_STEP.wrapping_mul(index as u32));
        record(pc, instruction, &mut words[at..]);
    }
    let rows = words.len() / RECORD_WORDS;
    let height = rows.next_power_of_two();
    require(op, u32::try_from(height).is_ok(), || format!("a program of {rows} instructions: its trace's height exceeds u32"))?;
    let mut pieces = CACHED_KERNEL.upload_records(ctx, bytemuck::cast_slice(&words), size_of::<Record>())?;
    // The padding row's record (its pc the program's base, each padding row adds its own
    // offset), then the first padding row.
    let mut pad = vec![0u32; RECORD_WORDS + 1];
    record(program.pc_base, &padding_instruction(), &mut pad[..RECORD_WORDS]);
    pad[RECORD_WORDS] = rows as u32;
    let padding = GpuBuffer::from_slice(ctx, op, &pad)?;
    if height > rows {
        // Padding rows read no record: a one-word placeholder stands in for the records.
        let input = GpuBuffer::zeroed(ctx, op, 1)?;
        pieces.push(Piece { input, bindings: Vec::new(), first_row: rows, rows: height - rows });
    }
    let params = TraceParams { record_words: RECORD_WORDS as u32, ..TraceParams::default() };
    let job = TraceJob { height, width: CACHED_WIDTH, bindings: &[&padding], params };
    let mut encoder = ctx.encoder(op);
    let trace = CACHED_KERNEL.record_pieces(ctx, &mut encoder, &pieces, &job)?;
    ctx.submit_and_wait(op, encoder)?;
    Ok(trace)
}

/// The program's cached trace made on the GPU and committed with the device's PCS: what
/// upstream's `VirtualMachine::commit_program_on_device` returns for our engine (the same trace,
/// so the same commitment), without the host trace, its transpose and its upload.
pub fn commit_program_on_gpu(device: &WgpuDevice, program: &Program<F>) -> Result<CommittedTraceData<WgpuBackend>, WgpuProverError> {
    let _span = tracing::info_span!("commit_program").entered();
    let trace = program_cached_trace(&device.ctx, program)?;
    let trace = WgpuMatrix::on_device(trace.height, trace.width, Ok(Arc::new(trace)));
    let (commitment, data) = device.commit(&[&trace])?;
    Ok(CommittedTraceData { commitment, trace, data: Arc::new(data) })
}

/// How an engine commits a VM's program (the cached program trace every segment's proof opens):
/// ours on the GPU ([`commit_program_on_gpu`]), openvm-cpu-backend's by upstream's
/// `VirtualMachine::commit_program_on_device`. Both give the same commitment.
pub trait CommitProgram: StarkEngine<SC = SC> + Sized {
    fn commit_program<VB: VmBuilder<Self>>(
        vm: &VirtualMachine<Self, VB>,
        program: &Program<F>,
    ) -> Result<CommittedTraceData<Self::PB>, WgpuProverError>;
}

impl<TS> CommitProgram for BabyBearPoseidon2WgpuEngine<TS>
where
    TS: FiatShamirTranscript<SC> + From<Poseidon2BabyBear<16>> + 'static,
{
    fn commit_program<VB: VmBuilder<Self>>(
        vm: &VirtualMachine<Self, VB>,
        program: &Program<F>,
    ) -> Result<CommittedTraceData<WgpuBackend>, WgpuProverError> {
        commit_program_on_gpu(vm.engine.device(), program)
    }
}

impl<TS> CommitProgram for BabyBearPoseidon2CpuEngine<TS>
where
    Self: StarkEngine<SC = SC>,
{
    fn commit_program<VB: VmBuilder<Self>>(
        vm: &VirtualMachine<Self, VB>,
        program: &Program<F>,
    ) -> Result<CommittedTraceData<Self::PB>, WgpuProverError> {
        Ok(vm.commit_program_on_device(program))
    }
}

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

//! Proving an RV32IM program with the wgpu engine, segment by segment, as openvm-circuit's
//! VirtualMachine is driven upstream: metered execution splits the run into segments whose
//! traces fit the parameters' stacked height; then per segment preflight execution, trace
//! generation (GPU chips from upstream's dense records, [`Rv32ImGpuTracegenBuilder`], or
//! upstream's CPU chips with their traces transported by [`WgpuBuilder`]) and the proof. Every segment proof is checked with upstream's segment verification.

use std::time::{Duration, Instant};

use openvm_circuit::{
    arch::{
        execution_mode::{MeteredCtx, MeteredCtxInputs, Segment, SegmentationLimits},
        hasher::poseidon2::vm_poseidon2_hasher,
        instructions::exe::VmExe,
        interpreter_preflight::PreflightInterpretedInstance,
        Executor, MeteredExecutor, PreflightExecutionOutput, PreflightExecutor, Streams, VirtualMachine, VirtualMachineError, VmBuilder,
        VmCircuitConfig, VmExecutionConfig, VmState, CONNECTOR_AIR_ID, PROGRAM_AIR_ID,
    },
    system::{
        memory::{
            merkle::public_values::{extract_public_values, UserPublicValuesProof},
            online::GuestMemory,
            CHUNK,
        },
        SystemRecords,
    },
};
use openvm_rv32im_circuit::{Rv32ImConfig, Rv32ImCpuBuilder};
use openvm_stark_backend::{
    keygen::types::MultiStarkVerifyingKey,
    proof::Proof,
    prover::DeviceMultiStarkProvingKey,
    prover::{MatrixDimensions, ProverBackend, ProvingContext},
    StarkEngine, SystemParams,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::{BabyBearPoseidon2CpuEngine, DuplexSponge};
use openvm_wgpu_backend::{
    device::SC, field::F, logup_zerocheck::fractional::max_input_fractions, BabyBearPoseidon2WgpuEngine, GpuContext,
};

use crate::tracegen::system::program::CommitProgram;
use crate::verify::verify_segments_concurrently;
use crate::{
    builder::{CpuEngine, WgpuBuilder},
    tracegen::Rv32ImGpuTracegenBuilder,
};

/// The RV32IM builder for the wgpu engine.
pub type Rv32ImWgpuBuilder = WgpuBuilder<Rv32ImCpuBuilder>;

/// What proving a program can fail on, each with upstream's reason.
#[derive(Debug, thiserror::Error)]
pub enum ProveProgramError {
    #[error("building the VM: {0}")]
    Vm(#[from] VirtualMachineError),
    #[error("executing the program: {0}")]
    Execution(#[from] openvm_circuit::arch::ExecutionError),
    #[error("the program cannot be executed: {0}")]
    Program(#[from] openvm_circuit::arch::StaticProgramError),
    #[error("segment {segment}: trace generation: {message}")]
    TraceGeneration { segment: usize, message: String },
    #[error("segment {segment}: proving: {message}")]
    Prove { segment: usize, message: String },
    #[error("the segment proofs do not verify: {0}")]
    Verify(String),
    #[error("committing the program: {0}")]
    CommitProgram(#[source] openvm_wgpu_backend::error::WgpuProverError),
    #[error("the VM configuration: {0}")]
    Config(#[from] crate::sdk::SdkConfigError),
    #[error("{0}")]
    Setting(String),
}

/// One segment's run: its size and where the time went.
#[derive(Clone, Debug)]
pub struct SegmentReport {
    pub index: usize,
    pub instructions: u64,
    /// (AIR name, trace height) of every AIR with a trace, in the proving context's order.
    pub airs: Vec<(String, usize)>,
    /// Trace cells (height x width of every main trace partition).
    pub trace_cells: usize,
    pub preflight: Duration,
    pub trace_generation: Duration,
    pub prove: Duration,
}

/// A proved program: the verifying key, one proof per segment (all verified), the segments'
/// reports, the exit code and the bytes the program revealed as public values.
pub struct ProgramProof {
    pub vk: MultiStarkVerifyingKey<SC>,
    pub proofs: Vec<Proof<SC>>,
    pub segments: Vec<SegmentReport>,
    pub exit_code: Option<u32>,
    pub public_values: Vec<u8>,
    /// The public values' Merkle proof against the final memory root (what the aggregation
    /// layers carry to the final proof); None when the program did not run to its end.
    pub user_public_values: Option<UserPublicValuesProof<CHUNK, F>>,
    /// The executable's commitment (program, initial memory, initial pc) the segments prove.
    pub exe_commit: [F; CHUNK],
    pub metered_execution: Duration,
    /// The proving key's generation (the circuit's keygen, once per VM).
    pub keygen: Duration,
}

/// One segment's proving context with what it took to make it.
pub struct SegmentContext<PB: openvm_stark_backend::prover::ProverBackend> {
    pub index: usize,
    pub instructions: u64,
    pub ctx: ProvingContext<PB>,
    pub preflight: Duration,
    pub trace_generation: Duration,
}

/// How a program's execution ended.
pub struct ExecutionEnd {
    pub exit_code: Option<u32>,
    /// The final memory (for the revealed public values).
    pub memory: Option<openvm_circuit::system::memory::AddressMap>,
    pub metered_execution: Duration,
}

/// Runs `exe` on `vm` segment by segment, as upstream drives a VirtualMachine: metered
/// execution for the segment boundaries, the program committed on the VM's device
/// ([`CommitProgram`]: ours makes its trace on the GPU), then per
/// segment preflight execution, trace generation and `prove` (for any engine: ours, or
/// openvm-cpu-backend's in the identity tests).
///
/// Segment k is proved on a second thread while segment k + 1 executes, so that the device
/// proves while the host executes (unless `OPENVM_WGPU_SEGMENT_PIPELINE=off`); trace generation, which needs the VM's chips, runs between
/// the two. `prove` receives the engine, the proving key and the segment's context on that
/// thread; `done` receives its results on the calling thread, in segment order, as soon as each
/// is proved. A segment's work runs in a span `prove_segment` with field `segment` (the index),
/// upstream's span for one segment, so that its phases can be told apart.
pub fn for_each_segment<E, VB, T>(
    vm: &mut VirtualMachine<E, VB>,
    exe: &VmExe<F>,
    input: Streams<F>,
    segmentation: Segmentation,
    prove: impl Fn(&E, &DeviceMultiStarkProvingKey<E::PB>, SegmentContext<E::PB>) -> Result<T, ProveProgramError> + Sync,
    mut done: impl FnMut(T),
) -> Result<ExecutionEnd, ProveProgramError>
where
    E: StarkEngine<SC = SC> + CommitProgram + Sync,
    VB: VmBuilder<E>,
    <VB::VmConfig as VmExecutionConfig<F>>::Executor: Executor<F> + MeteredExecutor<F> + PreflightExecutor<F, VB::RecordArena>,
    ProvingContext<E::PB>: Send,
    DeviceMultiStarkProvingKey<E::PB>: Sync,
    T: Send,
{
    let pipelined = segment_pipeline()?;
    let (segments, metered_execution) = metered_segments(vm, exe, input.clone(), segmentation)?;

    let cached_program_trace = E::commit_program(vm, &exe.program).map_err(ProveProgramError::CommitProgram)?;
    vm.load_program(cached_program_trace);
    let mut interpreter = vm.preflight_interpreter(exe)?;
    let mut state = Some(vm.create_initial_state(exe, input));
    let mut exit_code = None;
    let mut segments = segments.into_iter().enumerate();
    let mut next = match segments.next() {
        Some(segment) => {
            let t = Instant::now();
            if let Some(s) = &state {
                vm.transport_init_memory_to_device(&s.memory);
            }
            preflight(vm, &mut interpreter, &mut state, segment, t.elapsed())?
        }
        None => None,
    };
    while let Some(p) = next.take() {
        exit_code = p.system_records.exit_code;
        let span = tracing::info_span!("prove_segment", segment = p.index);
        let t = Instant::now();
        let ctx = span
            .in_scope(|| vm.generate_proving_ctx(p.system_records, p.record_arenas))
            .map_err(|e| ProveProgramError::TraceGeneration { segment: p.index, message: e.to_string() })?;
        let trace_generation = t.elapsed();
        // The next segment's initial memory: this segment's chips are done with theirs.
        let following = segments.next().filter(|_| state.is_some());
        let t = Instant::now();
        if let (Some(_), Some(s)) = (&following, &state) {
            vm.transport_init_memory_to_device(&s.memory);
        }
        let transport = t.elapsed();
        let segment = SegmentContext { index: p.index, instructions: p.instructions, ctx, preflight: p.preflight, trace_generation };
        let vm: &VirtualMachine<E, VB> = vm;
        let (engine, pk) = (&vm.engine, vm.pk());
        let execute_next = || match following {
            Some(f) => preflight(vm, &mut interpreter, &mut state, f, transport),
            None => Ok(None),
        };
        let (proved, preflighted) = if pipelined {
            std::thread::scope(|scope| {
                let proving = scope.spawn(|| span.in_scope(|| prove(engine, pk, segment)));
                let preflighted = execute_next();
                (proving.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), preflighted)
            })
        } else {
            let proved = span.in_scope(|| prove(engine, pk, segment));
            (proved, execute_next())
        };
        done(proved?);
        next = preflighted?;
    }
    Ok(ExecutionEnd { exit_code, memory: state.map(|s| s.memory.memory), metered_execution })
}

/// The segments of `exe`'s run on `input` from upstream's metered execution, and its time.
fn metered_segments<E, VB>(
    vm: &VirtualMachine<E, VB>,
    exe: &VmExe<F>,
    input: Streams<F>,
    segmentation: Segmentation,
) -> Result<(Vec<Segment>, Duration), ProveProgramError>
where
    E: StarkEngine<SC = SC>,
    VB: VmBuilder<E>,
    <VB::VmConfig as VmExecutionConfig<F>>::Executor: Executor<F> + MeteredExecutor<F>,
{
    let started = Instant::now();
    let metered_ctx = match segmentation {
        Segmentation::Upstream => vm.build_metered_ctx(exe),
        Segmentation::MaxInteractions { limit, constant_heights } => metered_ctx(vm, exe, limit, &constant_heights),
    };
    let (segments, _) = vm.metered_interpreter(exe)?.execute_metered(input, metered_ctx)?;
    Ok((segments, started.elapsed()))
}

/// One segment's preflight execution, on its own.
#[derive(Clone, Copy, Debug)]
pub struct SegmentExecution {
    pub index: usize,
    pub instructions: u64,
    pub preflight: Duration,
}

/// Runs `exe` as [`for_each_segment`] does up to the records, proving nothing: metered
/// execution, then each segment's preflight execution (its records dropped), one at a time.
/// `on_segment` hears of each segment as it ends. What `bench execute` times.
pub fn execute_segments<E, VB>(
    vm: &mut VirtualMachine<E, VB>,
    exe: &VmExe<F>,
    input: Streams<F>,
    segmentation: Segmentation,
    on_segment: &mut dyn FnMut(SegmentExecution),
) -> Result<ExecutionEnd, ProveProgramError>
where
    E: StarkEngine<SC = SC>,
    VB: VmBuilder<E>,
    <VB::VmConfig as VmExecutionConfig<F>>::Executor: Executor<F> + MeteredExecutor<F> + PreflightExecutor<F, VB::RecordArena>,
{
    let (segments, metered_execution) = metered_segments(vm, exe, input.clone(), segmentation)?;
    let mut interpreter = vm.preflight_interpreter(exe)?;
    let mut state = Some(vm.create_initial_state(exe, input));
    let mut exit_code = None;
    for segment in segments.into_iter().enumerate() {
        let Some(p) = preflight(vm, &mut interpreter, &mut state, segment, Duration::ZERO)? else { break };
        exit_code = p.system_records.exit_code;
        on_segment(SegmentExecution { index: p.index, instructions: p.instructions, preflight: p.preflight });
    }
    Ok(ExecutionEnd { exit_code, memory: state.map(|s| s.memory.memory), metered_execution })
}

/// [`execute_segments`] for RV32IM with the GPU trace generation's records (upstream's dense
/// record arenas, as `prove_rv32im` fills them) and its segments on `gpu`.
pub fn execute_rv32im(
    gpu: std::sync::Arc<GpuContext>,
    params: SystemParams,
    config: Rv32ImConfig,
    exe: &VmExe<F>,
    input: Streams<F>,
    on_segment: &mut dyn FnMut(SegmentExecution),
) -> Result<ExecutionEnd, ProveProgramError> {
    let segmentation = rv32im_segmentation(&gpu, &config)?;
    let engine: BabyBearPoseidon2WgpuEngine = BabyBearPoseidon2WgpuEngine::with_context(params, gpu);
    let (mut vm, _) = VirtualMachine::new_with_keygen(engine, Rv32ImGpuTracegenBuilder::default(), config)?;
    execute_segments(&mut vm, exe, input, segmentation, on_segment)
}

/// Whether segment k + 1 executes while segment k is proved: on unless
/// `OPENVM_WGPU_SEGMENT_PIPELINE=off` (one segment's records and proof at a time, less memory;
/// and the phases timed apart).
fn segment_pipeline() -> Result<bool, ProveProgramError> {
    match std::env::var("OPENVM_WGPU_SEGMENT_PIPELINE").as_deref() {
        Err(_) | Ok("on") => Ok(true),
        Ok("off") => Ok(false),
        Ok(other) => Err(ProveProgramError::Setting(format!("OPENVM_WGPU_SEGMENT_PIPELINE={other}: give on or off"))),
    }
}

/// A segment's records from preflight execution.
struct Preflighted<RA> {
    index: usize,
    instructions: u64,
    system_records: SystemRecords<F>,
    record_arenas: Vec<RA>,
    preflight: Duration,
}

type Interpreter<VB, E> = PreflightInterpretedInstance<F, <<VB as VmBuilder<E>>::VmConfig as VmExecutionConfig<F>>::Executor>;

/// Executes segment `index` from `state` (leaving the state it ends in), with its records;
/// `before` is time already spent on it (its initial memory's transport). None once the
/// program has ended.
fn preflight<E, VB>(
    vm: &VirtualMachine<E, VB>,
    interpreter: &mut Interpreter<VB, E>,
    state: &mut Option<VmState<F, GuestMemory>>,
    (index, Segment { num_insns, trace_heights, .. }): (usize, Segment),
    before: Duration,
) -> Result<Option<Preflighted<VB::RecordArena>>, ProveProgramError>
where
    E: StarkEngine<SC = SC>,
    VB: VmBuilder<E>,
    <VB::VmConfig as VmExecutionConfig<F>>::Executor: PreflightExecutor<F, VB::RecordArena>,
{
    let Some(from_state) = state.take() else { return Ok(None) };
    let _span = tracing::info_span!("prove_segment", segment = index).entered();
    let t = Instant::now();
    let PreflightExecutionOutput { system_records, record_arenas, to_state } =
        vm.execute_preflight(interpreter, from_state, Some(num_insns), &trace_heights)?;
    *state = Some(to_state);
    Ok(Some(Preflighted { index, instructions: num_insns, system_records, record_arenas, preflight: before + t.elapsed() }))
}
/// Where segments end.
#[derive(Clone, Debug)]
pub enum Segmentation {
    /// Upstream's rule (`VirtualMachine::build_metered_ctx`): trace heights within the stacked
    /// height, estimated proving memory within `segmentation_max_memory`.
    Upstream,
    /// Upstream's rule, and at most `limit` interactions (Σ interactions × trace height) per
    /// segment, so that LogUp's GKR input layer fits the device ([`device_interaction_limit`]).
    /// `constant_heights`: the chips' constant trace heights in AIR order
    /// ([`constant_trace_heights`]).
    MaxInteractions { limit: u32, constant_heights: Vec<Option<usize>> },
}

/// Interactions per segment a device holds: LogUp's GKR input layer (32 bytes per fraction)
/// must fit four storage bindings of a power of two fractions each (its tree's largest layer,
/// half of it, two; `max_input_fractions`), `C` fractions. Metered execution counts
/// `Σ (height + 1) · interactions` on unpadded heights; the prover pads each height to a power
/// of two (under `2 (height + 1)`), lifts an AIR shorter than `2^l_skip` to that height, then
/// pads the layer to a power of two. A count of at most `(C - slack) / 2` therefore gives a
/// padded layer of at most `C`, where `slack = C / 16` covers the lifting (`2^l_skip` rows of
/// every AIR's interactions: about 2^13 fractions for the VMs here, against 2^20 on a 128 MiB
/// binding).
pub fn device_interaction_limit(gpu: &GpuContext) -> u32 {
    let capacity = max_input_fractions(gpu) as u64;
    ((capacity - capacity / 16) / 2).min(u32::MAX as u64) as u32
}

/// The constant trace heights the chips of `builder` report for `config`, in AIR order (what
/// upstream's `build_metered_ctx` reads from the VM's chip complex): from a chip complex built
/// for this purpose.
pub fn constant_trace_heights<B>(builder: &B, config: &B::VmConfig) -> Result<Vec<Option<usize>>, ProveProgramError>
where
    B: VmBuilder<CpuEngine, SystemChipInventory = openvm_circuit::system::SystemChipInventory<SC>>,
{
    let airs = config.create_airs().map_err(VirtualMachineError::from)?;
    let complex = builder.create_chip_complex(config, airs, &()).map_err(VirtualMachineError::from)?;
    Ok(complex.inventory.constant_trace_heights())
}

/// Upstream's metered context (`VirtualMachine::build_metered_ctx`, rebuilt from the same public
/// inputs) with an interaction limit per segment.
fn metered_ctx<E, VB>(vm: &VirtualMachine<E, VB>, exe: &VmExe<F>, max_interactions: u32, chip_heights: &[Option<usize>]) -> MeteredCtx
where
    E: StarkEngine<SC = SC>,
    VB: VmBuilder<E>,
{
    let per_air = &vm.pk().per_air;
    let mut constant_heights: Vec<Option<usize>> = per_air.iter().map(|pk| pk.preprocessed_data.as_ref().map(|d| d.height())).collect();
    constant_heights[PROGRAM_AIR_ID] = Some(exe.program.num_defined_instructions());
    // The connector always has two rows.
    constant_heights[CONNECTOR_AIR_ID] = Some(2);
    for (h, &chip) in constant_heights.iter_mut().zip(chip_heights) {
        if h.is_none() {
            *h = chip;
        }
    }
    let air_names: Vec<String> = per_air.iter().map(|pk| pk.air_name.clone()).collect();
    let widths: Vec<usize> = per_air.iter().map(|pk| pk.vk.params.width.total_width()).collect();
    let interactions: Vec<usize> = per_air.iter().map(|pk| pk.vk.symbolic_constraints.interactions.len()).collect();
    let need_rot: Vec<bool> = per_air.iter().map(|pk| pk.vk.params.need_rot).collect();
    let buffers: Vec<usize> = per_air.iter().map(E::PB::constraint_eval_buffer_size).collect();
    let limits = SegmentationLimits {
        max_trace_height_bits: vm.engine.params().log_stacked_height() as u8,
        max_memory: vm.config().as_ref().segmentation_max_memory,
        max_interactions,
    };
    let inputs = MeteredCtxInputs {
        constant_trace_heights: &constant_heights,
        air_names: &air_names,
        widths: &widths,
        interactions: &interactions,
        need_rot: &need_rot,
        constraint_eval_buffers: &buffers,
        segmentation_limits: limits,
    };
    vm.executor().build_metered_ctx(inputs, vm.engine.proving_memory_config())
}

/// RV32IM's segments on `gpu`: upstream's rule within the device's interaction limit.
pub fn rv32im_segmentation(gpu: &GpuContext, config: &Rv32ImConfig) -> Result<Segmentation, ProveProgramError> {
    Ok(Segmentation::MaxInteractions {
        limit: device_interaction_limit(gpu),
        constant_heights: constant_trace_heights(&Rv32ImCpuBuilder, config)?,
    })
}

/// Where the chips' traces are made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TraceGeneration {
    /// On the GPU from upstream's dense records ([`Rv32ImGpuTracegenBuilder`]), with upstream's
    /// CPU filler for a chip without a GPU version.
    #[default]
    Gpu,
    /// Upstream's CPU chips, their traces uploaded ([`Rv32ImWgpuBuilder`]).
    Cpu,
}

/// Proves `exe` on `config` with the wgpu engine on `gpu` and `params` (whose stacked height
/// `2^(l_skip + n_stack)` bounds every segment's traces), the traces made as `tracegen` says;
/// `progress` hears of each segment as soon as it is proved.
pub fn prove_rv32im(
    gpu: std::sync::Arc<GpuContext>,
    params: SystemParams,
    config: Rv32ImConfig,
    exe: VmExe<F>,
    input: Streams<F>,
    tracegen: TraceGeneration,
    progress: &mut dyn FnMut(&SegmentReport),
) -> Result<ProgramProof, ProveProgramError> {
    let segmentation = rv32im_segmentation(&gpu, &config)?;
    let engine: BabyBearPoseidon2WgpuEngine = BabyBearPoseidon2WgpuEngine::with_context(params, gpu);
    match tracegen {
        TraceGeneration::Gpu => prove_program(engine, Rv32ImGpuTracegenBuilder::default(), config, exe, input, segmentation, progress),
        TraceGeneration::Cpu => prove_program(engine, WgpuBuilder(Rv32ImCpuBuilder), config, exe, input, segmentation, progress),
    }
}

/// [`prove_rv32im`] on openvm-cpu-backend (all cores), the baseline of the benchmarks, with
/// the segments `segmentation` gives (the same as the GPU run's for a side-by-side comparison).
pub fn prove_rv32im_cpu(
    params: SystemParams,
    config: Rv32ImConfig,
    exe: VmExe<F>,
    input: Streams<F>,
    segmentation: Segmentation,
    progress: &mut dyn FnMut(&SegmentReport),
) -> Result<ProgramProof, ProveProgramError> {
    let engine: BabyBearPoseidon2CpuEngine<DuplexSponge> = StarkEngine::new(params);
    prove_program(engine, Rv32ImCpuBuilder, config, exe, input, segmentation, progress)
}

/// Proves and verifies every segment of `exe` with `engine` and `builder`.
pub fn prove_program<E, VB>(
    engine: E,
    builder: VB,
    config: VB::VmConfig,
    exe: VmExe<F>,
    input: Streams<F>,
    segmentation: Segmentation,
    progress: &mut dyn FnMut(&SegmentReport),
) -> Result<ProgramProof, ProveProgramError>
where
    E: StarkEngine<SC = SC> + CommitProgram + Sync,
    VB: VmBuilder<E>,
    <VB::VmConfig as VmExecutionConfig<F>>::Executor: Executor<F> + MeteredExecutor<F> + PreflightExecutor<F, VB::RecordArena>,
    ProvingContext<E::PB>: Send,
    DeviceMultiStarkProvingKey<E::PB>: Sync,
{
    let num_public_values = config.as_ref().num_public_values;
    let t = Instant::now();
    let (mut vm, pk) = VirtualMachine::new_with_keygen(engine, builder, config)?;
    let keygen = t.elapsed();
    let vk = pk.get_vk();
    let air_names: Vec<String> = vm.air_names().map(str::to_string).collect();
    let mut proofs = Vec::new();
    let mut reports = Vec::new();
    let prove = |engine: &E, pk: &DeviceMultiStarkProvingKey<E::PB>, s: SegmentContext<E::PB>| {
        let airs = s.ctx.per_trace.iter().map(|(a, c)| (air_names[*a].clone(), c.common_main.height())).collect();
        let trace_cells = s
            .ctx
            .per_trace
            .iter()
            .map(|(_, c)| c.common_main.height() * (c.common_main.width() + c.cached_mains.iter().map(|m| m.trace.width()).sum::<usize>()))
            .sum();
        let t = Instant::now();
        let proof = engine.prove(pk, s.ctx).map_err(|e| ProveProgramError::Prove { segment: s.index, message: e.to_string() })?;
        let report = SegmentReport {
            index: s.index,
            instructions: s.instructions,
            airs,
            trace_cells,
            preflight: s.preflight,
            trace_generation: s.trace_generation,
            prove: t.elapsed(),
        };
        Ok((proof, report))
    };
    let end = for_each_segment(&mut vm, &exe, input, segmentation, prove, |(proof, report)| {
        progress(&report);
        reports.push(report);
        proofs.push(proof);
    })?;
    let verified = verify_segments_concurrently(&vm.engine, &vk, &proofs).map_err(|e| ProveProgramError::Verify(e.to_string()))?;
    let public_values = match &end.memory {
        Some(memory) if num_public_values > 0 => extract_public_values(num_public_values, memory),
        _ => Vec::new(),
    };
    let memory_dimensions = vm.config().as_ref().memory_config.memory_dimensions();
    let user_public_values = match (&end.memory, vm.memory_top_tree()) {
        (Some(memory), Some(top_tree)) => {
            Some(UserPublicValuesProof::compute(memory_dimensions, num_public_values, &vm_poseidon2_hasher(), memory, top_tree))
        }
        _ => None,
    };
    Ok(ProgramProof {
        vk,
        proofs,
        segments: reports,
        exit_code: end.exit_code,
        public_values,
        user_public_values,
        exe_commit: verified.exe_commit,
        metered_execution: end.metered_execution,
        keygen,
    })
}

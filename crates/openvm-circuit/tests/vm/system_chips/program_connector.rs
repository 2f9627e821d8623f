//! The system chips' GPU traces against upstream's CPU chips on the same inputs, word for word,
//! under every limit profile (`OPENVM_WGPU_TRACEGEN_PROFILE=<name>` narrows it to one):
//! - the program chip's common main (execution frequencies) against upstream's `ProgramChip`,
//!   run by upstream's system chip complex, for frequencies of several lengths (none, not a
//!   power of two, exactly the height) and cached-trace heights;
//! - the program's cached trace against upstream's `generate_cached_trace` and its commitment
//!   against upstream's `VirtualMachine::commit_program_on_device` (openvm-cpu-backend's, and
//!   the same steps on our device), for programs empty, with gaps in pc, of power-of-two lengths
//!   and not, with pcs past the field's order, and of the asm guests;
//! - the connector's trace and public values against upstream's `VmConnectorChip`, and the
//!   variable range checker's trace after each (the GPU path's device counts summed with its
//!   host counts against upstream's chip's counts), at timestamps around the limb boundary,
//!   with and without an exit code.

use crate::common;

use std::{borrow::Borrow, sync::Arc};

use openvm_circuit::{
    arch::{ExecutionState, MatrixRecordArena, SystemConfig, VirtualMachine, VmBuilder, VmCircuitConfig},
    system::{
        connector::{VmConnectorChip, VmConnectorPvs},
        memory::{online::GuestMemory, AddressMap},
        SystemChipComplex, SystemChipInventory, SystemCpuBuilder, SystemRecords,
    },
};
use openvm_circuit_primitives::{
    var_range::{VariableRangeCheckerBus, VariableRangeCheckerChip},
    Chip,
};
use openvm_cpu_backend::CpuBackend;
use openvm_instructions::{instruction::Instruction, program::Program, VmOpcode};
use openvm_stark_backend::{
    prover::{ColMajorMatrix, CommittedTraceData, DeviceDataTransporter, MatrixDimensions, TraceCommitter},
    StarkEngine, SystemParams,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::{BabyBearPoseidon2CpuEngine, DuplexSponge};
use openvm_wgpu_backend::{
    backend::WgpuBackend,
    device::SC,
    field::{as_words, F},
    BabyBearPoseidon2WgpuEngine,
};
use openvm_wgpu_circuit::{
    elf::rv32im_exe,
    tracegen::{
        lookups::{Lookups, VariableRangeCheckerWgpu},
        system::{
            connector::{connector_proving_ctx, connector_public_values, connector_trace},
            program::{commit_program_on_gpu, program_frequencies_trace, CACHED_WIDTH},
        },
    },
};
use openvm_wgpu_fixtures::asm;
use p3_field::{PrimeCharacteristicRing, PrimeField32};
use p3_matrix::{dense::RowMajorMatrix, Matrix};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// A host matrix column-major, as the device holds it.
fn col_major(m: &RowMajorMatrix<F>) -> Vec<u32> {
    let (height, width) = (Matrix::height(m), Matrix::width(m));
    let words = as_words(&m.values);
    (0..width).flat_map(|c| (0..height).map(move |r| words[r * width + c])).collect()
}

/// The first differing word of two column-major matrices of `height` rows, as "row r column c".
fn first_difference(height: usize, ours: &[u32], upstream: &[u32]) -> Option<String> {
    if ours.len() != upstream.len() {
        return Some(format!("{} words against {}", ours.len(), upstream.len()));
    }
    (0..ours.len())
        .find(|&i| ours[i] != upstream[i])
        .map(|i| format!("row {} column {}: GPU {:#x}, upstream {:#x}", i % height, i / height, ours[i], upstream[i]))
}

/// Upstream's system chip complex for the default system configuration, with its initial
/// memory set; the program chip reads only its cached trace's height.
struct UpstreamSystem {
    system: SystemChipInventory<SC>,
    engine: BabyBearPoseidon2CpuEngine,
    memory: GuestMemory,
}

impl UpstreamSystem {
    fn new() -> Self {
        let config = SystemConfig::default();
        let airs = VmCircuitConfig::<SC>::create_airs(&config).unwrap();
        let complex = VmBuilder::<BabyBearPoseidon2CpuEngine>::create_chip_complex(&SystemCpuBuilder, &config, airs, &()).unwrap();
        let memory = GuestMemory::new(AddressMap::from_mem_config(&config.memory_config));
        Self { system: complex.system, engine: BabyBearPoseidon2CpuEngine::new(SystemParams::new_for_testing(16)), memory }
    }

    /// Upstream's program common main for a cached trace of `height` rows.
    fn program_trace(&mut self, frequencies: &[u32], height: usize) -> RowMajorMatrix<F> {
        let trace = RowMajorMatrix::new(vec![F::ZERO; height], 1);
        let (commitment, data) = TraceCommitter::commit(self.engine.device(), &[&trace]).unwrap();
        let cached = CommittedTraceData { commitment, trace, data: Arc::new(data) };
        assert_eq!(cached.height(), height);
        SystemChipComplex::<MatrixRecordArena<F>, CpuBackend<SC>>::load_program(&mut self.system, cached);
        SystemChipComplex::<MatrixRecordArena<F>, CpuBackend<SC>>::transport_init_memory_to_device(&mut self.system, &self.memory);
        let records = SystemRecords {
            from_state: state(0, 1),
            to_state: state(0, 2),
            exit_code: None,
            filtered_exec_frequencies: frequencies.to_vec(),
            touched_memory: Vec::new(),
        };
        let ctxs = SystemChipComplex::<MatrixRecordArena<F>, CpuBackend<SC>>::generate_proving_ctx(&mut self.system, records, Vec::new());
        ctxs.into_iter().next().unwrap().common_main
    }
}

/// Random frequencies: mostly small counts, some anywhere in u32 (reduced mod p as upstream's
/// `from_u32` does), and the edges.
fn frequencies(rng: &mut StdRng, len: usize) -> Vec<u32> {
    let edges = [0, 1, F::ORDER_U32 - 1, F::ORDER_U32, u32::MAX];
    (0..len)
        .map(|i| match rng.random_range(0..4) {
            _ if i < edges.len() && len > 8 => edges[i],
            0 => rng.random(),
            1 => 0,
            _ => rng.random_range(0..1000),
        })
        .collect()
}

#[test]
fn program_frequencies_equal_upstream_program_chip_under_every_profile() {
    let mut rng = StdRng::seed_from_u64(0x5eed_0001);
    // (frequencies, cached trace height): none, fewer than the height (padding), not a power of
    // two, exactly the height, and more rows than one grid dimension holds under `tiny`.
    let cases = [(0, 1), (0, 8), (1, 1), (1, 4), (5, 8), (7, 64), (100, 128), (128, 128), (1000, 1024), (3000, 4096), (20_000, 32_768)];
    let mut upstream = UpstreamSystem::new();
    let expected: Vec<(Vec<u32>, usize, Vec<u32>)> = cases
        .iter()
        .map(|&(len, height)| {
            let f = frequencies(&mut rng, len);
            let trace = upstream.program_trace(&f, height);
            assert_eq!((Matrix::height(&trace), Matrix::width(&trace)), (height, 1));
            let words = col_major(&trace);
            (f, height, words)
        })
        .collect();
    for (profile, gpu) in common::profiles() {
        for (f, height, words) in &expected {
            let trace = program_frequencies_trace(&gpu, f, *height).unwrap_or_else(|e| panic!("{profile}: {e}"));
            assert_eq!((trace.height, trace.width), (*height, 1), "{profile}");
            let ours = trace.read_col_major(&gpu).unwrap();
            if let Some(d) = first_difference(*height, &ours, words) {
                panic!("{profile}, {} frequencies, height {height}: {d}", f.len());
            }
        }
        // Where upstream asserts, the GPU path refuses.
        assert!(program_frequencies_trace(&gpu, &[1, 2, 3], 2).is_err(), "{profile}: more frequencies than rows");
        assert!(program_frequencies_trace(&gpu, &[1, 2, 3], 6).is_err(), "{profile}: a height not a power of two");
    }
}

/// An instruction of random operands (mostly small, some anywhere in the field, the edges) and
/// a random global opcode (some past u32 and the field's order, reduced as upstream's
/// `to_field` reduces them).
fn instruction(rng: &mut StdRng) -> Instruction<F> {
    let mut field = || match rng.random_range(0..5) {
        0 => F::ZERO,
        1 => F::NEG_ONE,
        2 => F::from_u32(rng.random()),
        _ => F::from_u32(rng.random_range(0..1 << 16)),
    };
    let [a, b, c, d, e, f, g] = std::array::from_fn(|_| field());
    let opcode = match rng.random_range(0..8) {
        0 => F::ORDER_U32 as usize + rng.random_range(0..10),
        1 => usize::MAX - rng.random_range(0..10),
        _ => rng.random_range(0..0x1000),
    };
    Instruction { opcode: VmOpcode::from_usize(opcode), a, b, c, d, e, f, g }
}

fn random_program(rng: &mut StdRng, len: usize, pc_base: u32) -> Program<F> {
    let instructions: Vec<Instruction<F>> = (0..len).map(|_| instruction(rng)).collect();
    Program::new_without_debug_infos(&instructions, pc_base)
}

/// `slots` program slots at `pc_base`, each defined where `defined(i)`.
fn program_with_gaps(rng: &mut StdRng, slots: usize, pc_base: u32, defined: impl Fn(usize) -> bool) -> Program<F> {
    let instructions: Vec<Option<Instruction<F>>> = (0..slots).map(|i| defined(i).then(|| instruction(rng))).collect();
    Program::new_without_debug_infos_with_option(&instructions, pc_base)
}

/// The programs the cached trace is tested on, each with its name.
fn programs() -> Vec<(String, Program<F>)> {
    let mut rng = StdRng::seed_from_u64(0x5eed_0003);
    let mut out: Vec<(String, Program<F>)> = vec![
        ("empty".into(), Program::new_empty(0)),
        ("empty at pc 0x2000".into(), Program::new_empty(0x2000)),
        // Only gaps: no rows but the padding one.
        ("three gaps".into(), program_with_gaps(&mut rng, 3, 0x400, |_| false)),
    ];
    // 5,000 rows pad to 8,192: more invocations than one grid dimension holds under `tiny`.
    for len in [1, 2, 5, 8, 64, 100, 5_000] {
        out.push((format!("{len} instructions"), random_program(&mut rng, len, 0x1000)));
    }
    // Gaps (leading, trailing, runs): rows skip them, while padding pcs continue from the row
    // count, so they repeat pcs of defined rows.
    out.push(("gaps".into(), program_with_gaps(&mut rng, 40, 0x2000, |i| i % 3 == 1 || (17..23).contains(&i))));
    out.push(("gaps, 16 rows".into(), program_with_gaps(&mut rng, 50, 0, |i| i % 3 == 0 && i < 48)));
    // pcs past the field's order, reduced as upstream's `from_u32` reduces them.
    out.push(("pcs past p".into(), random_program(&mut rng, 7, F::ORDER_U32 - 12)));
    for (name, elf) in [("mixed guest", asm::mixed(7)), ("fibonacci guest", asm::fibonacci(10)), ("edge-cases guest", asm::edge_cases())] {
        out.push((name.into(), rv32im_exe(&elf).unwrap_or_else(|e| panic!("{name}: {e}")).program));
    }
    out
}

#[test]
fn program_cached_trace_and_commitment_equal_upstream_under_every_profile() {
    let params = SystemParams::new_for_testing(16);
    let cpu = BabyBearPoseidon2CpuEngine::<DuplexSponge>::new(params.clone());
    let (vm, _) = VirtualMachine::new_with_keygen(cpu, SystemCpuBuilder, SystemConfig::default()).unwrap();
    // Upstream's trace (`generate_cached_trace`) and commitment, on openvm-cpu-backend.
    let expected: Vec<(String, Program<F>, CommittedTraceData<CpuBackend<SC>>)> = programs()
        .into_iter()
        .map(|(name, program)| {
            let cached = vm.commit_program_on_device(&program);
            (name, program, cached)
        })
        .collect();
    assert!(expected.iter().any(|(_, p, c)| p.len() != Matrix::height(&c.trace)), "no program with gaps or padding");
    for (profile, gpu) in common::profiles() {
        let ours = BabyBearPoseidon2WgpuEngine::<DuplexSponge>::with_context(params.clone(), gpu.clone());
        for (name, program, upstream) in &expected {
            let at = format!("{profile}, {name}");
            let height = Matrix::height(&upstream.trace);
            let committed = commit_program_on_gpu(ours.device(), program).unwrap_or_else(|e| panic!("{at}: {e}"));
            assert_eq!((committed.trace.height(), committed.trace.width()), (height, CACHED_WIDTH), "{at}");
            assert_eq!(Matrix::width(&upstream.trace), CACHED_WIDTH, "{at}");
            let words = committed.trace.device().unwrap().read_col_major(&gpu).unwrap();
            if let Some(d) = first_difference(height, &words, &col_major(&upstream.trace)) {
                panic!("{at}: cached trace: {d}");
            }
            assert_eq!(as_words(&committed.commitment), as_words(&upstream.commitment), "{at}: commitment against openvm-cpu-backend's");
            // Upstream's `commit_program_on_device` for our engine: its host trace, transposed,
            // transported and committed (the commitment is the profile-tested code's above).
            if profile != openvm_wgpu_backend::LimitProfile::Native {
                continue;
            }
            let transported = ours.device().transport_matrix_to_device(&ColMajorMatrix::from_row_major(&upstream.trace));
            let (root, _) = ours.device().commit(&[&transported]).unwrap_or_else(|e| panic!("{at}: {e}"));
            assert_eq!(as_words(&committed.commitment), as_words(&root), "{at}: commitment against upstream's on our device");
        }
    }
}

fn state(pc: u32, timestamp: u32) -> ExecutionState<u32> {
    ExecutionState { pc, timestamp }
}

/// One connector case: the boundary states and the exit code.
type Boundary = (ExecutionState<u32>, ExecutionState<u32>, Option<u32>);

/// States at timestamps 0, 1, 2^range_max_bits - 1, 2^range_max_bits (+ 1), the largest of
/// timestamp_max_bits and a random one; exit codes none, 0 and others; random pcs.
fn boundaries(rng: &mut StdRng, range_max_bits: u32, timestamp_max_bits: u32) -> Vec<Boundary> {
    let edge = 1u32 << range_max_bits;
    let top = ((1u64 << timestamp_max_bits) - 1) as u32;
    let timestamps = [0, 1, edge - 1, edge, edge + 1, top, rng.random_range(0..=top.max(edge))];
    let exit_codes = [None, Some(0), Some(1), Some(1789), Some(F::ORDER_U32 + 5), Some(u32::MAX)];
    let mut out = Vec::new();
    for (i, &from) in timestamps.iter().enumerate() {
        for (j, &to) in timestamps.iter().enumerate().skip(i) {
            let exit_code = exit_codes[(i + j) % exit_codes.len()];
            out.push((state(rng.random(), from), state(rng.random(), to), exit_code));
        }
    }
    out
}

/// Host counts a CPU chip of the same table would add, the same on both paths.
fn host_counts(range: &VariableRangeCheckerChip, rng: &mut StdRng) {
    for _ in 0..50 {
        let bits = rng.random_range(0..=range.range_max_bits()) as u32;
        range.add_count(rng.random_range(0..1u32 << bits), bits as usize);
    }
}

/// Upstream's connector on its own range checker: the trace (column-major), the public values
/// and the range checker's trace (column-major) with the connector's counts.
fn upstream_connector(
    range_max_bits: u32,
    timestamp_max_bits: u32,
    (from, to, exit_code): Boundary,
    rng: &mut StdRng,
) -> (Vec<u32>, Vec<F>, Vec<u32>) {
    let range = Arc::new(VariableRangeCheckerChip::new(VariableRangeCheckerBus::new(0, range_max_bits as usize)));
    host_counts(&range, rng);
    let mut chip = VmConnectorChip::<F>::new(range.clone(), timestamp_max_bits as usize);
    chip.begin(from);
    chip.end(to, exit_code);
    let ctx = Chip::<(), CpuBackend<SC>>::generate_proving_ctx(&chip, ());
    (col_major(&ctx.common_main), ctx.public_values, col_major(&range.generate_trace::<F>()))
}

#[test]
fn connector_trace_and_range_counts_equal_upstream_connector_chip_under_every_profile() {
    // (range_max_bits, timestamp_max_bits): the default system's, a timestamp that fits the low
    // limb (its high limb checked for 0 bits), and a high limb as wide as the low one.
    let configs = [(17, 29), (10, 8), (12, 24)];
    for (profile, gpu) in common::profiles() {
        for (range_max_bits, timestamp_max_bits) in configs {
            let mut rng = StdRng::seed_from_u64(0x5eed_0002 + range_max_bits as u64);
            let bus = VariableRangeCheckerBus::new(0, range_max_bits as usize);
            // One chip complex's range checker for all cases: its counts must be reset after each
            // table trace.
            let range = Arc::new(VariableRangeCheckerWgpu::new(Arc::new(VariableRangeCheckerChip::new(bus)), gpu.clone()));
            let lookups = Lookups { range: range.clone(), bitwise: None, range_tuple: None };
            for boundary in boundaries(&mut rng, range_max_bits, timestamp_max_bits) {
                let at = format!("{profile}, range_max_bits {range_max_bits}, timestamp_max_bits {timestamp_max_bits}, {boundary:?}");
                let seed = rng.random();
                let (trace, public_values, table) =
                    upstream_connector(range_max_bits, timestamp_max_bits, boundary, &mut StdRng::seed_from_u64(seed));
                host_counts(&range.cpu, &mut StdRng::seed_from_u64(seed));
                let (from, to, exit_code) = boundary;
                let ours = connector_trace(&gpu, &lookups, timestamp_max_bits, from, to, exit_code).unwrap_or_else(|e| panic!("{at}: {e}"));
                assert_eq!((ours.height, ours.width), (2, 6), "{at}");
                if let Some(d) = first_difference(2, &ours.read_col_major(&gpu).unwrap(), &trace) {
                    panic!("{at}: connector trace: {d}");
                }
                let ours_pvs = connector_public_values(from, to, exit_code);
                assert_eq!(as_words(&ours_pvs), as_words(&public_values), "{at}: public values");
                let pvs: &VmConnectorPvs<F> = ours_pvs.as_slice().borrow();
                assert_eq!(pvs.is_terminate(), exit_code.is_some(), "{at}");
                let ours_table = Chip::<(), WgpuBackend>::generate_proving_ctx(&*range, ()).common_main;
                let ours_table = ours_table.device().unwrap().read_col_major(&gpu).unwrap();
                if let Some(d) = first_difference(2 << range_max_bits, &ours_table, &table) {
                    panic!("{at}: range checker trace: {d}");
                }
            }
        }
    }
}

#[test]
fn connector_refuses_what_upstream_panics_on() {
    for (profile, gpu) in common::profiles() {
        let bus = VariableRangeCheckerBus::new(0, 10);
        let range = Arc::new(VariableRangeCheckerWgpu::new(Arc::new(VariableRangeCheckerChip::new(bus)), gpu.clone()));
        let lookups = Lookups { range: range.clone(), bitwise: None, range_tuple: None };
        let at = |timestamp| state(0, timestamp);
        // A range checker too small for the timestamps (upstream's `VmConnectorChip::new`).
        assert!(connector_trace(&gpu, &lookups, 21, at(1), at(2), None).is_err(), "{profile}");
        // A high limb past the range checker's counts (upstream's `add_count`).
        assert!(connector_trace(&gpu, &lookups, 20, at(1), at(u32::MAX), Some(0)).is_err(), "{profile}");
        // Refused before any count: the table holds no counts, then the proving context reports
        // the error in its trace while the public values are still upstream's.
        let table = Chip::<(), WgpuBackend>::generate_proving_ctx(&*range, ()).common_main.device().unwrap().read_col_major(&gpu).unwrap();
        let mult = &table[3 * (2 << 10)..];
        assert!(mult.iter().all(|&w| w == 0), "{profile}: counts after refused traces");
        let ctx = connector_proving_ctx(&gpu, &lookups, 20, at(1), at(u32::MAX), Some(3));
        assert!(ctx.common_main.device().is_err(), "{profile}");
        assert_eq!(ctx.public_values, connector_public_values(at(1), at(u32::MAX), Some(3)));
    }
}

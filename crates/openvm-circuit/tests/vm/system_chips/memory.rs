//! The persistent memory's GPU chips (`WgpuSystemChips`: the boundary, the Merkle tree and the
//! Poseidon2 periphery they hash through) against upstream's CPU system chips on crafted inputs
//! no guest produces, under every limit profile (`OPENVM_WGPU_TRACEGEN_PROFILE=<name>` narrows
//! it to one).
//!
//! Two `VirtualMachine`s of `Rv32ImConfig` are driven directly, without execution: one built by
//! `Rv32ImGpuTracegenBuilder { traces: ChipTraces::Gpu }`, the other by
//! `{ traces: ChipTraces::CpuFillers }`, whose system chips are upstream's
//! `SystemChipInventory`. Both load the same program; per case each is handed the same
//! hand-made initial image (`transport_init_memory_to_device`) and the same hand-made
//! `SystemRecords` (states, exit code, execution frequencies, touched blocks), with an empty
//! record arena for every other chip, and makes its proving context
//! (`VirtualMachine::generate_proving_ctx`). Every AIR's trace (the Poseidon2 periphery's as a
//! multiset of rows, whose order upstream leaves to thread scheduling) and public values (the
//! Merkle tree's initial and final roots), and the final tree's top (`memory_top_tree`), must be
//! the same. Upstream's results do not depend on the profile, so they are made once, on the
//! first profile's device.
//!
//! The cases: nothing touched (upstream then touches leaf 0 itself), over a zero and a non-zero
//! image; one block in the registers and in memory over zero and non-zero images; the second
//! block of a chunk alone, and both blocks at different timestamps; the first and last chunk of
//! an address space, adjacent and far-apart chunks; the native address space's field cells and
//! timestamps past the timestamp bits; an image scattered over many 1 KiB blocks with the last
//! cell of every small address space, touched inside and outside them; thousands of random
//! chunks; and fixed trace heights (`override_system_trace_heights`) larger than needed. The
//! registers and the public values are shorter than a 1 KiB block of the GPU's initial image, and
//! several cases keep them next to memory blocks. The memory's own last byte stays zero: upstream
//! hashes every leaf of an address space up to its last non-zero page, 2^26 leaves there.

use crate::common;

use std::{collections::BTreeMap, sync::Arc};

use openvm_circuit::{
    arch::{DenseRecordArena, ExecutionState, MemoryCellType, VirtualMachine, VmCircuitConfig, BOUNDARY_AIR_ID, MERKLE_AIR_ID},
    system::{
        memory::{online::GuestMemory, AddressMap, TimestampedValues, CHUNK},
        SystemRecords, TouchedMemory,
    },
};
use openvm_instructions::{exe::VmExe, program::Program};
use openvm_rv32im_circuit::Rv32ImConfig;
use openvm_stark_backend::{
    keygen::types::MultiStarkProvingKey,
    prover::{DeviceDataTransporter, MatrixDimensions},
    StarkEngine, SystemParams,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::DuplexSponge;
use openvm_wgpu_backend::{device::SC, field::F, BabyBearPoseidon2WgpuEngine, GpuContext};
use openvm_wgpu_circuit::{
    elf::rv32im_exe,
    tracegen::{system::program::commit_program_on_gpu, ChipTraces, Rv32ImGpuTracegenBuilder},
};
use openvm_wgpu_fixtures::asm;
use p3_field::{PrimeCharacteristicRing, PrimeField32};
use rand::{rngs::StdRng, Rng, SeedableRng};

type Engine = BabyBearPoseidon2WgpuEngine<DuplexSponge>;
type Vm = VirtualMachine<Engine, Rv32ImGpuTracegenBuilder>;

const REGISTERS: u32 = 1;
const MEMORY: u32 = 2;
const PUBLIC_VALUES: u32 = 3;
const NATIVE: u32 = 4;

fn config() -> Rv32ImConfig {
    Rv32ImConfig::with_public_values(asm::GUEST_PUBLIC_VALUE_BYTES)
}

/// One case: the initial image and the touched blocks, sorted by address. The image is made
/// once and handed to every VM: each reads it whole, and a fresh one costs page faults.
struct Case {
    name: String,
    memory: GuestMemory,
    touched: TouchedMemory<F>,
}

/// A case of an image of cells (address space, cell, value: a byte in u8 address spaces, a
/// field element's integer in native ones) and touched blocks.
fn case(name: impl Into<String>, image: Vec<(u32, u32, u32)>, mut touched: TouchedMemory<F>) -> Case {
    touched.sort_by_key(|(address, _)| *address);
    let n = touched.len();
    touched.dedup_by_key(|(address, _)| *address);
    assert_eq!(touched.len(), n, "a block touched twice");
    Case { name: name.into(), memory: guest_memory(&image), touched }
}

fn block(space: u32, ptr: u32, timestamp: u32, values: [u32; 4]) -> ((u32, u32), TimestampedValues<F, 4>) {
    assert_eq!(ptr % 4, 0);
    ((space, ptr), TimestampedValues { timestamp, values: values.map(F::from_u32) })
}

fn random_block(rng: &mut StdRng, space: u32, ptr: u32) -> ((u32, u32), TimestampedValues<F, 4>) {
    let values = std::array::from_fn(|_| match rng.random_range(0..3) {
        0 => rng.random_range(0..256),
        1 => rng.random(),
        _ => F::ORDER_U32 - 1 - rng.random_range(0..4),
    });
    block(space, ptr, rng.random_range(1..1 << 29), values)
}

/// `len` random cells from `start` (bytes, or field elements in the native address space).
fn random_cells(rng: &mut StdRng, space: u32, start: u32, len: u32) -> Vec<(u32, u32, u32)> {
    (start..start + len)
        .map(|ptr| (space, ptr, if space == NATIVE { rng.random_range(0..F::ORDER_U32) } else { rng.random_range(1..256) }))
        .collect()
}

/// The image as the VM's guest memory.
fn guest_memory(image: &[(u32, u32, u32)]) -> GuestMemory {
    let mut memory = GuestMemory::new(AddressMap::from_mem_config(&config().rv32i.system.memory_config));
    for &(space, ptr, value) in image {
        let config = &memory.memory.config[space as usize];
        assert!((ptr as usize) < config.num_cells, "cell {ptr} outside address space {space}");
        // SAFETY: the cell exists and is written with its address space's cell type.
        unsafe {
            match config.layout {
                MemoryCellType::U8 => memory.write::<u8, 1>(space, ptr, [u8::try_from(value).unwrap()]),
                MemoryCellType::F { .. } => memory.write::<F, 1>(space, ptr, [F::from_u32(value)]),
                other => panic!("no cells of {other:?} in Rv32ImConfig"),
            }
        }
    }
    memory
}

fn cases() -> Vec<Case> {
    let mut rng = StdRng::seed_from_u64(0x5eed_0003);
    let rng = &mut rng;
    let last_label = (1u32 << 26) - 1;
    let registers = random_cells(rng, REGISTERS, 0, 128);
    let mut out = vec![
        case("nothing touched, zero image", vec![], vec![]),
        case("nothing touched, registers non-zero", registers.clone(), vec![]),
        case("one register block, zero image", vec![], vec![block(REGISTERS, 8, 5, [1, 2, 3, 4])]),
        case("one register block, registers non-zero", registers.clone(), vec![block(REGISTERS, 40, 7, [0, 255, 9, 1])]),
        case("one memory block, zero image", vec![], vec![block(MEMORY, 0x1000, 3, [0xde, 0xad, 0xbe, 0xef])]),
        case("one memory block, non-zero image", random_cells(rng, MEMORY, 0xff0, 48), vec![block(MEMORY, 0x1000, 3, [0; 4])]),
        case(
            "second half of a chunk alone",
            [random_cells(rng, MEMORY, 0x2000, 8), registers.clone()].concat(),
            vec![block(MEMORY, 0x2004, 11, [1, 2, 3, 4]), block(REGISTERS, 124, 12, [5, 6, 7, 8])],
        ),
        case(
            "both halves at different timestamps",
            random_cells(rng, MEMORY, 0x3000, 8),
            vec![block(MEMORY, 0x3000, 100, [1, 2, 3, 4]), block(MEMORY, 0x3004, 99, [5, 6, 7, 8])],
        ),
        case(
            "first and last chunks of the memory",
            random_cells(rng, MEMORY, 0, 16),
            vec![
                block(MEMORY, 0, 1, [1, 1, 1, 1]),
                block(MEMORY, 8 * last_label, 2, [2, 2, 2, 2]),
                block(MEMORY, 8 * last_label + 4, (1 << 29) - 1, [3, 3, 3, 3]),
            ],
        ),
        case(
            "first and last chunks of the registers and public values",
            [registers.clone(), random_cells(rng, PUBLIC_VALUES, 0, 16)].concat(),
            vec![
                block(REGISTERS, 0, 4, [9, 8, 7, 6]),
                block(REGISTERS, 120, 5, [1, 0, 0, 0]),
                block(PUBLIC_VALUES, 0, 6, [0, 0, 0, 0]),
                block(PUBLIC_VALUES, 12, 7, [255, 255, 255, 255]),
            ],
        ),
        case(
            "adjacent chunks: siblings and cousins",
            random_cells(rng, MEMORY, 0x4000, 64),
            (0x4008..0x4028).step_by(4).map(|ptr| random_block(rng, MEMORY, ptr)).collect(),
        ),
        case(
            "far-apart chunks",
            vec![],
            [0, 8 << 12, 8 << 25, (8 << 25) - 8, 8 << 20].into_iter().map(|ptr| random_block(rng, MEMORY, ptr)).collect(),
        ),
        case(
            "native field cells, timestamps at the edges",
            random_cells(rng, NATIVE, 0, 64)
                .into_iter()
                .chain([(NATIVE, 64, F::ORDER_U32 - 1), (NATIVE, 65, 1 << 30), (NATIVE, (1 << 14) - 1, F::ORDER_U32 - 2)])
                .collect(),
            vec![
                block(NATIVE, 0, 1, [u32::MAX, 1 << 31, F::ORDER_U32, F::ORDER_U32 - 1]),
                block(NATIVE, 60, 2, [(1 << 31) + 5, 0, 0xffff_fff0, 7]),
                block(NATIVE, 64, 3, [0x8000_0001, 0x9000_0000, 0xa000_0000, 0xffff_ffff]),
                block(NATIVE, (1 << 14) - 4, 4, [1, 2, 3, 4]),
                block(MEMORY, 0x10, 5, [0x1_0000, 0x8000_0000, 0, 1]),
                // Timestamps outside the timestamp bits, reduced as upstream reduces them.
                block(MEMORY, 0x18, 0, [1, 2, 3, 4]),
                block(MEMORY, 0x1c, u32::MAX, [5, 6, 7, 8]),
                block(MEMORY, 0x24, F::ORDER_U32 + 3, [9, 10, 11, 12]),
            ],
        ),
    ];

    // An image over many 1 KiB blocks of the memory (the second and third adjacent), the last
    // cell of every small address space; touches inside and outside those blocks.
    let mut image = Vec::new();
    let mut touched = Vec::new();
    for k in [0u32, 1, 2, 7, 40, 41, 99, 255, 256, 383, 500, 511] {
        let base = k << 10;
        for _ in 0..6 {
            let at = base + rng.random_range(0..1024);
            image.push((MEMORY, at, rng.random_range(1..256)));
        }
        image.push((MEMORY, base + 1023, 0x80));
        let (inside, outside) = (base + 4 * rng.random_range(0..256), base + 1024 + 4 * rng.random_range(0..256));
        touched.push(random_block(rng, MEMORY, inside));
        touched.push(random_block(rng, MEMORY, outside));
    }
    image.sort();
    image.dedup_by_key(|(s, p, _)| (*s, *p));
    touched.sort_by_key(|(address, _)| *address);
    touched.dedup_by_key(|(address, _)| *address);
    image.extend([(REGISTERS, 127, 1), (PUBLIC_VALUES, 15, 0xff), (NATIVE, (1 << 14) - 1, F::ORDER_U32 - 1)]);
    touched.extend([random_block(rng, REGISTERS, 124), random_block(rng, PUBLIC_VALUES, 8), random_block(rng, NATIVE, (1 << 14) - 8)]);
    out.push(case("scattered image", image.clone(), touched));

    // Thousands of random chunks over every address space, one or both blocks each.
    let mut touched = Vec::new();
    for _ in 0..2500 {
        let (space, chunks) = match rng.random_range(0..10) {
            0 => (REGISTERS, 16),
            1 => (PUBLIC_VALUES, 2),
            2 | 3 => (NATIVE, 1 << 11),
            4 | 5 => (MEMORY, 1 << 26),
            _ => (MEMORY, 1 << 16),
        };
        let chunk = 8 * rng.random_range(0..chunks);
        let halves = match rng.random_range(0..3) {
            0 => vec![0],
            1 => vec![4],
            _ => vec![0, 4],
        };
        touched.extend(halves.into_iter().map(|h| random_block(rng, space, chunk + h)));
    }
    touched.sort_by_key(|(address, _)| *address);
    touched.dedup_by_key(|(address, _)| *address);
    out.push(case(format!("{} random blocks", touched.len()), image, touched));
    out
}

/// The cases run last, after the system's trace heights are fixed.
fn fixed_height_cases() -> Vec<Case> {
    let mut rng = StdRng::seed_from_u64(0x5eed_0004);
    let rng = &mut rng;
    vec![
        case("fixed heights, nothing touched", vec![], vec![]),
        case(
            "fixed heights, a few chunks",
            random_cells(rng, MEMORY, 0x800, 32),
            [0x800, 0x804, 0x810, 8 << 22].into_iter().map(|ptr| random_block(rng, MEMORY, ptr)).collect(),
        ),
    ]
}

/// Boundary and Merkle heights to fix: larger than any fixed-height case needs, and one not a
/// power of two.
const FIXED_HEIGHTS: [u32; 2] = [64, 300];

/// One AIR's trace (column-major words) and public values.
#[derive(Debug)]
struct AirOutput {
    name: String,
    height: usize,
    width: usize,
    words: Vec<u32>,
    public_values: Vec<u32>,
}

/// What a VM made of one case: its AIRs with traces, by AIR id, and the final tree's top.
#[derive(Debug)]
struct Output {
    airs: BTreeMap<usize, AirOutput>,
    top_tree: Vec<u32>,
}

fn words(values: &[F]) -> Vec<u32> {
    values.iter().map(|v| v.as_canonical_u32()).collect()
}

/// Rows of a column-major matrix, sorted.
fn sorted_rows(height: usize, width: usize, words: &[u32]) -> Vec<Vec<u32>> {
    let mut rows: Vec<Vec<u32>> = (0..height).map(|r| (0..width).map(|c| words[c * height + r]).collect()).collect();
    rows.sort();
    rows
}

struct Driver {
    ctx: Arc<GpuContext>,
    vm: Vm,
    program_height: u32,
    frequencies: Vec<u32>,
}

impl Driver {
    fn new(ctx: &Arc<GpuContext>, traces: ChipTraces, pk: &MultiStarkProvingKey<SC>, program: &Program<F>) -> Self {
        let engine = Engine::with_context(SystemParams::new_for_testing(19), ctx.clone());
        let d_pk = engine.device().transport_pk_to_device(pk);
        let mut vm = VirtualMachine::new(engine, Rv32ImGpuTracegenBuilder { traces }, config(), d_pk).unwrap();
        let cached = commit_program_on_gpu(vm.engine.device(), program).unwrap_or_else(|e| panic!("{e}"));
        let program_height = cached.trace.height() as u32;
        vm.load_program(cached);
        let frequencies = (0..program.num_defined_instructions() as u32).map(|i| i % 5).collect();
        Self { ctx: ctx.clone(), vm, program_height, frequencies }
    }

    fn fix_heights(&mut self) {
        let mut heights = vec![0u32; self.vm.num_airs()];
        heights[0] = self.program_height;
        heights[1] = 2;
        heights[BOUNDARY_AIR_ID] = FIXED_HEIGHTS[0];
        heights[MERKLE_AIR_ID] = FIXED_HEIGHTS[1];
        self.vm.override_system_trace_heights(&heights);
    }

    fn run(&mut self, case: &Case) -> Output {
        self.vm.transport_init_memory_to_device(&case.memory);
        let records = SystemRecords {
            from_state: ExecutionState { pc: 0x20_0000, timestamp: 1 },
            to_state: ExecutionState { pc: 0x20_0010, timestamp: 1 << 20 },
            exit_code: Some(0),
            filtered_exec_frequencies: self.frequencies.clone(),
            touched_memory: case.touched.clone(),
        };
        let arenas = (0..self.vm.num_airs()).map(|_| DenseRecordArena::with_byte_capacity(0)).collect();
        let proving = self.vm.generate_proving_ctx(records, arenas).unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
        let names: Vec<String> = self.vm.air_names().map(str::to_string).collect();
        let airs = proving
            .per_trace
            .iter()
            .map(|(air, c)| {
                let m = &c.common_main;
                let trace = m.device().unwrap_or_else(|e| panic!("{}, {}: {e}", case.name, names[*air]));
                let col_major = trace.read_col_major(&self.ctx).unwrap();
                let name = names[*air].clone();
                (*air, AirOutput { name, height: m.height(), width: m.width(), words: col_major, public_values: words(&c.public_values) })
            })
            .collect();
        let top = self.vm.memory_top_tree().unwrap_or_else(|| panic!("{}: no top tree", case.name));
        Output { airs, top_tree: top.iter().flat_map(|d| words(d)).collect() }
    }
}

/// Every difference of ours from upstream's, each with its first differing word.
fn differences(at: &str, ours: &Output, upstream: &Output) -> Vec<String> {
    let mut out = Vec::new();
    let ids = |o: &Output| o.airs.iter().map(|(id, a)| (*id, a.name.clone())).collect::<Vec<_>>();
    if ids(ours) != ids(upstream) {
        out.push(format!("{at}: AIRs with traces {:?} against {:?}", ids(ours), ids(upstream)));
    }
    for (id, a) in &ours.airs {
        let Some(u) = upstream.airs.get(id) else { continue };
        let (name, h, w, words, pvs) = (&a.name, &a.height, &a.width, &a.words, &a.public_values);
        let (ch, cw, cwords, cpvs) = (&u.height, &u.width, &u.words, &u.public_values);
        let at = format!("{at}, {name}");
        if (h, w) != (ch, cw) {
            out.push(format!("{at}: {h} x {w} against {ch} x {cw}"));
        } else if name.contains("Poseidon2") {
            if sorted_rows(*h, *w, words) != sorted_rows(*h, *w, cwords) {
                let rows = |x: &[u32]| sorted_rows(*h, *w, x);
                let (a, b) = (rows(words), rows(cwords));
                let first = (0..a.len()).find(|&r| a[r] != b[r]).unwrap_or(0);
                out.push(format!("{at}: other rows (sorted row {first} differs first)"));
            }
        } else if let Some(i) = (0..words.len()).find(|&i| words[i] != cwords[i]) {
            out.push(format!("{at}: row {} column {}: GPU {:#x}, upstream {:#x}", i % h, i / h, words[i], cwords[i]));
        }
        if pvs != cpvs {
            out.push(format!("{at}: public values {pvs:x?} against {cpvs:x?}"));
        }
    }
    if ours.top_tree != upstream.top_tree {
        let i = (0..ours.top_tree.len().min(upstream.top_tree.len())).find(|&i| ours.top_tree[i] != upstream.top_tree[i]);
        out.push(format!(
            "{at}: memory_top_tree of {} words against {}, first difference at digest {:?}",
            ours.top_tree.len(),
            upstream.top_tree.len(),
            i.map(|i| i / CHUNK)
        ));
    }
    out
}

/// The program both VMs load; its execution frequencies are made up.
fn program() -> Program<F> {
    let exe: VmExe<F> = rv32im_exe(&asm::fibonacci(3)).unwrap();
    exe.program
}

#[test]
fn memory_chips_equal_upstream_system_on_crafted_inputs_under_every_profile() {
    let profiles = common::profiles();
    let (_, first) = profiles.first().expect("a profile");
    let config = config();
    let engine = Engine::with_context(SystemParams::new_for_testing(19), first.clone());
    let pk = VmCircuitConfig::<SC>::create_airs(&config).unwrap().keygen(engine.config());
    let program = program();
    let cases = cases();
    let fixed = fixed_height_cases();

    let mut upstream = Driver::new(first, ChipTraces::CpuFillers, &pk, &program);
    let mut expected: Vec<Output> = cases.iter().map(|c| upstream.run(c)).collect();
    upstream.fix_heights();
    expected.extend(fixed.iter().map(|c| upstream.run(c)));
    drop(upstream);

    // The cases make traces of the sizes they are meant to.
    let size = |o: &Output, air: usize| o.airs.get(&air).map_or(0, |a| a.height);
    assert_eq!((size(&expected[0], BOUNDARY_AIR_ID), size(&expected[0], MERKLE_AIR_ID)), (1, 64));
    assert!(size(&expected[cases.len() - 1], MERKLE_AIR_ID) >= 1 << 15, "a large Merkle trace");
    assert_eq!(size(&expected[cases.len()], BOUNDARY_AIR_ID), FIXED_HEIGHTS[0] as usize);
    assert_eq!(size(&expected[cases.len() + 1], MERKLE_AIR_ID), FIXED_HEIGHTS[1].next_power_of_two() as usize);

    let mut differ = Vec::new();
    for (profile, ctx) in &profiles {
        let mut ours = Driver::new(ctx, ChipTraces::Gpu, &pk, &program);
        for (i, c) in cases.iter().enumerate() {
            differ.extend(differences(&format!("{profile}, {}", c.name), &ours.run(c), &expected[i]));
        }
        ours.fix_heights();
        for (i, c) in fixed.iter().enumerate() {
            differ.extend(differences(&format!("{profile}, {}", c.name), &ours.run(c), &expected[cases.len() + i]));
        }
    }
    assert!(differ.is_empty(), "the GPU memory chips differ from upstream's:\n{}", differ.join("\n"));
}

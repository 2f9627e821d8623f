//! The Poseidon2 periphery's GPU trace (`tracegen::system::poseidon2::periphery_trace`) against
//! upstream's CPU chip (`Poseidon2PeripheryChip`) fed the same inputs through its hashing API:
//! the same rows (upstream orders them by its hash map, ours by first occurrence), height and
//! width, for both S-box register counts, under every limit profile. Also the device prefix sum
//! the deduplication compacts with, against a host prefix sum, and the errors of inputs that do
//! not fit.

use crate::common;

use std::{collections::HashMap, mem::offset_of};

use openvm_circuit::{
    arch::{hasher::HasherChip, vm_poseidon2_config},
    system::poseidon2::{columns::Poseidon2PeripheryCols, Poseidon2PeripheryChip, PERIPHERY_POSEIDON2_CHUNK_SIZE},
};
use openvm_circuit_primitives::Chip;
use openvm_cpu_backend::CpuBackend;
use openvm_wgpu_backend::{
    common::{GpuBuffer, GpuError},
    device::SC,
    field::{word, F},
    GpuContext,
};
use openvm_wgpu_circuit::tracegen::{scan, system::poseidon2::periphery_trace};
use p3_field::PrimeCharacteristicRing;
use rand::{rngs::StdRng, Rng, SeedableRng};

type Input = [F; 16];

fn random_input(rng: &mut StdRng) -> Input {
    std::array::from_fn(|_| F::from_u32(rng.random_range(0..0x7800_0001)))
}

/// `count` inputs drawn from `distinct` random values, every value at least once.
fn with_duplicates(rng: &mut StdRng, distinct: usize, count: usize) -> Vec<Input> {
    let pool: Vec<Input> = (0..distinct).map(|_| random_input(rng)).collect();
    let mut out: Vec<Input> = pool.clone();
    out.extend((distinct..count).map(|_| pool[rng.random_range(0..distinct)]));
    // Shuffle, so first occurrences are not the pool's order.
    for i in (1..out.len()).rev() {
        out.swap(i, rng.random_range(0..=i));
    }
    out
}

/// Upstream's trace of `inputs` (row-major words), and its height.
fn upstream_trace(inputs: &[Input], sbox_registers: usize) -> (Vec<u32>, usize, usize) {
    // Upstream picks 0 registers when the system's max constraint degree is at least 7.
    let chip = Poseidon2PeripheryChip::<F>::new(vm_poseidon2_config(), if sbox_registers == 0 { 7 } else { 3 });
    assert_eq!(matches!(chip, Poseidon2PeripheryChip::Register0(_)), sbox_registers == 0);
    for input in inputs {
        let (lhs, rhs) = input.split_at(PERIPHERY_POSEIDON2_CHUNK_SIZE);
        let _ = chip.compress_and_record(lhs.try_into().unwrap(), rhs.try_into().unwrap());
    }
    let ctx = Chip::<(), CpuBackend<SC>>::generate_proving_ctx(&chip, ());
    let m = &ctx.common_main;
    (m.values.iter().map(|&x| word(x)).collect(), m.values.len() / m.width.max(1), m.width)
}

/// Compares our trace of `inputs` with upstream's: the same height and width, and row for row
/// upstream's rows reordered by first occurrence of their input (the padding rows last).
fn check(ctx: &GpuContext, inputs: &[Input], sbox_registers: usize, what: &str) {
    let what = format!("{what} ({} inputs, {sbox_registers} S-box registers, {})", inputs.len(), ctx.profile);
    let (cpu, height, width) = upstream_trace(inputs, sbox_registers);
    let words: Vec<u32> = inputs.iter().flatten().map(|&x| word(x)).collect();
    // A guard past the inputs: the kernels must read only the inputs counted.
    let mut buffer_words = words.clone();
    buffer_words.extend([0x1234_5678; 16]);
    let buffer = GpuBuffer::from_slice(ctx, "test inputs", &buffer_words).unwrap();
    let trace = periphery_trace(ctx, &buffer, inputs.len(), sbox_registers).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!((trace.height, trace.width), (height, width), "{what}: height and width");
    let ours = trace.read_col_major(ctx).unwrap();
    let ours: Vec<Vec<u32>> = (0..height).map(|r| (0..width).map(|c| ours[c * height + r]).collect()).collect();

    let input_col = offset_of!(Poseidon2PeripheryCols<u8, 1>, inner.inputs);
    assert_eq!(input_col, offset_of!(Poseidon2PeripheryCols<u8, 0>, inner.inputs));
    let rows: Vec<&[u32]> = cpu.chunks(width.max(1)).collect();
    let distinct = inputs.iter().map(|i| i.map(word)).collect::<std::collections::HashSet<_>>().len();
    let by_input: HashMap<&[u32], &[u32]> = rows[..distinct].iter().map(|r| (&r[input_col..input_col + 16], *r)).collect();
    assert_eq!(by_input.len(), distinct, "{what}: upstream lists each input once");
    let mut expected: Vec<&[u32]> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for input in words.chunks(16) {
        if seen.insert(input) {
            expected.push(by_input[input]);
        }
    }
    expected.extend(&rows[distinct..]);
    for (r, (got, want)) in ours.iter().zip(&expected).enumerate() {
        if got.as_slice() != *want {
            let col = got.iter().zip(want.iter()).position(|(a, b)| a != b).unwrap();
            panic!("{what}: row {r} differs first at column {col}: {} != {}", got[col], want[col]);
        }
    }
}

#[test]
fn periphery_trace_matches_upstream() {
    let zero = [F::ZERO; 16];
    for (_, ctx) in common::profiles() {
        let mut rng = StdRng::seed_from_u64(7);
        for sbox in [0, 1] {
            check(&ctx, &[], sbox, "no inputs");
            check(&ctx, &[random_input(&mut rng)], sbox, "one input");
            check(&ctx, &[zero, zero, zero], sbox, "the zero input, three times");
            let repeated = with_duplicates(&mut rng, 37, 1000);
            check(&ctx, &repeated, sbox, "many duplicates");
            let mut with_zero = with_duplicates(&mut rng, 5, 40);
            with_zero.insert(17, zero);
            check(&ctx, &with_zero, sbox, "duplicates and the zero input");
            check(&ctx, &with_duplicates(&mut rng, 100, 100), sbox, "all distinct");
            check(&ctx, &with_duplicates(&mut rng, 64, 64), sbox, "all distinct, a power of two");
            check(&ctx, &with_duplicates(&mut rng, 32, 257), sbox, "a power of two distinct among more");
            // More invocations than one grid dimension holds under `tiny` (64 x 64).
            check(&ctx, &with_duplicates(&mut rng, 3000, 5000), sbox, "more records than a grid dimension");
        }
        // A trace wider than one binding under `tiny`: columns in several buffers.
        check(&ctx, &with_duplicates(&mut rng, 20_000, 21_000), 1, "a trace over several buffers");
    }
}

/// OpenVM's Poseidon2 configuration (the AIR's round constants, which the trace kernel is built
/// with) has Plonky3's round constants, those of the backend's `poseidon2` include.
#[test]
fn openvm_round_constants_are_plonky3s() {
    use p3_baby_bear::{BABYBEAR_RC16_EXTERNAL_FINAL, BABYBEAR_RC16_EXTERNAL_INITIAL, BABYBEAR_RC16_INTERNAL};
    let c = vm_poseidon2_config::<F>().constants;
    assert_eq!(c.beginning_full_round_constants, BABYBEAR_RC16_EXTERNAL_INITIAL);
    assert_eq!(c.partial_round_constants, BABYBEAR_RC16_INTERNAL);
    assert_eq!(c.ending_full_round_constants, BABYBEAR_RC16_EXTERNAL_FINAL);
}

#[test]
fn prefix_sum_matches_the_host() {
    for (profile, ctx) in common::profiles() {
        let mut rng = StdRng::seed_from_u64(11);
        for n in [0usize, 1, 63, 64, 65, 4095, 4096, 4097, 70_000, 300_000] {
            let values: Vec<u32> = (0..n).map(|_| rng.random_range(0..16)).collect();
            // A guard word past the n scanned.
            let mut words = values.clone();
            words.push(0xdead_beef);
            let data = GpuBuffer::from_slice(&ctx, "test scan", &words).unwrap();
            let mut encoder = ctx.encoder("test scan");
            let sums = scan::record_exclusive_prefix_sum(&ctx, &mut encoder, &data, n).unwrap();
            ctx.submit_and_wait("test scan", encoder).unwrap();
            drop(sums);
            let got = data.read(&ctx).unwrap();
            let mut expected: Vec<u32> = values.iter().scan(0u32, |acc, &v| Some(std::mem::replace(acc, *acc + v))).collect();
            expected.push(0xdead_beef);
            assert_eq!(got, expected, "{n} words on {profile}");
        }
    }
}

#[test]
fn inputs_that_do_not_fit_are_errors() {
    for (_, ctx) in common::profiles() {
        let small = GpuBuffer::<u32>::zeroed(&ctx, "test inputs", 32).unwrap();
        let e = periphery_trace(&ctx, &small, 3, 1).err().expect("3 inputs in a buffer of 2");
        assert!(matches!(e, GpuError::InvalidArgument { .. }), "{e}");
        let e = periphery_trace(&ctx, &small, 1, 2).err().expect("2 S-box registers");
        assert!(matches!(e, GpuError::InvalidArgument { .. }), "{e}");
        // Inputs past one storage binding, where the device's buffers can hold them.
        let count = (ctx.limits.max_binding_bytes() / 64 + 1) as usize;
        if count * 64 <= (ctx.limits.max_buffer_size as usize).min(64 << 20) {
            let big = GpuBuffer::<u32>::zeroed(&ctx, "test inputs", count * 16).unwrap();
            let e = periphery_trace(&ctx, &big, count, 1).err().expect("inputs past one binding");
            assert!(matches!(e, GpuError::BufferTooLarge { .. }), "{e}");
        }
    }
}

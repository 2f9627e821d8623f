// Many independent NTTs of size 2^LOG_N (0 < LOG_N <= 10) over contiguous blocks, in place,
// natural order in and out; the inverse includes the 1/n scale (upstream's batch_ntt_small).
//
// Radix-2 decimation in time: elements are read in bit-reversed order, so the first levels pair
// nearby elements. Invocation v of a block owns butterfly pair v; after level k it holds the
// pair (insert_zero_bit(v, k), + 2^k). The next level's pair is reached with one exchange with
// invocation v ^ 2^k: a subgroup shuffle while that stays within the smallest subgroup
// (SHUFFLE_TRANSITIONS levels), workgroup memory after that. Twiddles for level k (half-size
// h = 2^k) sit at twiddles[h - 1 + i] = w_{2h}^i.
#import babybear
#import grid
#import exchange

override WORKGROUP_SIZE: u32;
override INVOCATIONS_PER_BLOCK: u32;
override PAIRS_PER_INVOCATION: u32;
override LOG_N: u32;
override SHUFFLE_TRANSITIONS: u32;
// Words of workgroup memory: 2^LOG_N per block, or 1 when every level fits in shuffles.
override WORKGROUP_WORDS: u32;

struct Params {
    blocks: u32,
    workgroup_base: u32,
    // Montgomery form of 1/n, applied when `inverse` is set.
    scale: u32,
    inverse: u32,
}

@group(0) @binding(0) var<storage, read_write> data: array<u32>;
@group(0) @binding(1) var<storage, read> twiddles: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> block_words: array<u32, WORKGROUP_WORDS>;

fn scaled(x: u32) -> u32 {
    if (params.inverse != 0u) {
        return bb_mul(x, params.scale);
    }
    return x;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let lid = inv.lid;
    let blocks_per_workgroup = WORKGROUP_SIZE / INVOCATIONS_PER_BLOCK;
    let local_block = lid / INVOCATIONS_PER_BLOCK;
    let t = lid % INVOCATIONS_PER_BLOCK;
    let block = linear_workgroup(inv, params.workgroup_base) * blocks_per_workgroup + local_block;
    // Invocations past the last block still run every barrier, on zeros.
    let in_range = block < params.blocks;
    let n = 1u << LOG_N;
    let base = block * n;
    let shared_base = local_block * n;
    let in_registers_only = SHUFFLE_TRANSITIONS + 1u >= LOG_N;

    for (var j = 0u; j < PAIRS_PER_INVOCATION; j++) {
        let v = t + j * INVOCATIONS_PER_BLOCK;
        var x0 = 0u;
        var x1 = 0u;
        if (in_range) {
            x0 = data[base + bit_reverse(2u * v, LOG_N)];
            x1 = data[base + bit_reverse(2u * v + 1u, LOG_N)];
        }
        // Level 0: the twiddle is 1.
        var a = bb_add(x0, x1);
        var b = bb_sub(x0, x1);
        for (var k = 0u; k < SHUFFLE_TRANSITIONS; k++) {
            let upper = ((v >> k) & 1u) == 1u;
            let received = exchange_xor(select(b, a, upper), 1u << k);
            if (upper) { a = received; } else { b = received; }
            let h = 1u << (k + 1u);
            let w = twiddles[h - 1u + (v & (h - 1u))];
            let bw = bb_mul(b, w);
            let a_next = bb_add(a, bw);
            b = bb_sub(a, bw);
            a = a_next;
        }
        let h = 1u << SHUFFLE_TRANSITIONS;
        let p = insert_zero_bit(v, SHUFFLE_TRANSITIONS);
        if (in_registers_only) {
            if (in_range) {
                data[base + p] = scaled(a);
                data[base + p + h] = scaled(b);
            }
        } else {
            block_words[shared_base + p] = a;
            block_words[shared_base + p + h] = b;
        }
    }
    if (in_registers_only) {
        return;
    }
    workgroupBarrier();
    for (var k = SHUFFLE_TRANSITIONS + 1u; k < LOG_N; k++) {
        let h = 1u << k;
        let last = k + 1u == LOG_N;
        for (var j = 0u; j < PAIRS_PER_INVOCATION; j++) {
            let v = t + j * INVOCATIONS_PER_BLOCK;
            let p = insert_zero_bit(v, k);
            let a = block_words[shared_base + p];
            let bw = bb_mul(block_words[shared_base + p + h], twiddles[h - 1u + (v & (h - 1u))]);
            if (last) {
                if (in_range) {
                    data[base + p] = scaled(bb_add(a, bw));
                    data[base + p + h] = scaled(bb_sub(a, bw));
                }
            } else {
                block_words[shared_base + p] = bb_add(a, bw);
                block_words[shared_base + p + h] = bb_sub(a, bw);
            }
        }
        workgroupBarrier();
    }
}

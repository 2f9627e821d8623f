// Subset-zeta transform inside every block of 2^LOG_N elements: a[i | 2^k] += a[i] for each bit
// k in turn, turning multilinear coefficients into hypercube evaluations (upstream's
// Mle::coeffs_to_evals_inplace), in place. The stacked commitment applies it to each 2^l_skip
// chunk after the chunk's inverse NTT. Same block geometry as batch_ntt_small, without shuffles.
#import babybear
#import grid

override WORKGROUP_SIZE: u32;
override INVOCATIONS_PER_BLOCK: u32;
override PAIRS_PER_INVOCATION: u32;
override LOG_N: u32;
override WORKGROUP_WORDS: u32;

struct Params {
    blocks: u32,
    workgroup_base: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read_write> data: array<u32>;
@group(0) @binding(1) var<uniform> params: Params;

var<workgroup> block_words: array<u32, WORKGROUP_WORDS>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let lid = inv.lid;
    let blocks_per_workgroup = WORKGROUP_SIZE / INVOCATIONS_PER_BLOCK;
    let local_block = lid / INVOCATIONS_PER_BLOCK;
    let t = lid % INVOCATIONS_PER_BLOCK;
    let block = linear_workgroup(inv, params.workgroup_base) * blocks_per_workgroup + local_block;
    let in_range = block < params.blocks;
    let n = 1u << LOG_N;
    let base = block * n;
    let shared_base = local_block * n;

    // Level 0 in registers on adjacent pairs, then the rest through workgroup memory.
    for (var j = 0u; j < PAIRS_PER_INVOCATION; j++) {
        let v = t + j * INVOCATIONS_PER_BLOCK;
        var x0 = 0u;
        var x1 = 0u;
        if (in_range) {
            x0 = data[base + 2u * v];
            x1 = data[base + 2u * v + 1u];
        }
        x1 = bb_add(x1, x0);
        if (LOG_N == 1u) {
            if (in_range) {
                data[base + 2u * v + 1u] = x1;
            }
        } else {
            block_words[shared_base + 2u * v] = x0;
            block_words[shared_base + 2u * v + 1u] = x1;
        }
    }
    if (LOG_N == 1u) {
        return;
    }
    workgroupBarrier();
    for (var k = 1u; k < LOG_N; k++) {
        let h = 1u << k;
        let last = k + 1u == LOG_N;
        for (var j = 0u; j < PAIRS_PER_INVOCATION; j++) {
            let v = t + j * INVOCATIONS_PER_BLOCK;
            let p = insert_zero_bit(v, k);
            let a = block_words[shared_base + p];
            let b = bb_add(block_words[shared_base + p + h], a);
            if (last) {
                if (in_range) {
                    data[base + p] = a;
                    data[base + p + h] = b;
                }
            } else {
                block_words[shared_base + p + h] = b;
            }
        }
        workgroupBarrier();
    }
}

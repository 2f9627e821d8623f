// Proof-of-work search over one batch of candidate witnesses (src/grinding.rs). The transcript
// is a duplex sponge (Poseidon2 width 16, rate 8, overwrite mode): checking witness w
// overwrites state[absorb_idx] with w and permutes, and the sample is word RATE - 1 = 7 of the
// permuted state; w passes when that sample's canonical value has its low `bits` bits zero.
// Invocation i tests candidates start + i * CANDIDATES_PER_INVOCATION + k in increasing order and
// stops at its first pass; the smallest passing candidate of the batch ends up in `found`
// (atomicMin on u32: candidates are below p < 2^31; the host sets it to 0xffffffff first).
#import poseidon2
#import grid

override WORKGROUP_SIZE: u32;
override CANDIDATES_PER_INVOCATION: u32;

// R^2 mod p (R = 2^32): bb_mul(c, BB_R2) is the Montgomery form of the canonical value c.
const BB_R2: u32 = 0x45dddde3u;
const SAMPLE_WORD: u32 = 7u;

struct Params {
    // The sponge state before the witness is absorbed, Montgomery words.
    state: array<vec4<u32>, 4>,
    // First candidate of the batch (canonical) and the batch's size; start + count <= p.
    start: u32,
    count: u32,
    absorb_idx: u32,
    // 2^bits - 1.
    mask: u32,
    workgroup_base: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read_write> found: array<atomic<u32>>;
@group(0) @binding(1) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    let first = i * CANDIDATES_PER_INVOCATION;
    if (first >= params.count) {
        return;
    }
    let last = min(first + CANDIDATES_PER_INVOCATION, params.count);
    for (var k = first; k < last; k++) {
        let c = params.start + k;
        let w = bb_mul(c, BB_R2);
        var s: array<u32, 16>;
        for (var j = 0u; j < 16u; j++) {
            s[j] = select(params.state[j / 4u][j % 4u], w, j == params.absorb_idx);
        }
        poseidon2_permute(&s);
        if ((bb_monty_reduce(u64(s[SAMPLE_WORD])) & params.mask) == 0u) {
            atomicMin(&found[0], c);
            break;
        }
    }
}

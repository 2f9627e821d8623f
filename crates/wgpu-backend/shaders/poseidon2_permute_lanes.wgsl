// Applies the Poseidon2 permutation to `count` states of 16 words in place, one state per
// workgroup with one invocation per word (poseidon2_lanes): the check of the generated
// one-word-per-invocation WGSL against Plonky3's permutation.
#import poseidon2_lanes
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    count: u32,
    workgroup_base: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read_write> states: array<u32>;
@group(0) @binding(1) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    // The same for the whole workgroup, so the permutation's barriers stay uniform.
    let state = linear_workgroup(inv, params.workgroup_base);
    if (state >= params.count) {
        return;
    }
    let base = P2_WIDTH * state;
    let x = poseidon2_permute_lanes(inv.lid, states[base + inv.lid % P2_WIDTH]);
    if (inv.lid < P2_WIDTH) {
        states[base + inv.lid] = x;
    }
}

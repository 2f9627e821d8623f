// Applies the Poseidon2 permutation to `count` states of 16 words in place: the check of the
// generated WGSL against Plonky3's permutation.
#import poseidon2
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
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (i >= params.count) {
        return;
    }
    var s: array<u32, 16>;
    for (var k = 0u; k < 16u; k++) {
        s[k] = states[16u * i + k];
    }
    poseidon2_permute(&s);
    for (var k = 0u; k < 16u; k++) {
        states[16u * i + k] = s[k];
    }
}

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
fn main(
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let i = linear_workgroup(wid, nwg, params.workgroup_base) * WORKGROUP_SIZE + lid;
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

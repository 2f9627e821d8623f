// One Merkle layer: next[i] = compress(prev[left], prev[right]) with Poseidon2's truncated
// permutation (state = left || right, permute, keep the first 8 words). With x = i / stride and
// y = i % stride, left = 2x * stride + y and right = left + stride: stride 1 pairs neighbours;
// the first log2(rows_per_query) layers use stride = query stride, as upstream's tree does.
#import poseidon2
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    count: u32,
    stride: u32,
    workgroup_base: u32,
    _pad: u32,
}

@group(0) @binding(0) var<storage, read> prev: array<u32>;
@group(0) @binding(1) var<storage, read_write> next: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (i >= params.count) {
        return;
    }
    let x = i / params.stride;
    let y = i % params.stride;
    let left = 2u * x * params.stride + y;
    let right = left + params.stride;
    var s: array<u32, 16>;
    for (var k = 0u; k < 8u; k++) {
        s[k] = prev[8u * left + k];
        s[8u + k] = prev[8u * right + k];
    }
    poseidon2_permute(&s);
    for (var k = 0u; k < 8u; k++) {
        next[8u * i + k] = s[k];
    }
}

// One Merkle layer: next[i] = compress(prev[left], prev[right]) with Poseidon2's truncated
// permutation (state = left || right, permute, keep the first 8 words). With x = i / stride and
// y = i % stride, left = 2x * stride + y and right = left + stride: stride 1 pairs neighbours;
// the first log2(rows_per_query) layers use stride = query stride, as upstream's tree does.
//
// Layers are split over buffers of a power-of-two number of digests (src/merkle_tree.rs). One
// dispatch covers the outputs first .. first + count, whose left children all lie in the chunk
// bound as `prev_left`, right children in `prev_right` (the same buffer when both fit one) and
// outputs in `next`; the *_base parameters are those chunks' first digest indices.
#import poseidon2
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    count: u32,
    stride: u32,
    first: u32,
    next_base: u32,
    left_base: u32,
    right_base: u32,
    workgroup_base: u32,
    _pad: u32,
}

@group(0) @binding(0) var<storage, read> prev_left: array<u32>;
@group(0) @binding(1) var<storage, read> prev_right: array<u32>;
@group(0) @binding(2) var<storage, read_write> next: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let g = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (g >= params.count) {
        return;
    }
    let i = params.first + g;
    let x = i / params.stride;
    let y = i % params.stride;
    let left = 2u * x * params.stride + y - params.left_base;
    let right = 2u * x * params.stride + y + params.stride - params.right_base;
    var s: array<u32, 16>;
    for (var k = 0u; k < 8u; k++) {
        s[k] = prev_left[8u * left + k];
        s[8u + k] = prev_right[8u * right + k];
    }
    poseidon2_permute(&s);
    let out = i - params.next_base;
    for (var k = 0u; k < 8u; k++) {
        next[8u * out + k] = s[k];
    }
}

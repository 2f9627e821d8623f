// One layer of the fractional-sum tree of LogUp's GKR (upstream's fractional_sumcheck): node i
// of the layer above is the projective sum of nodes 2i and 2i + 1 of this one,
//   p' = p_{2i} q_{2i+1} + q_{2i} p_{2i+1},   q' = q_{2i} q_{2i+1}.
// A layer of n fractions is 2n extension elements, (p_i, q_i) at 2i and 2i + 1 (the layout of
// upstream's `Frac`). One invocation per output node.
#import grid
#import babybear_ext4

override WORKGROUP_SIZE: u32;

struct Params {
    count: u32,
    workgroup_base: u32,
    // Fractions per part of a layer over several bindings (fraction f in part f / part_len).
    part_len: u32,
    // The first output node: this dispatch writes nodes in_base .. in_base + count to out[0..).
    in_base: u32,
}

@group(0) @binding(0) var<storage, read> layer_0: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> layer_1: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> layer_2: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> layer_3: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<u32>>;
@group(0) @binding(5) var<uniform> params: Params;

// Extension element e of the layer (fraction e / 2).
fn layer_at(e: u32) -> vec4<u32> {
    let size = 2u * params.part_len;
    let part = e / size;
    let at = e - part * size;
    switch part {
        case 0u: { return layer_0[at]; }
        case 1u: { return layer_1[at]; }
        case 2u: { return layer_2[at]; }
        default: { return layer_3[at]; }
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (i >= params.count) {
        return;
    }
    let n = params.in_base + i;
    let p0 = layer_at(4u * n);
    let q0 = layer_at(4u * n + 1u);
    let p1 = layer_at(4u * n + 2u);
    let q1 = layer_at(4u * n + 3u);
    out[2u * i] = ext_add(ext_mul(p0, q1), ext_mul(q0, p1));
    out[2u * i + 1u] = ext_mul(q0, q1);
}

// Round 0 of the batched zerocheck, first pass of the two-pass reduction over blocks: weighted
// sums of a constraint program's outputs on skip-domain points (constraint_eval in skip-domain
// mode: values[o * rows + b * stride_points + p] is output o at point p of block
// block_start + b), each weighted by eq(xi, block):
//   partials[g * points + p] = sum over the blocks b of group g of
//       eq[block_start + b] * sum_t coeffs[t] * values[outputs[t] * rows + b * stride_points + p]
// for the points p < points. For the zerocheck the terms are the constraints with the powers of
// lambda; for LogUp the interaction counts, or message fields, with their eq(xi, b) and beta
// weights. Workgroup w handles point p = w % points and group g = w / points, one block per
// invocation (group g covers blocks g * WORKGROUP_SIZE ..); ext_column_sums adds the groups.
// A dispatch sums the terms term_start..term_end (runs within an invocation's loop limit) into
// partial rows from row_offset on, so the rows of every run are added by the same second pass.
#import grid
#import ext_reduce

struct Params {
    points: u32,
    stride_points: u32,
    blocks: u32,
    rows: u32,
    block_start: u32,
    term_start: u32,
    term_end: u32,
    row_offset: u32,
    workgroup_base: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> values: array<u32>;
@group(0) @binding(1) var<storage, read> outputs: array<u32>;
@group(0) @binding(2) var<storage, read> coeffs: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> eq: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read_write> partials: array<vec4<u32>>;
@group(0) @binding(5) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let w = linear_workgroup(inv, params.workgroup_base);
    let p = w % params.points;
    let g = w / params.points;
    let b = g * WORKGROUP_SIZE + inv.lid;
    var sum = vec4<u32>(0u);
    if (b < params.blocks) {
        let at = b * params.stride_points + p;
        var acc = vec4<u32>(0u);
        for (var t = params.term_start; t < params.term_end; t++) {
            acc = ext_add(acc, ext_mul_base(coeffs[t], values[outputs[t] * params.rows + at]));
        }
        sum = ext_mul(acc, eq[params.block_start + b]);
    }
    let total = reduce_lanes(inv.lid, sum, 1u);
    if (inv.lid == 0u) {
        partials[(params.row_offset + g) * params.points + p] = total;
    }
}

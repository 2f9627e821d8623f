// Round 0 of the stacked reduction: for the views (trace columns stacked into one column chunk)
// of one height, and every point i of the skip domain D (|D| = 2^l_skip), the sums
//   A[i] = sum_v lambda_eq(v)  sum_x q_v[x, i] eq[x]
//   B[i] = sum_v lambda_rot(v) sum_x q_v[x, i] eq[x]
//   C[i] = sum_v lambda_rot(v) sum_x q_v[x, i] (eq[x - 1 mod 2^n] - eq[x])
// where q_v[x, i] is the view's entry x * 2^l_skip + i and eq the height's eq table. The host
// turns these values on D into s_0 (each is linear in q, so it equals upstream's sum of
// per-row products). An invocation owns one (x, i) and a slab of views; a workgroup covers
// `lanes` consecutive i and WORKGROUP_SIZE / lanes rows, adds its rows in workgroup memory and
// writes one partial row of 3 * 2^l_skip values (ext_column_sums adds the rows).
#import grid
#import ext_reduce

struct Params {
    view_begin: u32,
    view_end: u32,
    views_per_slab: u32,
    slabs: u32,
    log_skip: u32,
    x_count: u32,
    eq_base: u32,
    lanes: u32,
    lane_blocks: u32,
    partial_row_base: u32,
    workgroup_base: u32,
    _pad: u32,
}

// Per view, four vec4: (offset of the view's first word in this chunk, -, -, -), lambda_eq,
// lambda_rot (zero without a rotation claim), unused.
@group(0) @binding(0) var<storage, read> stacked: array<u32>;
@group(0) @binding(1) var<storage, read> views: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> eq: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> partials: array<vec4<u32>>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let wg = linear_workgroup(inv, params.workgroup_base);
    let lane_block = wg % params.lane_blocks;
    let row_block = wg / params.lane_blocks;
    let rows_per_workgroup = WORKGROUP_SIZE / params.lanes;
    let lane = inv.lid % params.lanes;
    let row = row_block * rows_per_workgroup + inv.lid / params.lanes;
    let i = lane_block * params.lanes + lane;
    let domain = 1u << params.log_skip;

    var a = vec4<u32>(0u);
    var b = vec4<u32>(0u);
    var c = vec4<u32>(0u);
    if (row < params.x_count * params.slabs) {
        // Neighbouring invocations take neighbouring x of the same slab, so their reads of a
        // view's column are contiguous.
        let x = row % params.x_count;
        let slab = row / params.x_count;
        let prev = select(x - 1u, params.x_count - 1u, x == 0u);
        let eq_x = eq[params.eq_base + x];
        let diff = ext_sub(eq[params.eq_base + prev], eq_x);
        var t_eq = vec4<u32>(0u);
        var t_rot = vec4<u32>(0u);
        let first = params.view_begin + slab * params.views_per_slab;
        let last = min(first + params.views_per_slab, params.view_end);
        for (var v = first; v < last; v++) {
            let q = stacked[views[4u * v].x + (x << params.log_skip) + i];
            t_eq = ext_add(t_eq, ext_mul_base(views[4u * v + 1u], q));
            t_rot = ext_add(t_rot, ext_mul_base(views[4u * v + 2u], q));
        }
        a = ext_mul(eq_x, t_eq);
        b = ext_mul(eq_x, t_rot);
        c = ext_mul(diff, t_rot);
    }
    let out = (params.partial_row_base + row_block) * 3u * domain + i;
    let sum_a = reduce_lanes(inv.lid, a, params.lanes);
    if (inv.lid < params.lanes) {
        partials[out] = sum_a;
    }
    let sum_b = reduce_lanes(inv.lid, b, params.lanes);
    if (inv.lid < params.lanes) {
        partials[out + domain] = sum_b;
    }
    let sum_c = reduce_lanes(inv.lid, c, params.lanes);
    if (inv.lid < params.lanes) {
        partials[out + 2u * domain] = sum_c;
    }
}

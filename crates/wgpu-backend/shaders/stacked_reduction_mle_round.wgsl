// One multilinear round of the stacked reduction: partial sums of s(1) and s(2) for the views
// of one height in one chunk of the folded stacked matrix q (extension elements, columns
// `q_stride` apart). With h = n_lift - round (n_lift = max(log_height - l_skip, 0)):
// - h >= 0: for y < 2^h, q(X) = q[start + 2y] + X (q[start + 2y + 1] - q[start + 2y]) with
//   start = (row_idx >> log_height) << (h + 1), weighted by the eq and rotation tables
//   interpolated the same way, times lambda_eq and lambda_rot;
// - h < 0 (the view is already folded to one point): y = 0, start = (row_idx >> (l_skip +
//   round)) << 1, the tables are single values, and the weight gains eq(X, b_round) times
//   prod over earlier rounds t > n_lift of eq(u_t, b_t), b_t = bit l_skip + t - 1 of row_idx.
// An invocation owns one y and a slab of views; each workgroup writes one partial (s(1), s(2)).
#import grid
#import ext_reduce

struct Params {
    view_begin: u32,
    view_end: u32,
    views_per_slab: u32,
    slabs: u32,
    y_count: u32,
    folded: u32,
    log_skip: u32,
    round: u32,
    n_lift: u32,
    log_height: u32,
    q_stride: u32,
    table_base: u32,
    partial_base: u32,
    workgroup_base: u32,
    _pad0: u32,
    _pad1: u32,
}

// Per view, four vec4: (-, column in this q chunk, row_idx, -), lambda_eq, lambda_rot, unused.
@group(0) @binding(0) var<storage, read> q: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> views: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> eq: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> rot: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> challenges: array<vec4<u32>>;
@group(0) @binding(5) var<storage, read_write> partials: array<vec4<u32>>;
@group(0) @binding(6) var<uniform> params: Params;

// The line through a at 0 and b at 1, at 2.
fn at_two(a: vec4<u32>, b: vec4<u32>) -> vec4<u32> {
    return ext_add(b, ext_sub(b, a));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let wg = linear_workgroup(inv, params.workgroup_base);
    let row = wg * WORKGROUP_SIZE + inv.lid;
    var s1 = vec4<u32>(0u);
    var s2 = vec4<u32>(0u);
    if (row < params.y_count * params.slabs) {
        // Neighbouring invocations take neighbouring y of the same slab (contiguous reads).
        let y = row % params.y_count;
        let slab = row / params.y_count;
        var eq1: vec4<u32>;
        var eq2: vec4<u32>;
        var rot1: vec4<u32>;
        var rot2: vec4<u32>;
        if (params.folded == 0u) {
            let e0 = eq[params.table_base + 2u * y];
            let e1 = eq[params.table_base + 2u * y + 1u];
            let k0 = rot[params.table_base + 2u * y];
            let k1 = rot[params.table_base + 2u * y + 1u];
            eq1 = e1;
            eq2 = at_two(e0, e1);
            rot1 = k1;
            rot2 = at_two(k0, k1);
        } else {
            eq1 = eq[params.table_base];
            eq2 = eq1;
            rot1 = rot[params.table_base];
            rot2 = rot1;
        }
        var eq_acc1 = vec4<u32>(0u);
        var eq_acc2 = vec4<u32>(0u);
        var rot_acc1 = vec4<u32>(0u);
        var rot_acc2 = vec4<u32>(0u);
        let first = params.view_begin + slab * params.views_per_slab;
        let last = min(first + params.views_per_slab, params.view_end);
        let one = ext_from_base(BB_ONE);
        for (var v = first; v < last; v++) {
            let rec = views[4u * v];
            let row_idx = rec.z;
            var lambda_eq = views[4u * v + 1u];
            var lambda_rot = views[4u * v + 2u];
            var start: u32;
            var q1: vec4<u32>;
            var q2: vec4<u32>;
            if (params.folded == 0u) {
                let h = params.n_lift - params.round;
                start = ((row_idx >> params.log_height) << (h + 1u)) + 2u * y;
                let a = q[rec.y * params.q_stride + start];
                let b = q[rec.y * params.q_stride + start + 1u];
                q1 = b;
                q2 = at_two(a, b);
            } else {
                start = (row_idx >> (params.log_skip + params.round)) << 1u;
                let a = q[rec.y * params.q_stride + start];
                let b = q[rec.y * params.q_stride + start + 1u];
                // eq(u_t, b_t) for the rounds since this view was folded to a point.
                var eq_ub = one;
                for (var t = params.n_lift + 1u; t < params.round; t++) {
                    let u = challenges[t];
                    var factor = u;
                    if (((row_idx >> (params.log_skip + t - 1u)) & 1u) == 0u) {
                        factor = ext_sub(one, u);
                    }
                    eq_ub = ext_mul(eq_ub, factor);
                }
                lambda_eq = ext_mul(lambda_eq, eq_ub);
                lambda_rot = ext_mul(lambda_rot, eq_ub);
                // eq(X, b) at X = 1, 2: b ? (1, 2) : (0, -1).
                let bit = (row_idx >> (params.log_skip + params.round - 1u)) & 1u;
                let b2 = at_two(a, b);
                if (bit == 1u) {
                    q1 = b;
                    q2 = ext_add(b2, b2);
                } else {
                    q1 = vec4<u32>(0u);
                    q2 = ext_sub(vec4<u32>(0u), b2);
                }
            }
            eq_acc1 = ext_add(eq_acc1, ext_mul(lambda_eq, q1));
            eq_acc2 = ext_add(eq_acc2, ext_mul(lambda_eq, q2));
            rot_acc1 = ext_add(rot_acc1, ext_mul(lambda_rot, q1));
            rot_acc2 = ext_add(rot_acc2, ext_mul(lambda_rot, q2));
        }
        s1 = ext_add(ext_mul(eq_acc1, eq1), ext_mul(rot_acc1, rot1));
        s2 = ext_add(ext_mul(eq_acc2, eq2), ext_mul(rot_acc2, rot2));
    }
    let sum1 = reduce_lanes(inv.lid, s1, 1u);
    if (inv.lid == 0u) {
        partials[2u * (params.partial_base + wg)] = sum1;
    }
    let sum2 = reduce_lanes(inv.lid, s2, 1u);
    if (inv.lid == 0u) {
        partials[2u * (params.partial_base + wg) + 1u] = sum2;
    }
}

// Partial sums of one sumcheck round of a LogUp GKR layer (upstream's fractional_sumcheck):
// with rows (p_0, q_0, p_1, q_1) of four extension elements at pq[4x..4x + 4), the eq column
// eq[x], and each column's line t(X) = t[2y] + X (t[2y + 1] - t[2y]) through rows 2y, 2y + 1,
//   s(X) = Σ_{y < half} eq(X) (p_0(X) q_1(X) + p_1(X) q_0(X) + lambda q_0(X) q_1(X))
// at X = 1, 2, 3. Invocation g of the grid takes y = g, g + stride, g + 2 stride, ...; each
// workgroup writes its partial (s(1), s(2), s(3)) to partials[3 wg..3 wg + 3).
#import grid
#import ext_reduce

struct Params {
    half: u32,
    stride: u32,
    workgroup_base: u32,
    _pad0: u32,
    lambda: vec4<u32>,
}

@group(0) @binding(0) var<storage, read> pq: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> eq: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> partials: array<vec4<u32>>;
@group(0) @binding(3) var<uniform> params: Params;

fn term(e: vec4<u32>, p0: vec4<u32>, q0: vec4<u32>, p1: vec4<u32>, q1: vec4<u32>) -> vec4<u32> {
    let num = ext_add(ext_mul(p0, q1), ext_mul(p1, q0));
    return ext_mul(e, ext_add(num, ext_mul(params.lambda, ext_mul(q0, q1))));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let wg = linear_workgroup(inv, params.workgroup_base);
    var s1 = vec4<u32>(0u);
    var s2 = vec4<u32>(0u);
    var s3 = vec4<u32>(0u);
    for (var y = wg * WORKGROUP_SIZE + inv.lid; y < params.half; y += params.stride) {
        let lo = 8u * y;
        // Values at X = 1 (row 2y + 1) and slopes (row 2y + 1 minus row 2y).
        var p0 = pq[lo + 4u];
        var q0 = pq[lo + 5u];
        var p1 = pq[lo + 6u];
        var q1 = pq[lo + 7u];
        var e = eq[2u * y + 1u];
        let dp0 = ext_sub(p0, pq[lo]);
        let dq0 = ext_sub(q0, pq[lo + 1u]);
        let dp1 = ext_sub(p1, pq[lo + 2u]);
        let dq1 = ext_sub(q1, pq[lo + 3u]);
        let de = ext_sub(e, eq[2u * y]);
        s1 = ext_add(s1, term(e, p0, q0, p1, q1));
        p0 = ext_add(p0, dp0);
        q0 = ext_add(q0, dq0);
        p1 = ext_add(p1, dp1);
        q1 = ext_add(q1, dq1);
        e = ext_add(e, de);
        s2 = ext_add(s2, term(e, p0, q0, p1, q1));
        p0 = ext_add(p0, dp0);
        q0 = ext_add(q0, dq0);
        p1 = ext_add(p1, dp1);
        q1 = ext_add(q1, dq1);
        e = ext_add(e, de);
        s3 = ext_add(s3, term(e, p0, q0, p1, q1));
    }
    let sum1 = reduce_lanes(inv.lid, s1, 1u);
    if (inv.lid == 0u) {
        partials[3u * wg] = sum1;
    }
    let sum2 = reduce_lanes(inv.lid, s2, 1u);
    if (inv.lid == 0u) {
        partials[3u * wg + 1u] = sum2;
    }
    let sum3 = reduce_lanes(inv.lid, s3, 1u);
    if (inv.lid == 0u) {
        partials[3u * wg + 2u] = sum3;
    }
}

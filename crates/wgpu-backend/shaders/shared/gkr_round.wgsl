// A LogUp GKR sumcheck round's arithmetic, shared by gkr_sumcheck_round and gkr_small_rounds:
// the fold of two rows at a challenge, and one pair of rows' contribution to s(1), s(2), s(3).
#import babybear_ext4

// a + r (b - a): a column's line through two rows, at r (upstream's fold_mle_evals).
fn gkr_fold_at(r: vec4<u32>, a: vec4<u32>, b: vec4<u32>) -> vec4<u32> {
    return ext_add(a, ext_mul(r, ext_sub(b, a)));
}

// eq (p_0 q_1 + p_1 q_0 + λ q_0 q_1) at one point.
fn gkr_term(lambda: vec4<u32>, e: vec4<u32>, p0: vec4<u32>, q0: vec4<u32>, p1: vec4<u32>, q1: vec4<u32>) -> vec4<u32> {
    let num = ext_add(ext_mul(p0, q1), ext_mul(p1, q0));
    return ext_mul(e, ext_add(num, ext_mul(lambda, ext_mul(q0, q1))));
}

// The pair of rows (lo = row 2y, hi = row 2y + 1; columns p_0, q_0, p_1, q_1) with eq values
// e0, e1, on the line X -> row 2y + X (row 2y + 1 minus row 2y per step): its terms at
// X = 1, 2, 3.
fn gkr_pair_evals(lambda: vec4<u32>, lo: array<vec4<u32>, 4>, hi: array<vec4<u32>, 4>, e0: vec4<u32>, e1: vec4<u32>) -> array<vec4<u32>, 3> {
    var p0 = hi[0];
    var q0 = hi[1];
    var p1 = hi[2];
    var q1 = hi[3];
    var e = e1;
    let dp0 = ext_sub(p0, lo[0]);
    let dq0 = ext_sub(q0, lo[1]);
    let dp1 = ext_sub(p1, lo[2]);
    let dq1 = ext_sub(q1, lo[3]);
    let de = ext_sub(e, e0);
    var out: array<vec4<u32>, 3>;
    for (var k = 0u; k < 3u; k++) {
        out[k] = gkr_term(lambda, e, p0, q0, p1, q1);
        p0 = ext_add(p0, dp0);
        q0 = ext_add(q0, dq0);
        p1 = ext_add(p1, dp1);
        q1 = ext_add(q1, dq1);
        e = ext_add(e, de);
    }
    return out;
}

// One sumcheck round of a LogUp GKR layer (upstream's fractional_sumcheck), fused with the fold
// of the previous round's challenge. The layer's matrix has rows (p_0, q_0, p_1, q_1) of four
// extension elements, row x at pq[4x..4x + 4), and an eq column; each column's line through
// rows 2y and 2y + 1 is t(X) = t[2y] + X (t[2y + 1] - t[2y]), and the round's partial sums are
//   s(X) = Σ_{y < half} eq(X) (p_0(X) q_1(X) + p_1(X) q_0(X) + lambda q_0(X) q_1(X))
// at X = 1, 2, 3.
// - fold == 0: rows 2y, 2y + 1 are read from pq_in and eq_in as they are;
// - fold != 0: pq_in and eq_in hold the previous round's matrix (twice as many rows), and row k
//   of this round's is row 2k + r (row 2k + 1 - row 2k) of it (upstream's fold_mle_evals at r);
//   rows 2y, 2y + 1 are computed so and also written to pq_out, eq_out for the next round.
// The batching λ and the fold's challenge r are read from `challenges` (slots lambda_slot and
// r_slot), where the device transcript or the host put them, so rounds can be recorded before
// their challenges exist.
// Invocation g of the grid takes y = g, g + stride, g + 2 stride, ...; each workgroup writes
// its partial (s(1), s(2), s(3)) to partials[3 (partial_base + wg)..+ 3). Rows index eq_in and
// eq_out from eq_in_base and eq_out_base.
#import grid
#import ext_reduce
#import gkr_round

struct Params {
    half: u32,
    stride: u32,
    fold: u32,
    workgroup_base: u32,
    lambda_slot: u32,
    r_slot: u32,
    // Elements of the matrix below pq_split are in pq_in, the rest in pq_in_hi (a layer over two
    // bindings); rows never straddle it.
    pq_split: u32,
    // Where this dispatch's rows start in eq_in and eq_out, and its first partial triple: a
    // layer over four bindings runs its first rounds one pair of parts per dispatch.
    eq_in_base: u32,
    eq_out_base: u32,
    partial_base: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> pq_in: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> pq_in_hi: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> eq_in: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> pq_out: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read_write> eq_out: array<vec4<u32>>;
@group(0) @binding(5) var<storage, read_write> partials: array<vec4<u32>>;
@group(0) @binding(6) var<storage, read> challenges: array<vec4<u32>>;
@group(0) @binding(7) var<uniform> params: Params;

fn pq_at(e: u32) -> vec4<u32> {
    if (e < params.pq_split) {
        return pq_in[e];
    }
    return pq_in_hi[e - params.pq_split];
}


@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let wg = linear_workgroup(inv, params.workgroup_base);
    let lambda = challenges[params.lambda_slot];
    let r = challenges[params.r_slot];
    var s1 = vec4<u32>(0u);
    var s2 = vec4<u32>(0u);
    var s3 = vec4<u32>(0u);
    for (var y = wg * WORKGROUP_SIZE + inv.lid; y < params.half; y += params.stride) {
        // Row 2y (lo) and row 2y + 1 (hi) of this round's matrix, and their eq values.
        var lo: array<vec4<u32>, 4>;
        var hi: array<vec4<u32>, 4>;
        var e0: vec4<u32>;
        var e1: vec4<u32>;
        if (params.fold == 0u) {
            for (var c = 0u; c < 4u; c++) {
                lo[c] = pq_at(8u * y + c);
                hi[c] = pq_at(8u * y + 4u + c);
            }
            e0 = eq_in[params.eq_in_base + 2u * y];
            e1 = eq_in[params.eq_in_base + 2u * y + 1u];
        } else {
            for (var c = 0u; c < 4u; c++) {
                lo[c] = gkr_fold_at(r, pq_at(16u * y + c), pq_at(16u * y + 4u + c));
                hi[c] = gkr_fold_at(r, pq_at(16u * y + 8u + c), pq_at(16u * y + 12u + c));
                pq_out[8u * y + c] = lo[c];
                pq_out[8u * y + 4u + c] = hi[c];
            }
            let ei = params.eq_in_base + 4u * y;
            e0 = gkr_fold_at(r, eq_in[ei], eq_in[ei + 1u]);
            e1 = gkr_fold_at(r, eq_in[ei + 2u], eq_in[ei + 3u]);
            eq_out[params.eq_out_base + 2u * y] = e0;
            eq_out[params.eq_out_base + 2u * y + 1u] = e1;
        }
        let evals = gkr_pair_evals(lambda, lo, hi, e0, e1);
        s1 = ext_add(s1, evals[0]);
        s2 = ext_add(s2, evals[1]);
        s3 = ext_add(s3, evals[2]);
    }
    let at = 3u * (params.partial_base + wg);
    let sum1 = reduce_lanes(inv.lid, s1, 1u);
    if (inv.lid == 0u) {
        partials[at] = sum1;
    }
    let sum2 = reduce_lanes(inv.lid, s2, 1u);
    if (inv.lid == 0u) {
        partials[at + 1u] = sum2;
    }
    let sum3 = reduce_lanes(inv.lid, s3, 1u);
    if (inv.lid == 0u) {
        partials[at + 2u] = sum3;
    }
}

// Factor tables of product-form hypercube tables. Term t is
//   T_t(x) = scale_t * Π_i (bit i of x ? one_{t,i} : zero_{t,i})    (x in {0,1}^(lo + hi)),
// which splits as lo_t(x mod 2^lo) * hi_t(x >> lo). This kernel writes, per term,
// lo_t (2^lo entries, scale_t folded in) followed by hi_t (2^hi entries), four words per entry;
// eq_accumulate then sums the products. eq(x, z) has one = z_i, zero = 1 - z_i; upstream's
// Möbius-adjusted eq kernel one = u_i, zero = 1 - 2 u_i.
#import babybear_ext4
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    terms: u32,
    lo_bits: u32,
    hi_bits: u32,
    workgroup_base: u32,
}

// (one, zero) per term per variable: 8 words each, lo + hi variables per term.
@group(0) @binding(0) var<storage, read> pairs: array<u32>;
// scale per term, 4 words each.
@group(0) @binding(1) var<storage, read> scales: array<u32>;
@group(0) @binding(2) var<storage, read_write> table: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    let lo_len = 1u << params.lo_bits;
    let per_term = lo_len + (1u << params.hi_bits);
    if (i >= params.terms * per_term) {
        return;
    }
    let t = i / per_term;
    let r = i % per_term;
    let vars = params.lo_bits + params.hi_bits;
    var idx = r;
    var first = 0u;
    var bits = params.lo_bits;
    var acc = vec4<u32>(BB_ONE, 0u, 0u, 0u);
    if (r < lo_len) {
        acc = vec4<u32>(scales[4u * t], scales[4u * t + 1u], scales[4u * t + 2u], scales[4u * t + 3u]);
    } else {
        idx = r - lo_len;
        first = params.lo_bits;
        bits = params.hi_bits;
    }
    for (var b = 0u; b < bits; b++) {
        var o = 8u * (t * vars + first + b);
        if (((idx >> b) & 1u) == 0u) {
            o += 4u;
        }
        acc = ext_mul(acc, vec4<u32>(pairs[o], pairs[o + 1u], pairs[o + 2u], pairs[o + 3u]));
    }
    table[4u * i] = acc.x;
    table[4u * i + 1u] = acc.y;
    table[4u * i + 2u] = acc.z;
    table[4u * i + 3u] = acc.w;
}

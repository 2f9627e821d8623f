// Sums product-form tables over the hypercube (see eq_factors.wgsl):
//   w[x] = (accumulate ? w[x] : 0) + Σ_t lo_t(x mod 2^lo) * hi_t(x >> lo)
// for x < 2^(lo + hi), w an extension vector split into chunks, each in column form (four
// component columns as long as the chunk); a dispatch writes the n elements of the chunk that
// starts at element `first`. One pass adds every term, e.g. WHIR's γ eq(x, z0) and all its
// query terms at once.
#import babybear_ext4
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    n: u32,
    terms: u32,
    lo_bits: u32,
    hi_bits: u32,
    accumulate: u32,
    workgroup_base: u32,
    first: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> table: array<u32>;
@group(0) @binding(1) var<storage, read_write> w: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

fn entry(e: u32) -> vec4<u32> {
    return vec4<u32>(table[4u * e], table[4u * e + 1u], table[4u * e + 2u], table[4u * e + 3u]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    let n = params.n;
    if (i >= n) {
        return;
    }
    let x = params.first + i;
    let lo_len = 1u << params.lo_bits;
    let per_term = lo_len + (1u << params.hi_bits);
    let lo = x & (lo_len - 1u);
    let hi = x >> params.lo_bits;
    var acc = vec4<u32>(0u, 0u, 0u, 0u);
    if (params.accumulate != 0u) {
        acc = vec4<u32>(w[i], w[n + i], w[2u * n + i], w[3u * n + i]);
    }
    for (var t = 0u; t < params.terms; t++) {
        acc = ext_add(acc, ext_mul(entry(t * per_term + lo), entry(t * per_term + lo_len + hi)));
    }
    w[i] = acc.x;
    w[n + i] = acc.y;
    w[2u * n + i] = acc.z;
    w[3u * n + i] = acc.w;
}

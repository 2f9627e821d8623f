// The equality polynomial's values on the hypercube: out[out_base + x] = prod over j < vars of
// (bit j of x ? r_j : 1 - r_j), with r_j = points[point_base + j] (upstream's
// evals_eq_hypercube: bit j of x goes with r_j). One invocation per x, in one of two modes:
// - direct (lo_vars = 0): the product of the vars factors;
// - product (lo_vars > 0): eq splits over the low lo_vars bits and the rest, so
//   out[x] = tables[x mod 2^lo_vars] * tables[2^lo_vars + (x >> lo_vars)], both small tables
//   built in direct mode first: one multiplication per value instead of vars.
#import grid
#import babybear_ext4

override WORKGROUP_SIZE: u32;

struct Params {
    count: u32,
    vars: u32,
    out_base: u32,
    point_base: u32,
    workgroup_base: u32,
    lo_vars: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> points: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> tables: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<u32>>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let x = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (x >= params.count) {
        return;
    }
    if (params.lo_vars > 0u) {
        let lo = x & ((1u << params.lo_vars) - 1u);
        let hi = (1u << params.lo_vars) + (x >> params.lo_vars);
        out[params.out_base + x] = ext_mul(tables[lo], tables[hi]);
        return;
    }
    var acc = ext_from_base(BB_ONE);
    for (var j = 0u; j < params.vars; j++) {
        let r = points[params.point_base + j];
        var factor = r;
        if (((x >> j) & 1u) == 0u) {
            factor = ext_sub(ext_from_base(BB_ONE), r);
        }
        acc = ext_mul(acc, factor);
    }
    out[params.out_base + x] = acc;
}

// One level of a multilinear transform on `columns` columns of 2^log_n words each, in place:
// data[p + 2^bit] += coef * data[p] for every p whose bit `bit` is zero. coef = 1 is a level of
// the subset-zeta transform (upstream's Mle::coeffs_to_evals_inplace), coef = -1 a level of its
// inverse (Mle::evals_to_coeffs_inplace). Being base-field linear, it transforms an extension
// vector held as four component columns.
//
// For a vector split into chunks, a level whose pairs lie in two chunks (`across`) adds the
// lower chunk into the upper one word by word: data[i] += coef * lower[i] for i < pairs.
// Otherwise `lower` is an unused placeholder.
#import babybear
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    log_n: u32,
    bit: u32,
    coef: u32,
    pairs: u32,
    workgroup_base: u32,
    across: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read_write> data: array<u32>;
@group(0) @binding(1) var<storage, read> lower: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (i >= params.pairs) {
        return;
    }
    if (params.across != 0u) {
        data[i] = bb_add(data[i], bb_mul(params.coef, lower[i]));
        return;
    }
    let per_column = params.log_n - 1u;
    let column = i >> per_column;
    let v = i & ((1u << per_column) - 1u);
    let p = (column << params.log_n) + insert_zero_bit(v, params.bit);
    let q = p + (1u << params.bit);
    data[q] = bb_add(data[q], bb_mul(params.coef, data[p]));
}

// Folds multilinear evaluations at a challenge u: for every column c and y < half,
// out[out_base + c * out_stride + y * out_row_stride] = a + u * (b - a) with a, b the column's
// entries 2y and 2y + 1 (upstream's fold_mle_evals); entry x of input column c is
// values[in_base + c * in_stride + x * in_row_stride], so both column-major (row stride 1) and
// row-major (column stride 1) matrices fold here. Input and output are different buffers, since in place
// one invocation's write would race with another's read.
#import grid
#import babybear_ext4

override WORKGROUP_SIZE: u32;

struct Params {
    columns: u32,
    half: u32,
    in_stride: u32,
    out_stride: u32,
    in_base: u32,
    out_base: u32,
    workgroup_base: u32,
    in_row_stride: u32,
    out_row_stride: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
    u: vec4<u32>,
}

@group(0) @binding(0) var<storage, read> values: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> out: array<vec4<u32>>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let t = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (t >= params.columns * params.half) {
        return;
    }
    let c = t / params.half;
    let y = t % params.half;
    let src = params.in_base + c * params.in_stride + 2u * y * params.in_row_stride;
    let a = values[src];
    let b = values[src + params.in_row_stride];
    out[params.out_base + c * params.out_stride + y * params.out_row_stride] = ext_add(a, ext_mul(params.u, ext_sub(b, a)));
}

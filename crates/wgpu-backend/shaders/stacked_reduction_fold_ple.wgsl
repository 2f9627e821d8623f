// Folds the stacked matrix's prismalinear columns at u_0 (upstream's fold_ple_evals): for the
// columns c < columns and every x, out[(out_column + c) * out_stride + x] = sum_i weights[i] *
// stacked[(in_column + c) * height + x * 2^l_skip + i], where weights are the Lagrange basis of
// the skip domain at u_0 (computed on the host). Column offsets let one dispatch cover the
// columns an input chunk and an output chunk share.
#import grid
#import babybear_ext4

override WORKGROUP_SIZE: u32;

struct Params {
    columns: u32,
    x_count: u32,
    log_skip: u32,
    height: u32,
    out_stride: u32,
    workgroup_base: u32,
    in_column: u32,
    out_column: u32,
}

@group(0) @binding(0) var<storage, read> stacked: array<u32>;
@group(0) @binding(1) var<storage, read> weights: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<u32>>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let t = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (t >= params.columns * params.x_count) {
        return;
    }
    let c = t / params.x_count;
    let x = t % params.x_count;
    let start = (params.in_column + c) * params.height + (x << params.log_skip);
    var acc = vec4<u32>(0u);
    for (var i = 0u; i < (1u << params.log_skip); i++) {
        acc = ext_add(acc, ext_mul_base(weights[i], stacked[start + i]));
    }
    out[(params.out_column + c) * params.out_stride + x] = acc;
}

// Folds prismalinear columns at a point r (upstream's fold_ple_evals: the stacked matrix at u_0
// in the stacked reduction, an AIR's trace columns at r_0 after zerocheck round 0): for the
// columns c < columns and every block x < x_count,
// out[(out_column + c) * x_count + x] = sum_i weights[i] * trace[(in_column + c) * height +
// ((x << log_skip) + i + offset) % height], where weights are the Lagrange basis of the skip
// domain at r (computed on the host), offset is 1 for the next-row rotation, and the modulo
// both wraps the rotation and lifts a trace shorter than 2^log_skip. Column offsets let one
// dispatch cover the columns an input chunk and an output chunk share.
#import grid
#import babybear_ext4

override WORKGROUP_SIZE: u32;

struct Params {
    columns: u32,
    x_count: u32,
    log_skip: u32,
    height: u32,
    offset: u32,
    workgroup_base: u32,
    in_column: u32,
    out_column: u32,
}

@group(0) @binding(0) var<storage, read> trace: array<u32>;
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
    let base = (params.in_column + c) * params.height;
    let first = (x << params.log_skip) + params.offset;
    var acc = vec4<u32>(0u);
    for (var i = 0u; i < (1u << params.log_skip); i++) {
        // Heights are powers of two (checked on the host): "mod height" is a mask.
        let row = (first + i) & (params.height - 1u);
        acc = ext_add(acc, ext_mul_base(weights[i], trace[base + row]));
    }
    out[(params.out_column + c) * params.x_count + x] = acc;
}

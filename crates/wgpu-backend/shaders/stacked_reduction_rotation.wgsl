// After round 0, per height: the eq table gains its univariate factor and the rotation table is
// formed from it (upstream's fold_ple_evals of the stacked reduction):
//   eq_out[x]  = scale_eq * eq[x]
//   rot_out[x] = scale_rot * eq[x] + scale_wrap * (eq[x - 1 mod count] - eq[x]).
#import grid
#import babybear_ext4

override WORKGROUP_SIZE: u32;

struct Params {
    count: u32,
    base: u32,
    workgroup_base: u32,
    _pad: u32,
    scale_eq: vec4<u32>,
    scale_rot: vec4<u32>,
    scale_wrap: vec4<u32>,
}

@group(0) @binding(0) var<storage, read> eq: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> eq_out: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> rot_out: array<vec4<u32>>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let x = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (x >= params.count) {
        return;
    }
    let prev = select(x - 1u, params.count - 1u, x == 0u);
    let e = eq[params.base + x];
    let diff = ext_sub(eq[params.base + prev], e);
    eq_out[params.base + x] = ext_mul(params.scale_eq, e);
    rot_out[params.base + x] = ext_add(ext_mul(params.scale_rot, e), ext_mul(params.scale_wrap, diff));
}

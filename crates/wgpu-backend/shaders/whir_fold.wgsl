// Sumcheck fold of an extension vector of 2 * half elements (column form: four component
// columns) at alpha: dst[y] = src[2y] + alpha * (src[2y + 1] - src[2y]), into a vector of
// `half` elements in column form.
#import babybear_ext4
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    half: u32,
    workgroup_base: u32,
    _pad0: u32,
    _pad1: u32,
    alpha: vec4<u32>,
}

@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let y = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    let h = params.half;
    if (y >= h) {
        return;
    }
    let n = 2u * h;
    let a = vec4<u32>(src[2u * y], src[n + 2u * y], src[2u * n + 2u * y], src[3u * n + 2u * y]);
    let b = vec4<u32>(src[2u * y + 1u], src[n + 2u * y + 1u], src[2u * n + 2u * y + 1u], src[3u * n + 2u * y + 1u]);
    let r = ext_add(a, ext_mul(params.alpha, ext_sub(b, a)));
    dst[y] = r.x;
    dst[h + y] = r.y;
    dst[2u * h + y] = r.z;
    dst[3u * h + y] = r.w;
}

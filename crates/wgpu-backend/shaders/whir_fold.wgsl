// Sumcheck fold of an extension vector at alpha: dst[y] = src[2y] + alpha * (src[2y + 1] -
// src[2y]). Vectors are split into chunks of a power-of-two number of elements, each in column
// form (four component columns as long as the chunk); one dispatch folds one source chunk of
// src_n elements into the outputs dst_offset .. dst_offset + half of a destination chunk of
// dst_n elements.
#import babybear_ext4
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    half: u32,
    workgroup_base: u32,
    src_n: u32,
    dst_n: u32,
    dst_offset: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
    alpha: vec4<u32>,
}

@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let y = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (y >= params.half) {
        return;
    }
    let n = params.src_n;
    let a = vec4<u32>(src[2u * y], src[n + 2u * y], src[2u * n + 2u * y], src[3u * n + 2u * y]);
    let b = vec4<u32>(src[2u * y + 1u], src[n + 2u * y + 1u], src[2u * n + 2u * y + 1u], src[3u * n + 2u * y + 1u]);
    let r = ext_add(a, ext_mul(params.alpha, ext_sub(b, a)));
    let m = params.dst_n;
    let o = params.dst_offset + y;
    dst[o] = r.x;
    dst[m + o] = r.y;
    dst[2u * m + o] = r.z;
    dst[3u * m + o] = r.w;
}

// Elementwise BabyBear and extension-field operations, for checking the shared WGSL arithmetic
// against Plonky3 (and as the device self-check of `openvm-wgpu info`).
// op: 0 add, 1 sub, 2 mul, 3 neg, 4 inv, 5 pow(a, b), 6 ext add, 7 ext sub, 8 ext mul,
// 9 ext * base. Base ops read one word per operand, extension ops four.
#import babybear_ext4
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    op: u32,
    count: u32,
    workgroup_base: u32,
    _pad: u32,
}

@group(0) @binding(0) var<storage, read> lhs: array<u32>;
@group(0) @binding(1) var<storage, read> rhs: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

fn load_ext(buf_is_lhs: bool, i: u32) -> vec4<u32> {
    if (buf_is_lhs) {
        return vec4<u32>(lhs[4u * i], lhs[4u * i + 1u], lhs[4u * i + 2u], lhs[4u * i + 3u]);
    }
    return vec4<u32>(rhs[4u * i], rhs[4u * i + 1u], rhs[4u * i + 2u], rhs[4u * i + 3u]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (i >= params.count) {
        return;
    }
    switch params.op {
        case 0u: { out[i] = bb_add(lhs[i], rhs[i]); }
        case 1u: { out[i] = bb_sub(lhs[i], rhs[i]); }
        case 2u: { out[i] = bb_mul(lhs[i], rhs[i]); }
        case 3u: { out[i] = bb_neg(lhs[i]); }
        case 4u: { out[i] = bb_inv(lhs[i]); }
        case 5u: { out[i] = bb_pow(lhs[i], rhs[i]); }
        case 9u: {
            let r = ext_mul_base(load_ext(true, i), rhs[i]);
            out[4u * i] = r.x; out[4u * i + 1u] = r.y; out[4u * i + 2u] = r.z; out[4u * i + 3u] = r.w;
        }
        default: {
            let a = load_ext(true, i);
            let b = load_ext(false, i);
            var r = ext_add(a, b);
            if (params.op == 7u) { r = ext_sub(a, b); }
            if (params.op == 8u) { r = ext_mul(a, b); }
            out[4u * i] = r.x; out[4u * i + 1u] = r.y; out[4u * i + 2u] = r.z; out[4u * i + 3u] = r.w;
        }
    }
}

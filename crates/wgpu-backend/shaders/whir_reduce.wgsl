// Reductions of extension vectors to a pair of extension elements, through per-workgroup
// partials (ARCHITECTURE.md rule 10). The vectors are split into chunks; a first-pass dispatch
// reads one chunk of each (column form: four component columns of n words) and writes its
// partials from out[8 * partial_base]:
//   mode 0, sumcheck round: over pairs y < items, with f = a, w = b,
//           s(1) = Σ f(2y+1) w(2y+1),  s(2) = Σ (2 f(2y+1) - f(2y)) (2 w(2y+1) - w(2y));
//   mode 1, inner product: Σ_{x < items} a(x) b(x)  (second element zero);
//   mode 2, second pass: sums `items` partials of 8 words in a.
// Each invocation accumulates ITEMS_PER_INVOCATION items, the workgroup sums its invocations
// in workgroup memory and writes its partial (8 words) to out[workgroup].
#import babybear_ext4
#import grid

override WORKGROUP_SIZE: u32;
override ITEMS_PER_INVOCATION: u32;
override PARTIAL_VEC4S: u32;

struct Params {
    mode: u32,
    items: u32,
    n: u32,
    workgroups: u32,
    workgroup_base: u32,
    partial_base: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> a: array<u32>;
@group(0) @binding(1) var<storage, read> b: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> partial: array<vec4<u32>, PARTIAL_VEC4S>;

fn load_a(x: u32) -> vec4<u32> {
    let n = params.n;
    return vec4<u32>(a[x], a[n + x], a[2u * n + x], a[3u * n + x]);
}

fn load_b(x: u32) -> vec4<u32> {
    let n = params.n;
    return vec4<u32>(b[x], b[n + x], b[2u * n + x], b[3u * n + x]);
}

fn ext_double(v: vec4<u32>) -> vec4<u32> {
    return ext_add(v, v);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let lid = inv.lid;
    let wg = linear_workgroup(inv, params.workgroup_base);
    var s0 = vec4<u32>(0u, 0u, 0u, 0u);
    var s1 = vec4<u32>(0u, 0u, 0u, 0u);
    for (var j = 0u; j < ITEMS_PER_INVOCATION; j++) {
        let item = (wg * ITEMS_PER_INVOCATION + j) * WORKGROUP_SIZE + lid;
        if (item < params.items) {
            if (params.mode == 0u) {
                let f0 = load_a(2u * item);
                let f1 = load_a(2u * item + 1u);
                let w0 = load_b(2u * item);
                let w1 = load_b(2u * item + 1u);
                s0 = ext_add(s0, ext_mul(f1, w1));
                s1 = ext_add(s1, ext_mul(ext_sub(ext_double(f1), f0), ext_sub(ext_double(w1), w0)));
            } else if (params.mode == 1u) {
                s0 = ext_add(s0, ext_mul(load_a(item), load_b(item)));
            } else {
                let o = 8u * item;
                s0 = ext_add(s0, vec4<u32>(a[o], a[o + 1u], a[o + 2u], a[o + 3u]));
                s1 = ext_add(s1, vec4<u32>(a[o + 4u], a[o + 5u], a[o + 6u], a[o + 7u]));
            }
        }
    }
    partial[2u * lid] = s0;
    partial[2u * lid + 1u] = s1;
    workgroupBarrier();
    for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride = stride / 2u) {
        if (lid < stride) {
            partial[2u * lid] = ext_add(partial[2u * lid], partial[2u * (lid + stride)]);
            partial[2u * lid + 1u] = ext_add(partial[2u * lid + 1u], partial[2u * (lid + stride) + 1u]);
        }
        workgroupBarrier();
    }
    if (lid == 0u && wg < params.workgroups) {
        let r0 = partial[0];
        let r1 = partial[1];
        let o = 8u * (params.partial_base + wg);
        out[o] = r0.x; out[o + 1u] = r0.y; out[o + 2u] = r0.z; out[o + 3u] = r0.w;
        out[o + 4u] = r1.x; out[o + 5u] = r1.y; out[o + 6u] = r1.z; out[o + 7u] = r1.w;
    }
}

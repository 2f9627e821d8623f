// Folds a GKR layer's sumcheck matrix at a challenge r. The matrix has rows of four extension
// elements (p_0, q_0, p_1, q_1) at 4x..4x + 3 — a tree layer read two fractions at a time — and
// the sumcheck's variable is the row index's lowest bit, so for y < half and c < 4:
//   out[4y + c] = a + r (b - a),  a = values[8y + c],  b = values[8y + 4 + c]
// (upstream's fold_mle_evals on the four columns). One invocation per output element.
#import grid
#import babybear_ext4

override WORKGROUP_SIZE: u32;

struct Params {
    count: u32,
    workgroup_base: u32,
    _pad0: u32,
    _pad1: u32,
    r: vec4<u32>,
}

@group(0) @binding(0) var<storage, read> values: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> out: array<vec4<u32>>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let t = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (t >= params.count) {
        return;
    }
    let src = 8u * (t / 4u) + (t % 4u);
    let a = values[src];
    let b = values[src + 4u];
    out[t] = ext_add(a, ext_mul(params.r, ext_sub(b, a)));
}

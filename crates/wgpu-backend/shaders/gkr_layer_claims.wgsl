// A LogUp GKR layer's four claims (p_0, q_0, p_1, q_1 at the layer's point): the last round's
// two rows (four extension elements each) folded at the last challenge r = challenges[r_slot],
// written to out[out_base..out_base + 4). Invocation c folds column c.
#import grid
#import gkr_round

override WORKGROUP_SIZE: u32;

struct Params {
    r_slot: u32,
    out_base: u32,
    workgroup_base: u32,
    _pad0: u32,
}

@group(0) @binding(0) var<storage, read> rows: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> challenges: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<u32>>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let c = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (c >= 4u) {
        return;
    }
    let r = challenges[params.r_slot];
    let a = rows[c];
    out[params.out_base + c] = gkr_fold_at(r, a, rows[4u + c]);
}

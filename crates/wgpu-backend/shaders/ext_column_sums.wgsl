// Second pass of a two-pass reduction: out[out_base + k] = sum over j < rows of
// partials[in_base + j * columns + k], one workgroup per column k.
#import grid
#import ext_reduce

struct Params {
    columns: u32,
    rows: u32,
    in_base: u32,
    out_base: u32,
    workgroup_base: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> partials: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> out: array<vec4<u32>>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let k = linear_workgroup(inv, params.workgroup_base);
    var sum = vec4<u32>(0u);
    if (k < params.columns) {
        for (var j = inv.lid; j < params.rows; j += WORKGROUP_SIZE) {
            sum = ext_add(sum, partials[params.in_base + j * params.columns + k]);
        }
    }
    let total = reduce_lanes(inv.lid, sum, 1u);
    if (inv.lid == 0u && k < params.columns) {
        out[params.out_base + k] = total;
    }
}

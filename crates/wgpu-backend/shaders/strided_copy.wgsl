// Spreads a column: out[out_base + i * stride] = values[in_base + i] for i < count (a trace
// column shorter than the skip domain, stacked with stride 2^l_skip / height).
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    count: u32,
    stride: u32,
    in_base: u32,
    out_base: u32,
    workgroup_base: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> values: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (i >= params.count) {
        return;
    }
    out[params.out_base + i * params.stride] = values[params.in_base + i];
}

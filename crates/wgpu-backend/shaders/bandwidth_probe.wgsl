// Streams a buffer into another, 16 bytes per invocation per step: the achievable memory
// bandwidth of a compute kernel, the roofline the benchmarks compare against.
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    count: u32,
    workgroup_base: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<u32>>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (i < params.count) {
        dst[i] = src[i];
    }
}

// Second pass of an exclusive prefix sum (prefix_sum_blocks): adds to each word the exclusive
// prefix sum of the block sums before its block.
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    n: u32,
    workgroup_base: u32,
}

@group(0) @binding(0) var<storage, read_write> data: array<u32>;
@group(0) @binding(1) var<storage, read> sums: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let group = linear_workgroup(inv, params.workgroup_base);
    let i = group * WORKGROUP_SIZE + inv.lid;
    if (i < params.n) {
        data[i] = data[i] + sums[group];
    }
}

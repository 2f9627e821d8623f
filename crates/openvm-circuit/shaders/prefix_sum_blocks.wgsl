// First pass of an exclusive prefix sum of u32 words, in place: each workgroup turns its
// WORKGROUP_SIZE consecutive words into their exclusive prefix sums within the block and writes
// the block's total to `sums` (whose own prefix sums, added by prefix_sum_add, make the block
// sums global). Sums wrap modulo 2^32; the callers' totals stay far below.
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    // Words of `data` to scan.
    n: u32,
    workgroup_base: u32,
}

@group(0) @binding(0) var<storage, read_write> data: array<u32>;
@group(0) @binding(1) var<storage, read_write> sums: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> block: array<u32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let lid = inv.lid;
    let group = linear_workgroup(inv, params.workgroup_base);
    let i = group * WORKGROUP_SIZE + lid;
    var own = 0u;
    if (i < params.n) {
        own = data[i];
    }
    block[lid] = own;
    workgroupBarrier();
    // Hillis-Steele inclusive scan; every invocation meets every barrier (uniform control flow).
    for (var d = 1u; d < WORKGROUP_SIZE; d = d << 1u) {
        var left = 0u;
        if (lid >= d) {
            left = block[lid - d];
        }
        workgroupBarrier();
        block[lid] = block[lid] + left;
        workgroupBarrier();
    }
    if (i < params.n) {
        data[i] = block[lid] - own;
    }
    if (lid == WORKGROUP_SIZE - 1u && group * WORKGROUP_SIZE < params.n) {
        sums[group] = block[lid];
    }
}

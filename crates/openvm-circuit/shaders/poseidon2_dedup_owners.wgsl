// Poseidon2 periphery, deduplication step 2: flags[i] = 1 when record i owns its value (its
// slot holds 1 + i after poseidon2_dedup_insert), else 0; the flags' exclusive prefix sum is
// then each owner's trace row.
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    count: u32,
    workgroup_base: u32,
}

@group(0) @binding(0) var<storage, read> table: array<u32>;
@group(0) @binding(1) var<storage, read> slot_of: array<u32>;
@group(0) @binding(2) var<storage, read_write> flags: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (i >= params.count) {
        return;
    }
    flags[i] = select(0u, 1u, table[slot_of[i]] == i + 1u);
}

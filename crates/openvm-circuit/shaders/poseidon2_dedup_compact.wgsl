// Poseidon2 periphery, deduplication step 3: each owner writes its slot at its row (the
// exclusive prefix sum of the owner flags), so the distinct inputs are listed in the order of
// their first occurrence; the last record writes the number of distinct inputs to status[0].
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    count: u32,
    workgroup_base: u32,
}

@group(0) @binding(0) var<storage, read> table: array<u32>;
@group(0) @binding(1) var<storage, read> slot_of: array<u32>;
@group(0) @binding(2) var<storage, read> row_of: array<u32>;
@group(0) @binding(3) var<storage, read_write> rows: array<u32>;
@group(0) @binding(4) var<storage, read_write> status: array<u32>;
@group(0) @binding(5) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (i >= params.count) {
        return;
    }
    let slot = slot_of[i];
    let owner = table[slot] == i + 1u;
    if (owner) {
        rows[row_of[i]] = slot;
    }
    if (i + 1u == params.count) {
        status[0] = row_of[i] + select(0u, 1u, owner);
    }
}

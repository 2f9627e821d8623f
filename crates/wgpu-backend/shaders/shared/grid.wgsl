// What every kernel's entry point receives.
struct Invocation {
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
}

// Linear workgroup index of a grid folded into 3-D and split into dispatches (limits.rs:
// split_grid): `base` is the index of this dispatch's first workgroup.
fn linear_workgroup(inv: Invocation, base: u32) -> u32 {
    return base + inv.wid.x + inv.nwg.x * (inv.wid.y + inv.nwg.y * inv.wid.z);
}

// Linear index of this invocation across the grid, for one-item-per-invocation kernels.
fn global_invocation(inv: Invocation, base: u32, workgroup_size: u32) -> u32 {
    return linear_workgroup(inv, base) * workgroup_size + inv.lid;
}

fn bit_reverse(x: u32, bits: u32) -> u32 {
    return select(0u, reverseBits(x) >> (32u - bits), bits != 0u);
}

// Inserts a zero bit at position `k` of `v`.
fn insert_zero_bit(v: u32, k: u32) -> u32 {
    let low = v & ((1u << k) - 1u);
    return ((v - low) << 1u) | low;
}

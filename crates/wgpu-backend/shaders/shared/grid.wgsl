// Linear workgroup index of a grid folded into 3-D and split into dispatches (limits.rs:
// split_grid): `base` is the index of this dispatch's first workgroup.
fn linear_workgroup(wid: vec3<u32>, nwg: vec3<u32>, base: u32) -> u32 {
    return base + wid.x + nwg.x * (wid.y + nwg.y * wid.z);
}

fn bit_reverse(x: u32, bits: u32) -> u32 {
    return select(0u, reverseBits(x) >> (32u - bits), bits != 0u);
}

// Inserts a zero bit at position `k` of `v`.
fn insert_zero_bit(v: u32, k: u32) -> u32 {
    let low = v & ((1u << k) - 1u);
    return ((v - low) << 1u) | low;
}

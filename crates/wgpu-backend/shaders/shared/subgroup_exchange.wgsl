// Register exchange between invocations of one subgroup (devices with subgroup operations).
fn exchange_xor(v: u32, mask: u32) -> u32 {
    return subgroupShuffleXor(v, mask);
}

// Stand-in for devices without subgroup operations: the launch-geometry rules plan zero shuffle
// levels there, so this is never called; it exists so kernels compile without the capability.
fn exchange_xor(v: u32, mask: u32) -> u32 {
    return v;
}

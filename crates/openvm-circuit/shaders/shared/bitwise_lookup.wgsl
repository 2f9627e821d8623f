// The byte bitwise-operation lookup's counts, as upstream's BitwiseOperationLookupChip<8> keeps
// them: range requests at x * 256 + y, XOR requests at 65536 + x * 256 + y. The kernel binds
// `bitwise_counts`.

fn bitwise_range(x: u32, y: u32) {
    if (counting()) {
        atomicAdd(&bitwise_counts[x * 256u + y], 1u);
    }
}

fn bitwise_xor(x: u32, y: u32) -> u32 {
    if (counting()) {
        atomicAdd(&bitwise_counts[65536u + x * 256u + y], 1u);
    }
    return x ^ y;
}

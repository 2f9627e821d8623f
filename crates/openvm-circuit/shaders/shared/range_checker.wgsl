// The variable range checker's counts, as upstream's VariableRangeCheckerChip keeps them: value
// v of `bits` bits is counted at index 2^bits + v - 1. The kernel binds `range_counts`.

fn range_add(value: u32, bits: u32) {
    if (counting()) {
        atomicAdd(&range_counts[(1u << bits) + value - 1u], 1u);
    }
}

// Upstream's `decompose`: `value` of `bits` bits into limbs of range_max_bits bits at columns
// col .. col + limbs, each limb counted with the bits it may hold.
fn range_decompose(value: u32, bits: u32, col: u32, limbs: u32) {
    let w = params.range_max_bits;
    let mask = (1u << w) - 1u;
    var v = value;
    var remaining = bits;
    for (var i = 0u; i < limbs; i++) {
        let limb = v & mask;
        put_u32(col + i, limb);
        range_add(limb, min(remaining, w));
        v = v >> w;
        remaining = remaining - min(remaining, w);
    }
}

// Upstream's MemoryAuxColsFactory::fill: MemoryBaseAuxCols at `col` (prev_timestamp, then the
// two limbs of timestamp - prev_timestamp - 1 proving prev_timestamp < timestamp).
fn mem_aux_fill(col: u32, prev_timestamp: u32, timestamp: u32) {
    put_u32(col, prev_timestamp);
    range_decompose(timestamp - prev_timestamp - 1u, params.timestamp_max_bits, col + 1u, 2u);
}

// MemoryBaseAuxCols of an access that did not happen: all zero.
fn mem_aux_zero(col: u32) {
    put(col, 0u);
    put(col + 1u, 0u);
    put(col + 2u, 0u);
}

// VmConnectorAir's two rows from the segment's boundary states: upstream's VmConnectorChip.
// Row 0 is the initial state, row 1 the final one. A row's record is the row as upstream's
// `begin`/`end` fill it (ConnectorCols<u32>: pc, timestamp, is_terminate, exit_code); the
// kernel splits the timestamp into its low limb of range_max_bits bits and the rest, and
// range-checks both, as upstream's generate_proving_ctx does.
#import tracegen
#import range_checker

override WORKGROUP_SIZE: u32;

@group(0) @binding(2) var<storage, read_write> range_counts: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> params: TraceParams;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (!begin_row(inv, WORKGROUP_SIZE)) {
        return;
    }
    let range_bits = params.range_max_bits;
    let timestamp = rec_u32(REC_TIMESTAMP);
    let low_limb = timestamp & ((1u << range_bits) - 1u);
    put_u32(COL_PC, rec_u32(REC_PC));
    put_u32(COL_TIMESTAMP, timestamp);
    put_u32(COL_IS_TERMINATE, rec_u32(REC_IS_TERMINATE));
    put_u32(COL_EXIT_CODE, rec_u32(REC_EXIT_CODE));
    put_u32(COL_TIMESTAMP_LOW_LIMB, low_limb);
    put_u32(COL_IS_BEGIN, select(0u, 1u, trace_row == 0u));

    // Upstream's timestamp_limb_bits: a timestamp that fits one limb is checked whole in the low
    // limb, and the high limb against 0 bits.
    var low_bits = params.timestamp_max_bits;
    var high_bits = 0u;
    if (params.timestamp_max_bits > range_bits) {
        low_bits = range_bits;
        high_bits = params.timestamp_max_bits - range_bits;
    }
    range_add(low_limb, low_bits);
    range_add(timestamp >> range_bits, high_bits);
}

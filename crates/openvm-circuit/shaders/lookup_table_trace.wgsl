// The traces of upstream's lookup tables from their counts (device counts that the GPU chips
// added with atomics, plus host counts of chips that ran on the CPU), one invocation per row:
// the variable range checker (value, max_bits, two_to_max_bits, mult), the byte bitwise lookup
// (x_bits[8], y_bits[8], mult_range, mult_xor) and the range-tuple checker (tuple[2], mult).
#import tracegen

override WORKGROUP_SIZE: u32;

// `records` (binding 0) holds the host counts.
@group(0) @binding(2) var<storage, read> device_counts: array<u32>;
@group(0) @binding(3) var<uniform> params: TraceParams;

const VARIABLE_RANGE: u32 = 0u;
const BITWISE: u32 = 1u;
const RANGE_TUPLE: u32 = 2u;

fn count(i: u32) -> u32 {
    return bb_from_u32(device_counts[i] + records[i]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    // The table kind is carried in record_words (tables have no records).
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (i >= params.records) {
        return;
    }
    trace_row = i;
    let kind = params.record_words;
    if (kind == VARIABLE_RANGE) {
        let max_bits = firstLeadingBit(i + 1u);
        let two_to_max_bits = 1u << max_bits;
        put_u32(0u, i + 1u - two_to_max_bits);
        put_u32(1u, max_bits);
        put_u32(2u, two_to_max_bits);
        put(3u, count(i));
    } else if (kind == BITWISE) {
        let x = i / 256u;
        let y = i % 256u;
        for (var b = 0u; b < 8u; b++) {
            put_u32(b, (x >> b) & 1u);
            put_u32(8u + b, (y >> b) & 1u);
        }
        put(16u, count(i));
        put(17u, count(65536u + i));
    } else {
        put_u32(0u, i / params.tuple_size1);
        put_u32(1u, i % params.tuple_size1);
        put(2u, count(i));
    }
}

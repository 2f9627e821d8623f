// Rv32MultiplicationAir's trace from (Rv32MultAdapterRecord, MultiplicationCoreRecord<4, 8>)
// records: upstream's Rv32MultAdapterFiller and MultiplicationFiller, row by row.
#import tracegen
#import range_checker
#import range_tuple
#import mult_adapter

override WORKGROUP_SIZE: u32;

@group(0) @binding(2) var<storage, read_write> range_counts: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> tuple_counts: array<atomic<u32>>;
@group(0) @binding(4) var<uniform> params: TraceParams;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (!begin_row(inv, WORKGROUP_SIZE)) {
        return;
    }
    mult_adapter_fill();

    // Core: upstream's run_mul, a = b * c limb by limb with each limb's carry, (a[i], carry[i])
    // range-tuple checked.
    var carry = 0u;
    for (var i = 0u; i < 4u; i++) {
        var res = carry;
        for (var j = 0u; j <= i; j++) {
            res += rec_u8(REC_CORE_B + j) * rec_u8(REC_CORE_C + i - j);
        }
        carry = res >> 8u;
        let a = res & 0xffu;
        range_tuple_add(a, carry);
        put_u32(COL_CORE_A + i, a);
        put_u32(COL_CORE_B + i, rec_u8(REC_CORE_B + i));
        put_u32(COL_CORE_C + i, rec_u8(REC_CORE_C + i));
    }
    put_u32(COL_CORE_IS_VALID, 1u);
}

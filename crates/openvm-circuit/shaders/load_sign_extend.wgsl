// Rv32LoadSignExtendAir's trace from (Rv32LoadStoreAdapterRecord, LoadSignExtendCoreRecord<4>)
// records: upstream's Rv32LoadStoreAdapterFiller and LoadSignExtendFiller, row by row.
#import tracegen
#import range_checker
#import loadstore_adapter

override WORKGROUP_SIZE: u32;

@group(0) @binding(2) var<storage, read_write> range_counts: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> params: TraceParams;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (!begin_row(inv, WORKGROUP_SIZE)) {
        return;
    }
    loadstore_adapter_fill();

    // Core: the limb whose top bit is extended (the loaded byte, or the loaded half's high byte)
    // is range checked without that bit.
    let is_byte = rec_u8(REC_CORE_IS_BYTE) != 0u;
    let shift = rec_u8(REC_CORE_SHIFT_AMOUNT);
    let most_sig_limb = rec_u8(REC_CORE_READ_DATA + select(1u + shift, shift, is_byte));
    let most_sig_bit = most_sig_limb & 0x80u;
    range_add(most_sig_limb - most_sig_bit, 7u);

    // shifted_read_data is read_data rotated left by (shift & 2).
    for (var i = 0u; i < 4u; i++) {
        put_u32(COL_CORE_PREV_DATA + i, rec_u8(REC_CORE_PREV_DATA + i));
        put_u32(COL_CORE_SHIFTED_READ_DATA + i, rec_u8(REC_CORE_READ_DATA + (i + (shift & 2u)) % 4u));
    }
    put_u32(COL_CORE_DATA_MOST_SIG_BIT, u32(most_sig_bit != 0u));
    put_u32(COL_CORE_SHIFT_MOST_SIG_BIT, u32((shift & 2u) == 2u));
    put_u32(COL_CORE_LOADH_FLAG, u32(!is_byte));
    put_u32(COL_CORE_LOADB_FLAG1, u32(is_byte && (shift & 1u) == 1u));
    put_u32(COL_CORE_LOADB_FLAG0, u32(is_byte && (shift & 1u) == 0u));
}

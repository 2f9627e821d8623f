// Rv32LoadSignExtendAir's trace from (Rv32LoadStoreAdapterRecord, LoadSignExtendCoreRecord<4>)
// records: upstream's Rv32LoadStoreAdapterFiller and LoadSignExtendFiller, row by row.
#import tracegen
#import range_checker

override WORKGROUP_SIZE: u32;

@group(0) @binding(2) var<storage, read_write> range_counts: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> params: TraceParams;

// Rv32LoadStoreAdapterFiller::fill_trace_row.
fn loadstore_adapter_fill() {
    let from_timestamp = rec_u32(REC_FROM_TIMESTAMP);
    // rd_rs2_ptr is u32::MAX for a load into x0, which writes nothing.
    let rd_rs2_ptr = rec_u32(REC_RD_RS2_PTR);
    let needs_write = rd_rs2_ptr != 0xffffffffu;
    put_u32(COL_NEEDS_WRITE, u32(needs_write));
    if (needs_write) {
        mem_aux_fill(COL_WRITE_BASE_AUX, rec_u32(REC_WRITE_PREV_TIMESTAMP), from_timestamp + 2u);
    } else {
        mem_aux_zero(COL_WRITE_BASE_AUX);
    }
    put_u32(COL_MEM_AS, rec_u8(REC_MEM_AS));

    let rs1_val = rec_u32(REC_RS1_VAL);
    let imm = rec_u16(REC_IMM);
    let imm_sign = rec_u8(REC_IMM_SIGN);
    let ptr = rs1_val + imm + imm_sign * 0xffff0000u;
    let ptr_lo = ptr & 0xffffu;
    let ptr_hi = ptr >> 16u;
    range_add(ptr_lo >> 2u, 14u);
    range_add(ptr_hi, params.pointer_max_bits - 16u);
    put_u32(COL_MEM_PTR_LIMBS, ptr_lo);
    put_u32(COL_MEM_PTR_LIMBS + 1u, ptr_hi);
    put_u32(COL_IMM_SIGN, imm_sign);
    put_u32(COL_IMM, imm);

    mem_aux_fill(COL_READ_DATA_AUX, rec_u32(REC_READ_DATA_AUX_PREV_TIMESTAMP), from_timestamp + 1u);
    put_u32(COL_RD_RS2_PTR, select(0u, rd_rs2_ptr, needs_write));
    mem_aux_fill(COL_RS1_AUX, rec_u32(REC_RS1_AUX_PREV_TIMESTAMP), from_timestamp);
    for (var i = 0u; i < 4u; i++) {
        put_u32(COL_RS1_DATA + i, (rs1_val >> (8u * i)) & 0xffu);
    }
    put_u32(COL_RS1_PTR, rec_u32(REC_RS1_PTR));
    put_u32(COL_FROM_TIMESTAMP, from_timestamp);
    put_u32(COL_FROM_PC, rec_u32(REC_FROM_PC));
}

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

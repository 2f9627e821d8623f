// Upstream's Rv32LoadStoreAdapterFiller: the adapter columns of Rv32LoadStoreAir and
// Rv32LoadSignExtendAir from an Rv32LoadStoreAdapterRecord. rs1 is read at from_timestamp,
// memory at + 1, rd (a load) or memory (a store) written at + 2; the pointer's limbs are range
// checked. The kernel declares COL_ FROM_PC, FROM_TIMESTAMP, RS1_PTR, RS1_DATA, RS1_AUX,
// RD_RS2_PTR, READ_DATA_AUX, IMM, IMM_SIGN, MEM_PTR_LIMBS, MEM_AS, WRITE_BASE_AUX, NEEDS_WRITE
// and REC_ FROM_PC, FROM_TIMESTAMP, RS1_PTR, RS1_VAL, RS1_AUX_PREV_TIMESTAMP, RD_RS2_PTR,
// READ_DATA_AUX_PREV_TIMESTAMP, IMM, IMM_SIGN, MEM_AS, WRITE_PREV_TIMESTAMP
// (adapters::loadstore_adapter_layout), and binds `params` and `range_counts`.
#import tracegen
#import range_checker

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
    put_word_limbs(COL_RS1_DATA, rs1_val);
    put_u32(COL_RS1_PTR, rec_u32(REC_RS1_PTR));
    put_u32(COL_FROM_TIMESTAMP, from_timestamp);
    put_u32(COL_FROM_PC, rec_u32(REC_FROM_PC));
}

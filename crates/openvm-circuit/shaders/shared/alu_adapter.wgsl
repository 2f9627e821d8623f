// Upstream's Rv32BaseAluAdapterFiller: the adapter columns of Rv32BaseAluAir, Rv32LessThanAir
// and Rv32ShiftAir from an Rv32BaseAluAdapterRecord. rs1 is read at from_timestamp, rs2 at + 1
// when it is a register (an immediate rs2 is range checked as two bytes instead), rd written at
// + 2. The kernel declares COL_ and REC_ FROM_PC, FROM_TIMESTAMP, RD_PTR, RS1_PTR, RS2, RS2_AS,
// READS_AUX0, READS_AUX1, WRITES_AUX_PREV_DATA, COL_WRITES_AUX and REC_WRITES_AUX_PREV_TIMESTAMP
// (adapters::alu_adapter_layout), and binds `params`, `range_counts` and `bitwise_counts`.
#import tracegen
#import range_checker
#import bitwise_lookup

fn alu_adapter_fill() {
    let from_timestamp = rec_u32(REC_FROM_TIMESTAMP);
    put_u32(COL_FROM_PC, rec_u32(REC_FROM_PC));
    put_u32(COL_FROM_TIMESTAMP, from_timestamp);
    put_u32(COL_RD_PTR, rec_u32(REC_RD_PTR));
    put_u32(COL_RS1_PTR, rec_u32(REC_RS1_PTR));
    let rs2 = rec_u32(REC_RS2);
    let rs2_as = rec_u8(REC_RS2_AS);
    put_u32(COL_RS2, rs2);
    put_u32(COL_RS2_AS, rs2_as);
    mem_aux_fill(COL_READS_AUX0, rec_u32(REC_READS_AUX0), from_timestamp);
    if (rs2_as != 0u) {
        mem_aux_fill(COL_READS_AUX1, rec_u32(REC_READS_AUX1), from_timestamp + 1u);
    } else {
        mem_aux_zero(COL_READS_AUX1);
        bitwise_range(rs2 & 0xffu, (rs2 >> 8u) & 0xffu);
    }
    mem_aux_fill(COL_WRITES_AUX, rec_u32(REC_WRITES_AUX_PREV_TIMESTAMP), from_timestamp + 2u);
    put_rec_limbs(COL_WRITES_AUX_PREV_DATA, REC_WRITES_AUX_PREV_DATA);
}

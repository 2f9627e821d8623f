// Upstream's Rv32MultAdapterFiller: the adapter columns of Rv32MultiplicationAir, Rv32MulHAir and
// Rv32DivRemAir from an Rv32MultAdapterRecord. rs1 and rs2 are read at from_timestamp and + 1,
// rd written at + 2. The kernel declares COL_ and REC_ FROM_PC, FROM_TIMESTAMP, RD_PTR, RS1_PTR,
// RS2_PTR, READS_AUX0, READS_AUX1, WRITES_AUX_PREV_DATA, COL_WRITES_AUX and
// REC_WRITES_AUX_PREV_TIMESTAMP (adapters::mult_adapter_layout), and binds `params` and
// `range_counts`.
#import tracegen
#import range_checker

fn mult_adapter_fill() {
    let from_timestamp = rec_u32(REC_FROM_TIMESTAMP);
    put_u32(COL_FROM_PC, rec_u32(REC_FROM_PC));
    put_u32(COL_FROM_TIMESTAMP, from_timestamp);
    put_u32(COL_RD_PTR, rec_u32(REC_RD_PTR));
    put_u32(COL_RS1_PTR, rec_u32(REC_RS1_PTR));
    put_u32(COL_RS2_PTR, rec_u32(REC_RS2_PTR));
    mem_aux_fill(COL_READS_AUX0, rec_u32(REC_READS_AUX0), from_timestamp);
    mem_aux_fill(COL_READS_AUX1, rec_u32(REC_READS_AUX1), from_timestamp + 1u);
    mem_aux_fill(COL_WRITES_AUX, rec_u32(REC_WRITES_AUX_PREV_TIMESTAMP), from_timestamp + 2u);
    put_rec_limbs(COL_WRITES_AUX_PREV_DATA, REC_WRITES_AUX_PREV_DATA);
}

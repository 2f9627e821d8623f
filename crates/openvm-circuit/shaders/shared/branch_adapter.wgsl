// Upstream's Rv32BranchAdapterFiller: the adapter columns of Rv32BranchEqualAir and
// Rv32BranchLessThanAir from an Rv32BranchAdapterRecord. rs1 and rs2 are read at from_timestamp
// and + 1; nothing is written. The kernel declares COL_ and REC_ FROM_PC, FROM_TIMESTAMP,
// RS1_PTR, RS2_PTR, READS_AUX0 and READS_AUX1 (adapters::branch_adapter_layout), and binds
// `params` and `range_counts`.
#import tracegen
#import range_checker

fn branch_adapter_fill() {
    let from_timestamp = rec_u32(REC_FROM_TIMESTAMP);
    put_u32(COL_FROM_PC, rec_u32(REC_FROM_PC));
    put_u32(COL_FROM_TIMESTAMP, from_timestamp);
    put_u32(COL_RS1_PTR, rec_u32(REC_RS1_PTR));
    put_u32(COL_RS2_PTR, rec_u32(REC_RS2_PTR));
    mem_aux_fill(COL_READS_AUX0, rec_u32(REC_READS_AUX0), from_timestamp);
    mem_aux_fill(COL_READS_AUX1, rec_u32(REC_READS_AUX1), from_timestamp + 1u);
}

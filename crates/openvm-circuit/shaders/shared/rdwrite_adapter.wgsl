// Upstream's Rv32RdWriteAdapterFiller: the adapter columns of Rv32AuipcAir (and the inner columns
// of Rv32CondRdWriteAdapterCols, cond_rdwrite_adapter.wgsl) from an Rv32RdWriteAdapterRecord.
// Nothing is read; rd is written at from_timestamp. The kernel declares COL_ and REC_ FROM_PC,
// FROM_TIMESTAMP, RD_PTR, RD_AUX_PREV_DATA, COL_RD_AUX and REC_RD_AUX_PREV_TIMESTAMP
// (adapters::rdwrite_adapter_layout), and binds `params` and `range_counts`.
#import tracegen
#import range_checker

fn rdwrite_adapter_fill() {
    let from_timestamp = rec_u32(REC_FROM_TIMESTAMP);
    put_u32(COL_FROM_PC, rec_u32(REC_FROM_PC));
    put_u32(COL_FROM_TIMESTAMP, from_timestamp);
    put_u32(COL_RD_PTR, rec_u32(REC_RD_PTR));
    mem_aux_fill(COL_RD_AUX, rec_u32(REC_RD_AUX_PREV_TIMESTAMP), from_timestamp);
    put_rec_limbs(COL_RD_AUX_PREV_DATA, REC_RD_AUX_PREV_DATA);
}

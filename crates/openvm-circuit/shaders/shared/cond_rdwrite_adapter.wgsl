// Upstream's Rv32CondRdWriteAdapterFiller: the adapter columns of Rv32JalLuiAir from an
// Rv32RdWriteAdapterRecord. rd_ptr u32::MAX marks an instruction that writes nothing (rd = x0):
// then only from_state is filled and the rd columns are zero; otherwise the inner columns are
// Rv32RdWriteAdapterFiller's (rdwrite_adapter.wgsl). Apart from rdwrite_adapter.wgsl's
// constants the kernel declares COL_NEEDS_WRITE. (A separate include: WGSL resolves every name
// of every function, and Rv32AuipcAir has no needs_write column.)
#import rdwrite_adapter

fn cond_rdwrite_adapter_fill() {
    let needs_write = rec_u32(REC_RD_PTR) != 0xffffffffu;
    put_u32(COL_NEEDS_WRITE, u32(needs_write));
    if (needs_write) {
        rdwrite_adapter_fill();
    } else {
        put_u32(COL_FROM_PC, rec_u32(REC_FROM_PC));
        put_u32(COL_FROM_TIMESTAMP, rec_u32(REC_FROM_TIMESTAMP));
        put(COL_RD_PTR, 0u);
        mem_aux_zero(COL_RD_AUX);
        for (var i = 0u; i < 4u; i++) {
            put(COL_RD_AUX_PREV_DATA + i, 0u);
        }
    }
}

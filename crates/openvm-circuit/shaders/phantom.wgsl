// PhantomAir's trace from PhantomRecord records: upstream's PhantomFiller, row by row. The
// record holds the pc, the three operands (canonical u32s) and the timestamp; no lookups.
#import tracegen

override WORKGROUP_SIZE: u32;

@group(0) @binding(2) var<uniform> params: TraceParams;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (!begin_row(inv, WORKGROUP_SIZE)) {
        return;
    }
    put_u32(COL_IS_VALID, 1u);
    put_u32(COL_TIMESTAMP, rec_u32(REC_TIMESTAMP));
    for (var i = 0u; i < 3u; i++) {
        put_u32(COL_OPERANDS + i, rec_u32(REC_OPERANDS + 4u * i));
    }
    put_u32(COL_PC, rec_u32(REC_PC));
}

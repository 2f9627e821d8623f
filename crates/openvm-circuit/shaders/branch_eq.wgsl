// Rv32BranchEqualAir's trace from (Rv32BranchAdapterRecord, BranchEqualCoreRecord<4>) records:
// upstream's Rv32BranchAdapterFiller and BranchEqualFiller, row by row.
#import tracegen
#import range_checker
#import branch_adapter

override WORKGROUP_SIZE: u32;

@group(0) @binding(2) var<storage, read_write> range_counts: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> params: TraceParams;

const BEQ: u32 = 0u;
const BNE: u32 = 1u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (!begin_row(inv, WORKGROUP_SIZE)) {
        return;
    }
    branch_adapter_fill();

    // Core (upstream's run_eq): the marker at the first differing limb holds the inverse of
    // a[i] - b[i] in the field.
    let op = rec_u8(REC_CORE_OPCODE);
    let is_beq = op == BEQ;
    var differ = false;
    for (var i = 0u; i < 4u; i++) {
        let ai = rec_u8(REC_CORE_A + i);
        let bi = rec_u8(REC_CORE_B + i);
        put_u32(COL_CORE_A + i, ai);
        put_u32(COL_CORE_B + i, bi);
        var marker = 0u;
        if (!differ && ai != bi) {
            differ = true;
            marker = bb_inv(bb_sub(bb_from_u32(ai), bb_from_u32(bi)));
        }
        put(COL_CORE_DIFF_INV_MARKER + i, marker);
    }
    // Equal limbs: cmp_result = is_beq; a differing limb: !is_beq.
    put_u32(COL_CORE_CMP_RESULT, u32(differ != is_beq));
    put_u32(COL_CORE_IMM, rec_u32(REC_CORE_IMM));
    put_u32(COL_CORE_BEQ_FLAG, u32(is_beq));
    put_u32(COL_CORE_BNE_FLAG, u32(op == BNE));
}

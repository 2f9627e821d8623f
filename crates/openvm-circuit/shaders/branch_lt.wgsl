// Rv32BranchLessThanAir's trace from (Rv32BranchAdapterRecord, BranchLessThanCoreRecord<4, 8>)
// records: upstream's Rv32BranchAdapterFiller and BranchLessThanFiller, row by row.
#import tracegen
#import range_checker
#import bitwise_lookup
#import branch_adapter

override WORKGROUP_SIZE: u32;

@group(0) @binding(2) var<storage, read_write> range_counts: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> bitwise_counts: array<atomic<u32>>;
@group(0) @binding(4) var<uniform> params: TraceParams;

const BLT: u32 = 0u;
const BLTU: u32 = 1u;
const BGE: u32 = 2u;
const BGEU: u32 = 3u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (!begin_row(inv, WORKGROUP_SIZE)) {
        return;
    }
    branch_adapter_fill();

    // Core (upstream's run_cmp): the most significant differing limb decides.
    let op = rec_u8(REC_CORE_OPCODE);
    let signed = op == BLT || op == BGE;
    let ge_op = op == BGE || op == BGEU;
    let a = rec_bytes4(REC_CORE_A);
    let b = rec_bytes4(REC_CORE_B);
    let a_msb = a >> 24u;
    let b_msb = b >> 24u;
    let a_sign = signed && (a_msb >> 7u) == 1u;
    let b_sign = signed && (b_msb >> 7u) == 1u;
    var diff_idx = 4u;
    var cmp_result = ge_op;
    for (var k = 0u; k < 4u; k++) {
        let i = 3u - k;
        let ai = limb(a, i);
        let bi = limb(b, i);
        if (ai != bi) {
            diff_idx = i;
            cmp_result = (((ai < bi) != a_sign) != b_sign) != ge_op;
            break;
        }
    }
    let cmp_lt = cmp_result != ge_op;

    // The most significant limbs as signed values if signed (a_msb_f, b_msb_f), and their range
    // checks.
    let a_top = signed_msb(a_msb, signed);
    let b_top = signed_msb(b_msb, signed);
    // diff_val > 0 when the limbs differ: cmp_lt orders them.
    var diff_val = 0u;
    if (diff_idx == 3u) {
        diff_val = u32(select(a_top.value - b_top.value, b_top.value - a_top.value, cmp_lt));
    } else if (diff_idx < 3u) {
        let ai = limb(a, diff_idx);
        let bi = limb(b, diff_idx);
        diff_val = select(ai - bi, bi - ai, cmp_lt) & 0xffu;
    }
    bitwise_range(a_top.range, b_top.range);
    if (diff_idx != 4u) {
        bitwise_range(diff_val - 1u, 0u);
    }

    put_word_limbs(COL_CORE_A, a);
    put_word_limbs(COL_CORE_B, b);
    for (var i = 0u; i < 4u; i++) {
        put_u32(COL_CORE_DIFF_MARKER + i, u32(i == diff_idx));
    }
    put_u32(COL_CORE_DIFF_VAL, diff_val);
    put_u32(COL_CORE_CMP_LT, u32(cmp_lt));
    put(COL_CORE_A_MSB_F, signed_field(a_top.value));
    put(COL_CORE_B_MSB_F, signed_field(b_top.value));
    put_u32(COL_CORE_BGEU_FLAG, u32(op == BGEU));
    put_u32(COL_CORE_BGE_FLAG, u32(op == BGE));
    put_u32(COL_CORE_BLTU_FLAG, u32(op == BLTU));
    put_u32(COL_CORE_BLT_FLAG, u32(op == BLT));
    put_u32(COL_CORE_IMM, rec_u32(REC_CORE_IMM));
    put_u32(COL_CORE_CMP_RESULT, u32(cmp_result));
}

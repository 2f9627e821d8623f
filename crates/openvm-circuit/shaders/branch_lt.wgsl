// Rv32BranchLessThanAir's trace from (Rv32BranchAdapterRecord, BranchLessThanCoreRecord<4, 8>)
// records: upstream's Rv32BranchAdapterFiller and BranchLessThanFiller, row by row.
#import tracegen
#import range_checker
#import bitwise_lookup

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
    // Adapter.
    let from_timestamp = rec_u32(REC_FROM_TIMESTAMP);
    put_u32(COL_FROM_PC, rec_u32(REC_FROM_PC));
    put_u32(COL_FROM_TIMESTAMP, from_timestamp);
    put_u32(COL_RS1_PTR, rec_u32(REC_RS1_PTR));
    put_u32(COL_RS2_PTR, rec_u32(REC_RS2_PTR));
    mem_aux_fill(COL_READS_AUX0, rec_u32(REC_READS_AUX0), from_timestamp);
    mem_aux_fill(COL_READS_AUX1, rec_u32(REC_READS_AUX1), from_timestamp + 1u);

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
        let ai = (a >> (8u * i)) & 0xffu;
        let bi = (b >> (8u * i)) & 0xffu;
        if (ai != bi) {
            diff_idx = i;
            cmp_result = (((ai < bi) != a_sign) != b_sign) != ge_op;
            break;
        }
    }
    let cmp_lt = cmp_result != ge_op;

    // The most significant limbs as signed field elements (a_msb_f, b_msb_f), range checked
    // shifted by 128 if signed.
    var a_msb_i = i32(a_msb);
    var a_msb_range = a_msb + select(0u, 128u, signed);
    if (a_sign) {
        a_msb_i = i32(a_msb) - 256;
        a_msb_range = a_msb - 128u;
    }
    var b_msb_i = i32(b_msb);
    var b_msb_range = b_msb + select(0u, 128u, signed);
    if (b_sign) {
        b_msb_i = i32(b_msb) - 256;
        b_msb_range = b_msb - 128u;
    }
    // diff_val > 0 when the limbs differ: cmp_lt orders them.
    var diff_val = 0u;
    if (diff_idx == 3u) {
        diff_val = u32(select(a_msb_i - b_msb_i, b_msb_i - a_msb_i, cmp_lt));
    } else if (diff_idx < 3u) {
        let ai = (a >> (8u * diff_idx)) & 0xffu;
        let bi = (b >> (8u * diff_idx)) & 0xffu;
        diff_val = select(ai - bi, bi - ai, cmp_lt) & 0xffu;
    }
    bitwise_range(a_msb_range, b_msb_range);
    if (diff_idx != 4u) {
        bitwise_range(diff_val - 1u, 0u);
    }

    for (var i = 0u; i < 4u; i++) {
        put_u32(COL_CORE_A + i, (a >> (8u * i)) & 0xffu);
        put_u32(COL_CORE_B + i, (b >> (8u * i)) & 0xffu);
        put_u32(COL_CORE_DIFF_MARKER + i, u32(i == diff_idx));
    }
    put_u32(COL_CORE_DIFF_VAL, diff_val);
    put_u32(COL_CORE_CMP_LT, u32(cmp_lt));
    put(COL_CORE_A_MSB_F, select(bb_from_u32(u32(a_msb_i)), bb_neg(bb_from_u32(u32(-a_msb_i))), a_msb_i < 0));
    put(COL_CORE_B_MSB_F, select(bb_from_u32(u32(b_msb_i)), bb_neg(bb_from_u32(u32(-b_msb_i))), b_msb_i < 0));
    put_u32(COL_CORE_BGEU_FLAG, u32(op == BGEU));
    put_u32(COL_CORE_BGE_FLAG, u32(op == BGE));
    put_u32(COL_CORE_BLTU_FLAG, u32(op == BLTU));
    put_u32(COL_CORE_BLT_FLAG, u32(op == BLT));
    put_u32(COL_CORE_IMM, rec_u32(REC_CORE_IMM));
    put_u32(COL_CORE_CMP_RESULT, u32(cmp_result));
}

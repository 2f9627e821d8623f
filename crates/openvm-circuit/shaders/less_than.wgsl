// Rv32LessThanAir's trace from (Rv32BaseAluAdapterRecord, LessThanCoreRecord<4, 8>) records:
// upstream's Rv32BaseAluAdapterFiller and LessThanFiller, row by row.
#import tracegen
#import range_checker
#import bitwise_lookup
#import alu_adapter

override WORKGROUP_SIZE: u32;

@group(0) @binding(2) var<storage, read_write> range_counts: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> bitwise_counts: array<atomic<u32>>;
@group(0) @binding(4) var<uniform> params: TraceParams;

const SLT: u32 = 0u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (!begin_row(inv, WORKGROUP_SIZE)) {
        return;
    }
    alu_adapter_fill();

    // Core: upstream's run_less_than on little-endian bytes.
    let is_slt = rec_u8(REC_CORE_OPCODE) == SLT;
    let b_msb = rec_u8(REC_CORE_B + 3u);
    let c_msb = rec_u8(REC_CORE_C + 3u);
    let b_sign = is_slt && (b_msb >> 7u) == 1u;
    let c_sign = is_slt && (c_msb >> 7u) == 1u;
    var diff_idx = 4u;
    var cmp_result = false;
    for (var k = 0u; k < 4u; k++) {
        let i = 3u - k;
        let bi = rec_u8(REC_CORE_B + i);
        let ci = rec_u8(REC_CORE_C + i);
        if (bi != ci) {
            diff_idx = i;
            cmp_result = (bi < ci) != (b_sign != c_sign);
            break;
        }
    }

    // The most significant limbs as signed values when signed, and their range checks.
    let b_top = signed_msb(b_msb, is_slt);
    let c_top = signed_msb(c_msb, is_slt);

    // diff_val is positive: the limbs at diff_idx differ in the direction of cmp_result.
    var diff_val = 0u;
    if (diff_idx == 3u) {
        diff_val = u32(select(b_top.value - c_top.value, c_top.value - b_top.value, cmp_result));
    } else if (diff_idx < 3u) {
        let bi = rec_u8(REC_CORE_B + diff_idx);
        let ci = rec_u8(REC_CORE_C + diff_idx);
        diff_val = select(bi - ci, ci - bi, cmp_result);
    }
    put_u32(COL_CORE_DIFF_VAL, diff_val);

    bitwise_range(b_top.range, c_top.range);
    for (var i = 0u; i < 4u; i++) {
        put_u32(COL_CORE_DIFF_MARKER + i, u32(i == diff_idx));
    }
    if (diff_idx != 4u) {
        bitwise_range(diff_val - 1u, 0u);
    }

    put(COL_CORE_C_MSB_F, signed_field(c_top.value));
    put(COL_CORE_B_MSB_F, signed_field(b_top.value));
    put_u32(COL_CORE_SLTU_FLAG, u32(!is_slt));
    put_u32(COL_CORE_SLT_FLAG, u32(is_slt));
    put_u32(COL_CORE_CMP_RESULT, u32(cmp_result));
    put_rec_limbs(COL_CORE_C, REC_CORE_C);
    put_rec_limbs(COL_CORE_B, REC_CORE_B);
}

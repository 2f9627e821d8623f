// Rv32LessThanAir's trace from (Rv32BaseAluAdapterRecord, LessThanCoreRecord<4, 8>) records:
// upstream's Rv32BaseAluAdapterFiller and LessThanFiller, row by row.
#import tracegen
#import range_checker
#import bitwise_lookup

override WORKGROUP_SIZE: u32;

@group(0) @binding(2) var<storage, read_write> range_counts: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> bitwise_counts: array<atomic<u32>>;
@group(0) @binding(4) var<uniform> params: TraceParams;

const SLT: u32 = 0u;

// Rv32BaseAluAdapterFiller::fill_trace_row.
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
    for (var i = 0u; i < 4u; i++) {
        put_u32(COL_WRITES_AUX_PREV_DATA + i, rec_u8(REC_WRITES_AUX_PREV_DATA + i));
    }
}

// The field element of a small signed integer.
fn signed_field(x: i32) -> u32 {
    if (x < 0) {
        return bb_neg(bb_from_u32(u32(-x)));
    }
    return bb_from_u32(u32(x));
}

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

    // The most significant limbs as signed values when signed; their range checks are shifted
    // into [0, 256).
    var b_msb_s = i32(b_msb);
    var b_msb_range = b_msb + select(0u, 128u, is_slt);
    if (b_sign) {
        b_msb_s = i32(b_msb) - 256;
        b_msb_range = b_msb - 128u;
    }
    var c_msb_s = i32(c_msb);
    var c_msb_range = c_msb + select(0u, 128u, is_slt);
    if (c_sign) {
        c_msb_s = i32(c_msb) - 256;
        c_msb_range = c_msb - 128u;
    }

    // diff_val is positive: the limbs at diff_idx differ in the direction of cmp_result.
    var diff_val = 0u;
    if (diff_idx == 3u) {
        diff_val = u32(select(b_msb_s - c_msb_s, c_msb_s - b_msb_s, cmp_result));
    } else if (diff_idx < 3u) {
        let bi = rec_u8(REC_CORE_B + diff_idx);
        let ci = rec_u8(REC_CORE_C + diff_idx);
        diff_val = select(bi - ci, ci - bi, cmp_result);
    }
    put_u32(COL_CORE_DIFF_VAL, diff_val);

    bitwise_range(b_msb_range, c_msb_range);
    for (var i = 0u; i < 4u; i++) {
        put_u32(COL_CORE_DIFF_MARKER + i, u32(i == diff_idx));
    }
    if (diff_idx != 4u) {
        bitwise_range(diff_val - 1u, 0u);
    }

    put(COL_CORE_C_MSB_F, signed_field(c_msb_s));
    put(COL_CORE_B_MSB_F, signed_field(b_msb_s));
    put_u32(COL_CORE_SLTU_FLAG, u32(!is_slt));
    put_u32(COL_CORE_SLT_FLAG, u32(is_slt));
    put_u32(COL_CORE_CMP_RESULT, u32(cmp_result));
    for (var i = 0u; i < 4u; i++) {
        put_u32(COL_CORE_C + i, rec_u8(REC_CORE_C + i));
        put_u32(COL_CORE_B + i, rec_u8(REC_CORE_B + i));
    }
}

// Rv32MulHAir's trace from (Rv32MultAdapterRecord, MulHCoreRecord<4, 8>) records: upstream's
// Rv32MultAdapterFiller and MulHFiller, row by row.
#import tracegen
#import range_checker
#import bitwise_lookup
#import range_tuple
#import mult_adapter

override WORKGROUP_SIZE: u32;

@group(0) @binding(2) var<storage, read_write> range_counts: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> bitwise_counts: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> tuple_counts: array<atomic<u32>>;
@group(0) @binding(5) var<uniform> params: TraceParams;

const MULH: u32 = 0u;
const MULHSU: u32 = 1u;
const MULHU: u32 = 2u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (!begin_row(inv, WORKGROUP_SIZE)) {
        return;
    }
    mult_adapter_fill();

    let op = rec_u8(REC_CORE_OPCODE);
    var b: array<u32, 4>;
    var c: array<u32, 4>;
    for (var i = 0u; i < 4u; i++) {
        b[i] = rec_u8(REC_CORE_B + i);
        c[i] = rec_u8(REC_CORE_C + i);
    }

    // Upstream's run_mulh: the low word (mul) and its carries, then the high word (mulh) with
    // the sign extensions b_ext, c_ext and the carries carry[4..8].
    var mul: array<u32, 4>;
    var carry: array<u32, 8>;
    for (var i = 0u; i < 4u; i++) {
        var res = 0u;
        if (i > 0u) {
            res = carry[i - 1u];
        }
        for (var j = 0u; j <= i; j++) {
            res += b[j] * c[i - j];
        }
        carry[i] = res >> 8u;
        mul[i] = res & 0xffu;
    }
    let b_ext = (b[3] >> 7u) * select(255u, 0u, op == MULHU);
    let c_ext = (c[3] >> 7u) * select(0u, 255u, op == MULH);
    var mulh: array<u32, 4>;
    var b_prefix = 0u;
    var c_prefix = 0u;
    for (var i = 0u; i < 4u; i++) {
        b_prefix += b[i];
        c_prefix += c[i];
        var res = carry[3u + i] + b_prefix * c_ext + c_prefix * b_ext;
        for (var j = i + 1u; j < 4u; j++) {
            res += b[j] * c[4u + i - j];
        }
        carry[4u + i] = res >> 8u;
        mulh[i] = res & 0xffu;
    }

    for (var i = 0u; i < 4u; i++) {
        range_tuple_add(mul[i], carry[i]);
        range_tuple_add(mulh[i], carry[4u + i]);
    }
    if (op != MULHU) {
        let b_sign_mask = select(0u, 128u, b_ext != 0u);
        let c_sign_mask = select(0u, 128u, c_ext != 0u);
        bitwise_range((b[3] - b_sign_mask) << 1u, (c[3] - c_sign_mask) << u32(op == MULH));
    }

    put_u32(COL_CORE_MULHU_FLAG, u32(op == MULHU));
    put_u32(COL_CORE_MULHSU_FLAG, u32(op == MULHSU));
    put_u32(COL_CORE_MULH_FLAG, u32(op == MULH));
    put_u32(COL_CORE_C_EXT, c_ext);
    put_u32(COL_CORE_B_EXT, b_ext);
    for (var i = 0u; i < 4u; i++) {
        put_u32(COL_CORE_A_MUL + i, mul[i]);
        put_u32(COL_CORE_C + i, c[i]);
        put_u32(COL_CORE_B + i, b[i]);
        put_u32(COL_CORE_A + i, mulh[i]);
    }
}

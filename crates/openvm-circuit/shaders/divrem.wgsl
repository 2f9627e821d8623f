// Rv32DivRemAir's trace from (Rv32MultAdapterRecord, DivRemCoreRecord<4>) records: upstream's
// Rv32MultAdapterFiller and DivRemFiller, row by row.
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

const DIV: u32 = 0u;
const DIVU: u32 = 1u;
const REM: u32 = 2u;
const REMU: u32 = 3u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (!begin_row(inv, WORKGROUP_SIZE)) {
        return;
    }
    mult_adapter_fill();

    let op = rec_u8(REC_CORE_OPCODE);
    let is_signed = op == DIV || op == REM;
    let b = rec_bytes4(REC_CORE_B);
    let c = rec_bytes4(REC_CORE_C);

    // Upstream's run_divrem on whole words (its limb negation is two's complement).
    let b_sign = is_signed && (b >> 31u) == 1u;
    let c_sign = is_signed && (c >> 31u) == 1u;
    let zero_divisor = c == 0u;
    let overflow = b == 0x80000000u && c == 0xffffffffu && b_sign && c_sign;
    var q = 0u;
    var r = 0u;
    var q_sign = false;
    if (zero_divisor) {
        q = 0xffffffffu;
        r = b;
        q_sign = is_signed;
    } else if (overflow) {
        q = b;
        r = 0u;
        q_sign = false;
    } else {
        let b_abs = select(b, 0u - b, b_sign);
        let c_abs = select(c, 0u - c, c_sign);
        q = b_abs / c_abs;
        r = b_abs % c_abs;
        if (b_sign != c_sign) {
            q = 0u - q;
        }
        if (b_sign) {
            r = 0u - r;
        }
        q_sign = is_signed && (q >> 31u) == 1u;
    }
    let special = zero_divisor || overflow;

    // Upstream's run_mul_carries: the carries of c * q + r, low word then high word.
    var carry: array<u32, 8>;
    for (var i = 0u; i < 4u; i++) {
        var val = limb(r, i);
        if (i > 0u) {
            val += carry[i - 1u];
        }
        for (var j = 0u; j <= i; j++) {
            val += limb(c, j) * limb(q, i - j);
        }
        carry[i] = val >> 8u;
    }
    let q_ext = select(0u, 255u, q_sign && is_signed);
    let c_ext = (c >> 31u) * select(0u, 255u, is_signed);
    let r_ext = (r >> 31u) * select(0u, 255u, is_signed);
    var c_prefix = 0u;
    var q_prefix = 0u;
    for (var i = 0u; i < 4u; i++) {
        c_prefix += limb(c, i);
        q_prefix += limb(q, i);
        var val = carry[3u + i] + c_prefix * q_ext + q_prefix * c_ext + r_ext;
        for (var j = i + 1u; j < 4u; j++) {
            val += limb(c, j) * limb(q, 4u + i - j);
        }
        carry[4u + i] = val >> 8u;
    }
    for (var i = 0u; i < 4u; i++) {
        range_tuple_add(limb(q, i), carry[i]);
        range_tuple_add(limb(r, i), carry[4u + i]);
    }

    let sign_xor = b_sign != c_sign;
    let r_prime = select(r, 0u - r, sign_xor);
    let r_zero = r == 0u && !zero_divisor;

    if (is_signed) {
        let b_sign_mask = select(0u, 128u, b_sign);
        let c_sign_mask = select(0u, 128u, c_sign);
        bitwise_range((limb(b, 3u) - b_sign_mask) << 1u, (limb(c, 3u) - c_sign_mask) << 1u);
    }

    put_u32(COL_CORE_REMU_FLAG, u32(op == REMU));
    put_u32(COL_CORE_REM_FLAG, u32(op == REM));
    put_u32(COL_CORE_DIVU_FLAG, u32(op == DIVU));
    put_u32(COL_CORE_DIV_FLAG, u32(op == DIV));

    // 0 <= |r| < |c|: the most significant limb where c and r_prime differ (upstream's
    // run_sltu_diff_idx) is marked, with the difference there range checked.
    var lt_diff = 0u;
    var lt_idx = 4u;
    if (!special && !r_zero) {
        for (var k = 0u; k < 4u; k++) {
            let i = 3u - k;
            if (limb(c, i) != limb(r_prime, i)) {
                lt_idx = i;
                break;
            }
        }
        if (lt_idx < 4u) {
            lt_diff = select(limb(c, lt_idx) - limb(r_prime, lt_idx), limb(r_prime, lt_idx) - limb(c, lt_idx), c_sign);
            bitwise_range(lt_diff - 1u, 0u);
        }
    }
    put_u32(COL_CORE_LT_DIFF, lt_diff);

    let two_pow_limb = bb_from_u32(256u);
    var r_sum = 0u;
    var c_sum = 0u;
    for (var i = 0u; i < 4u; i++) {
        put_u32(COL_CORE_LT_MARKER + i, u32(i == lt_idx));
        let rp = limb(r_prime, i);
        put(COL_CORE_R_INV + i, bb_inv(bb_sub(bb_from_u32(rp), two_pow_limb)));
        put_u32(COL_CORE_R_PRIME + i, rp);
        r_sum += limb(r, i);
        c_sum += limb(c, i);
    }
    put(COL_CORE_R_SUM_INV, bb_inv(bb_from_u32(r_sum)));
    put(COL_CORE_C_SUM_INV, bb_inv(bb_from_u32(c_sum)));

    put_u32(COL_CORE_SIGN_XOR, u32(sign_xor));
    put_u32(COL_CORE_Q_SIGN, u32(q_sign));
    put_u32(COL_CORE_C_SIGN, u32(c_sign));
    put_u32(COL_CORE_B_SIGN, u32(b_sign));
    put_u32(COL_CORE_R_ZERO, u32(r_zero));
    put_u32(COL_CORE_ZERO_DIVISOR, u32(zero_divisor));

    put_word_limbs(COL_CORE_R, r);
    put_word_limbs(COL_CORE_Q, q);
    put_word_limbs(COL_CORE_C, c);
    put_word_limbs(COL_CORE_B, b);
}

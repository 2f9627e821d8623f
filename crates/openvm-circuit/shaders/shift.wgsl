// Rv32ShiftAir's trace from (Rv32BaseAluAdapterRecord, ShiftCoreRecord<4, 8>) records: upstream's
// Rv32BaseAluAdapterFiller and ShiftFiller, row by row.
#import tracegen
#import range_checker
#import bitwise_lookup
#import alu_adapter

override WORKGROUP_SIZE: u32;

@group(0) @binding(2) var<storage, read_write> range_counts: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> bitwise_counts: array<atomic<u32>>;
@group(0) @binding(4) var<uniform> params: TraceParams;

const SLL: u32 = 0u;
const SRL: u32 = 1u;
const SRA: u32 = 2u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (!begin_row(inv, WORKGROUP_SIZE)) {
        return;
    }
    alu_adapter_fill();

    // Core: the shift amount is c[0] mod 32 (upstream's get_shift), split into limbs and bits;
    // upstream's limb-by-limb run_shift is the 32-bit shift of b.
    let op = rec_u8(REC_CORE_OPCODE);
    let b = rec_bytes4(REC_CORE_B);
    let c0 = rec_u8(REC_CORE_C);
    let shift = c0 % 32u;
    let limb_shift = shift / 8u;
    let bit_shift = shift % 8u;
    var a = 0u;
    switch op {
        case SLL: { a = b << shift; }
        case SRL: { a = b >> shift; }
        default: { a = u32(bitcast<i32>(b) >> shift); }
    }

    bitwise_range(a & 0xffu, (a >> 8u) & 0xffu);
    bitwise_range((a >> 16u) & 0xffu, a >> 24u);
    // (c[0] - shift) >> log2(32), of 8 - 5 bits.
    range_add((c0 - shift) >> 5u, 3u);

    for (var i = 0u; i < 4u; i++) {
        let bi = limb(b, i);
        var carry = 0u;
        if (bit_shift == 0u) {
            range_add(0u, 0u);
        } else {
            if (op == SLL) {
                carry = bi >> (8u - bit_shift);
            } else {
                carry = bi % (1u << bit_shift);
            }
            range_add(carry, bit_shift);
        }
        put_u32(COL_CORE_BIT_SHIFT_CARRY + i, carry);
        put_u32(COL_CORE_LIMB_SHIFT_MARKER + i, u32(i == limb_shift));
    }
    for (var i = 0u; i < 8u; i++) {
        put_u32(COL_CORE_BIT_SHIFT_MARKER + i, u32(i == bit_shift));
    }

    var b_sign = 0u;
    if (op == SRA) {
        b_sign = b >> 31u;
        bitwise_xor(b >> 24u, 128u);
    }
    put_u32(COL_CORE_B_SIGN, b_sign);
    put_u32(COL_CORE_BIT_MULTIPLIER_RIGHT, select(1u << bit_shift, 0u, op == SLL));
    put_u32(COL_CORE_BIT_MULTIPLIER_LEFT, select(0u, 1u << bit_shift, op == SLL));

    put_u32(COL_CORE_SRA_FLAG, u32(op == SRA));
    put_u32(COL_CORE_SRL_FLAG, u32(op == SRL));
    put_u32(COL_CORE_SLL_FLAG, u32(op == SLL));
    put_rec_limbs(COL_CORE_C, REC_CORE_C);
    put_word_limbs(COL_CORE_B, b);
    put_word_limbs(COL_CORE_A, a);
}

// Rv32BaseAluAir's trace from (Rv32BaseAluAdapterRecord, BaseAluCoreRecord<4>) records: upstream's
// Rv32BaseAluAdapterFiller and BaseAluFiller, row by row.
#import tracegen
#import range_checker
#import bitwise_lookup

override WORKGROUP_SIZE: u32;

@group(0) @binding(2) var<storage, read_write> range_counts: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> bitwise_counts: array<atomic<u32>>;
@group(0) @binding(4) var<uniform> params: TraceParams;

const ADD: u32 = 0u;
const SUB: u32 = 1u;
const XOR: u32 = 2u;
const OR: u32 = 3u;
const AND: u32 = 4u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (!begin_row(inv, WORKGROUP_SIZE)) {
        return;
    }
    // Adapter.
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

    // Core: a = b op c on little-endian bytes.
    let b = rec_bytes4(REC_CORE_B);
    let c = rec_bytes4(REC_CORE_C);
    let op = rec_u8(REC_CORE_OPCODE);
    var a = 0u;
    switch op {
        case ADD: { a = b + c; }
        case SUB: { a = b - c; }
        case XOR: { a = b ^ c; }
        case OR: { a = b | c; }
        default: { a = b & c; }
    }
    put_u32(COL_CORE_AND_FLAG, u32(op == AND));
    put_u32(COL_CORE_OR_FLAG, u32(op == OR));
    put_u32(COL_CORE_XOR_FLAG, u32(op == XOR));
    put_u32(COL_CORE_SUB_FLAG, u32(op == SUB));
    put_u32(COL_CORE_ADD_FLAG, u32(op == ADD));
    for (var i = 0u; i < 4u; i++) {
        let ai = (a >> (8u * i)) & 0xffu;
        let bi = (b >> (8u * i)) & 0xffu;
        let ci = (c >> (8u * i)) & 0xffu;
        if (op == ADD || op == SUB) {
            bitwise_xor(ai, ai);
        } else {
            bitwise_xor(bi, ci);
        }
        put_u32(COL_CORE_A + i, ai);
        put_u32(COL_CORE_B + i, bi);
        put_u32(COL_CORE_C + i, ci);
    }
}

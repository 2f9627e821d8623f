// Rv32BaseAluAir's trace from (Rv32BaseAluAdapterRecord, BaseAluCoreRecord<4>) records: upstream's
// Rv32BaseAluAdapterFiller and BaseAluFiller, row by row.
#import tracegen
#import range_checker
#import bitwise_lookup
#import alu_adapter

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
    alu_adapter_fill();

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
        let ai = limb(a, i);
        let bi = limb(b, i);
        let ci = limb(c, i);
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

// Rv32LoadStoreAir's trace from (Rv32LoadStoreAdapterRecord, LoadStoreCoreRecord<4>) records:
// upstream's Rv32LoadStoreAdapterFiller and LoadStoreFiller, row by row.
#import tracegen
#import range_checker
#import loadstore_adapter

override WORKGROUP_SIZE: u32;

@group(0) @binding(2) var<storage, read_write> range_counts: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> params: TraceParams;

// Rv32LoadStoreOpcode.
const LOADW: u32 = 0u;
const LOADBU: u32 = 1u;
const LOADHU: u32 = 2u;
const STOREW: u32 = 3u;
const STOREH: u32 = 4u;
const STOREB: u32 = 5u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (!begin_row(inv, WORKGROUP_SIZE)) {
        return;
    }
    loadstore_adapter_fill();

    // Core: upstream's run_write_data. prev_data may be any field element (u32 words).
    let op = rec_u8(REC_CORE_OPCODE);
    let shift = rec_u8(REC_CORE_SHIFT_AMOUNT);
    for (var i = 0u; i < 4u; i++) {
        let read = rec_u8(REC_CORE_READ_DATA + i);
        let prev = rec_u32(REC_CORE_PREV_DATA + 4u * i);
        var write = 0u;
        switch op {
            case LOADW, STOREW: { write = read; }
            case LOADBU: {
                if (i == 0u) {
                    write = rec_u8(REC_CORE_READ_DATA + shift);
                }
            }
            case LOADHU: {
                if (i < 2u) {
                    write = rec_u8(REC_CORE_READ_DATA + i + shift);
                }
            }
            case STOREB: {
                write = select(prev, rec_u8(REC_CORE_READ_DATA), i == shift);
            }
            default: {
                // STOREH
                write = select(prev, rec_u8(REC_CORE_READ_DATA + i - shift), i >= shift && i < 2u + shift);
            }
        }
        put_u32(COL_CORE_WRITE_DATA + i, write);
        put_u32(COL_CORE_PREV_DATA + i, prev);
        put_u32(COL_CORE_READ_DATA + i, read);
    }
    put_u32(COL_CORE_IS_LOAD, u32(op == LOADW || op == LOADHU || op == LOADBU));
    put_u32(COL_CORE_IS_VALID, 1u);

    // Each (opcode, shift) pair is its own instruction, encoded in four flags of value 0, 1, 2.
    var flags = array<u32, 4>(0u, 0u, 0u, 0u);
    switch op {
        case LOADW: { flags[0] = 2u; }
        case LOADHU: { flags[shift / 2u + 1u] = 2u; }
        case LOADBU: {
            if (shift == 0u) {
                flags[3] = 2u;
            } else {
                flags[shift - 1u] = 1u;
            }
        }
        case STOREW: { flags[3] = 1u; }
        case STOREH: {
            flags[0] = 1u;
            flags[shift / 2u + 1u] = 1u;
        }
        default: {
            // STOREB: (0, 3), (1, 2), (1, 3), (2, 3) for shift 0..3.
            switch shift {
                case 0u: { flags[0] = 1u; flags[3] = 1u; }
                case 1u: { flags[1] = 1u; flags[2] = 1u; }
                case 2u: { flags[1] = 1u; flags[3] = 1u; }
                default: { flags[2] = 1u; flags[3] = 1u; }
            }
        }
    }
    for (var i = 0u; i < 4u; i++) {
        put_u32(COL_CORE_FLAGS + i, flags[i]);
    }
}

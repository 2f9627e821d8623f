// Rv32LoadStoreAir's trace from (Rv32LoadStoreAdapterRecord, LoadStoreCoreRecord<4>) records:
// upstream's Rv32LoadStoreAdapterFiller and LoadStoreFiller, row by row.
#import tracegen
#import range_checker

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

// Rv32LoadStoreAdapterFiller::fill_trace_row.
fn loadstore_adapter_fill() {
    let from_timestamp = rec_u32(REC_FROM_TIMESTAMP);
    // rd_rs2_ptr is u32::MAX for a load into x0, which writes nothing.
    let rd_rs2_ptr = rec_u32(REC_RD_RS2_PTR);
    let needs_write = rd_rs2_ptr != 0xffffffffu;
    put_u32(COL_NEEDS_WRITE, u32(needs_write));
    if (needs_write) {
        mem_aux_fill(COL_WRITE_BASE_AUX, rec_u32(REC_WRITE_PREV_TIMESTAMP), from_timestamp + 2u);
    } else {
        mem_aux_zero(COL_WRITE_BASE_AUX);
    }
    put_u32(COL_MEM_AS, rec_u8(REC_MEM_AS));

    let rs1_val = rec_u32(REC_RS1_VAL);
    let imm = rec_u16(REC_IMM);
    let imm_sign = rec_u8(REC_IMM_SIGN);
    let ptr = rs1_val + imm + imm_sign * 0xffff0000u;
    let ptr_lo = ptr & 0xffffu;
    let ptr_hi = ptr >> 16u;
    range_add(ptr_lo >> 2u, 14u);
    range_add(ptr_hi, params.pointer_max_bits - 16u);
    put_u32(COL_MEM_PTR_LIMBS, ptr_lo);
    put_u32(COL_MEM_PTR_LIMBS + 1u, ptr_hi);
    put_u32(COL_IMM_SIGN, imm_sign);
    put_u32(COL_IMM, imm);

    mem_aux_fill(COL_READ_DATA_AUX, rec_u32(REC_READ_DATA_AUX_PREV_TIMESTAMP), from_timestamp + 1u);
    put_u32(COL_RD_RS2_PTR, select(0u, rd_rs2_ptr, needs_write));
    mem_aux_fill(COL_RS1_AUX, rec_u32(REC_RS1_AUX_PREV_TIMESTAMP), from_timestamp);
    for (var i = 0u; i < 4u; i++) {
        put_u32(COL_RS1_DATA + i, (rs1_val >> (8u * i)) & 0xffu);
    }
    put_u32(COL_RS1_PTR, rec_u32(REC_RS1_PTR));
    put_u32(COL_FROM_TIMESTAMP, from_timestamp);
    put_u32(COL_FROM_PC, rec_u32(REC_FROM_PC));
}

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

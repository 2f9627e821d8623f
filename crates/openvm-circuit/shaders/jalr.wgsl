// Rv32JalrAir's trace from (Rv32JalrAdapterRecord, Rv32JalrCoreRecord) records: upstream's
// Rv32JalrAdapterFiller and Rv32JalrFiller, row by row.
#import tracegen
#import range_checker
#import bitwise_lookup

override WORKGROUP_SIZE: u32;

@group(0) @binding(2) var<storage, read_write> range_counts: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> bitwise_counts: array<atomic<u32>>;
@group(0) @binding(4) var<uniform> params: TraceParams;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (!begin_row(inv, WORKGROUP_SIZE)) {
        return;
    }
    // Adapter: rd_ptr u32::MAX marks an instruction that writes nothing (rd = x0); its rd
    // columns stay zero.
    let from_timestamp = rec_u32(REC_FROM_TIMESTAMP);
    let rd_ptr = rec_u32(REC_RD_PTR);
    let needs_write = rd_ptr != 0xffffffffu;
    put_u32(COL_FROM_PC, rec_u32(REC_FROM_PC));
    put_u32(COL_FROM_TIMESTAMP, from_timestamp);
    put_u32(COL_RS1_PTR, rec_u32(REC_RS1_PTR));
    mem_aux_fill(COL_RS1_AUX, rec_u32(REC_READS_AUX_PREV_TIMESTAMP), from_timestamp);
    put_u32(COL_NEEDS_WRITE, u32(needs_write));
    if (needs_write) {
        put_u32(COL_RD_PTR, rd_ptr);
        mem_aux_fill(COL_RD_AUX, rec_u32(REC_WRITES_AUX_PREV_TIMESTAMP), from_timestamp + 1u);
        put_rec_limbs(COL_RD_AUX_PREV_DATA, REC_WRITES_AUX_PREV_DATA);
    } else {
        put(COL_RD_PTR, 0u);
        mem_aux_zero(COL_RD_AUX);
        for (var i = 0u; i < 4u; i++) {
            put(COL_RD_AUX_PREV_DATA + i, 0u);
        }
    }

    // Core (upstream's run_jalr): to_pc = rs1 + sign-extended imm, rd = from_pc + pc step.
    let imm = rec_u16(REC_CORE_IMM);
    let imm_sign = rec_u8(REC_CORE_IMM_SIGN) != 0u;
    let rs1 = rec_u32(REC_CORE_RS1_VAL);
    let to_pc = rs1 + imm + select(0u, 0xffff0000u, imm_sign);
    let rd = rec_u32(REC_CORE_FROM_PC) + DEFAULT_PC_STEP;
    let to_pc_limbs0 = (to_pc & 0xffffu) >> 1u;
    let to_pc_limbs1 = to_pc >> 16u;
    range_add(to_pc_limbs0, 15u);
    range_add(to_pc_limbs1, PC_BITS - 16u);
    bitwise_range(rd & 0xffu, (rd >> 8u) & 0xffu);
    range_add((rd >> 16u) & 0xffu, 8u);
    range_add(rd >> 24u, PC_BITS - 24u);

    put_u32(COL_CORE_IMM_SIGN, u32(imm_sign));
    put_u32(COL_CORE_TO_PC_LIMBS, to_pc_limbs0);
    put_u32(COL_CORE_TO_PC_LIMBS + 1u, to_pc_limbs1);
    put_u32(COL_CORE_TO_PC_LEAST_SIG_BIT, to_pc & 1u);
    put_u32(COL_CORE_IS_VALID, 1u);
    put_word_limbs(COL_CORE_RS1_DATA, rs1);
    // rd_data holds rd's three most significant limbs.
    for (var i = 0u; i < 3u; i++) {
        put_u32(COL_CORE_RD_DATA + i, limb(rd, i + 1u));
    }
    put_u32(COL_CORE_IMM, imm);
}

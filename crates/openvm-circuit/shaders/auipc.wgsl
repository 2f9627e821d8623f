// Rv32AuipcAir's trace from (Rv32RdWriteAdapterRecord, Rv32AuipcCoreRecord) records: upstream's
// Rv32RdWriteAdapterFiller and Rv32AuipcFiller, row by row.
#import tracegen
#import range_checker
#import bitwise_lookup
#import rdwrite_adapter

override WORKGROUP_SIZE: u32;

@group(0) @binding(2) var<storage, read_write> range_counts: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> bitwise_counts: array<atomic<u32>>;
@group(0) @binding(4) var<uniform> params: TraceParams;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (!begin_row(inv, WORKGROUP_SIZE)) {
        return;
    }
    rdwrite_adapter_fill();

    // Core (upstream's run_auipc): rd = pc + (imm << 8).
    let pc = rec_u32(REC_CORE_FROM_PC);
    let imm = rec_u32(REC_CORE_IMM);
    let rd = pc + (imm << 8u);
    let imm0 = imm & 0xffu;
    let imm1 = (imm >> 8u) & 0xffu;
    let imm2 = (imm >> 16u) & 0xffu;
    let pc1 = (pc >> 8u) & 0xffu;
    let pc2 = (pc >> 16u) & 0xffu;
    let pc3 = pc >> 24u;
    // The pc's most significant limb shifted up so that its range check bounds it by PC_BITS.
    bitwise_range(imm0, imm1);
    bitwise_range(imm2, pc1);
    bitwise_range(pc2, pc3 << (32u - PC_BITS));
    bitwise_range(rd & 0xffu, (rd >> 8u) & 0xffu);
    bitwise_range((rd >> 16u) & 0xffu, rd >> 24u);

    put_word_limbs(COL_CORE_RD_DATA, rd);
    put_u32(COL_CORE_PC_LIMBS, pc1);
    put_u32(COL_CORE_PC_LIMBS + 1u, pc2);
    put_u32(COL_CORE_IMM_LIMBS, imm0);
    put_u32(COL_CORE_IMM_LIMBS + 1u, imm1);
    put_u32(COL_CORE_IMM_LIMBS + 2u, imm2);
    put_u32(COL_CORE_IS_VALID, 1u);
}

// Rv32JalLuiAir's trace from (Rv32RdWriteAdapterRecord, Rv32JalLuiCoreRecord) records: upstream's
// Rv32CondRdWriteAdapterFiller and Rv32JalLuiFiller, row by row.
#import tracegen
#import range_checker
#import bitwise_lookup
#import cond_rdwrite_adapter

override WORKGROUP_SIZE: u32;

@group(0) @binding(2) var<storage, read_write> range_counts: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> bitwise_counts: array<atomic<u32>>;
@group(0) @binding(4) var<uniform> params: TraceParams;

// Upstream's ADDITIONAL_BITS: JAL's rd_data[3] XOR this checks rd_data[3] < 2^(PC_BITS - 24).
const ADDITIONAL_BITS: u32 = 0xc0u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (!begin_row(inv, WORKGROUP_SIZE)) {
        return;
    }
    cond_rdwrite_adapter_fill();

    // Core.
    let is_jal = rec_u8(REC_CORE_IS_JAL) != 0u;
    let rd = rec_bytes4(REC_CORE_RD_DATA);
    let rd0 = rd & 0xffu;
    let rd1 = (rd >> 8u) & 0xffu;
    let rd2 = (rd >> 16u) & 0xffu;
    let rd3 = rd >> 24u;
    bitwise_range(rd0, rd1);
    bitwise_range(rd2, rd3);
    if (is_jal) {
        bitwise_xor(rd3, ADDITIONAL_BITS);
    }
    put_u32(COL_CORE_IS_LUI, u32(!is_jal));
    put_u32(COL_CORE_IS_JAL, u32(is_jal));
    put_u32(COL_CORE_RD_DATA, rd0);
    put_u32(COL_CORE_RD_DATA + 1u, rd1);
    put_u32(COL_CORE_RD_DATA + 2u, rd2);
    put_u32(COL_CORE_RD_DATA + 3u, rd3);
    put_u32(COL_CORE_IMM, rec_u32(REC_CORE_IMM));
}

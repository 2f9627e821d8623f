// ProgramAir's cached trace, as upstream's generate_cached_trace makes it: one row per defined
// instruction, then padding rows up to the trace's height. A record is its row as upstream
// fills it (ProgramExecutionCols<u32>): opcode and operands as field elements (Montgomery
// words), the pc as an integer. Every padding row repeats one record (`padding`, its pc the
// program's pc_base), at pc_base + row * DEFAULT_PC_STEP: the pcs upstream gives them.
#import tracegen

override WORKGROUP_SIZE: u32;

// The padding row's record, then (word PADDING_FROM) the first padding row.
@group(0) @binding(2) var<storage, read> padding: array<u32>;
@group(0) @binding(3) var<uniform> params: TraceParams;

// The record word at `byte`: this row's record, or the padding row's.
fn row_word(byte: u32, is_padding: bool) -> u32 {
    if (is_padding) {
        return padding[byte / 4u];
    }
    return rec_u32(byte);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (!begin_row(inv, WORKGROUP_SIZE)) {
        return;
    }
    let is_padding = trace_row >= padding[PADDING_FROM];
    var pc = row_word(REC_PC, is_padding);
    if (is_padding) {
        // u32 arithmetic, wrapping as upstream's does in release builds.
        pc += trace_row * DEFAULT_PC_STEP;
    }
    put_u32(COL_PC, pc);
    put(COL_OPCODE, row_word(REC_OPCODE, is_padding));
    put(COL_A, row_word(REC_A, is_padding));
    put(COL_B, row_word(REC_B, is_padding));
    put(COL_C, row_word(REC_C, is_padding));
    put(COL_D, row_word(REC_D, is_padding));
    put(COL_E, row_word(REC_E, is_padding));
    put(COL_F, row_word(REC_F, is_padding));
    put(COL_G, row_word(REC_G, is_padding));
}

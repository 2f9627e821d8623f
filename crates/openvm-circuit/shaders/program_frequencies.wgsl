// ProgramAir's common main trace: row i holds the execution frequency of program row i, as
// upstream's ProgramChip writes it. The records are the frequencies, one u32 each; rows past
// them (the cached trace's padding) stay zero. No lookups.
#import tracegen

override WORKGROUP_SIZE: u32;

@group(0) @binding(2) var<uniform> params: TraceParams;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (!begin_row(inv, WORKGROUP_SIZE)) {
        return;
    }
    put_u32(COL_EXEC_FREQ, rec_u32(0u));
}

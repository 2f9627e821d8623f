// Word `index` of trace chunk binding `chunk` (0..4): a kernel that reads traces binds their
// column-major chunk buffers as `trace0` .. `trace3` (src/kernels/constraint_eval.rs,
// TRACE_BINDINGS) and declares them itself, at its own binding indices.
fn trace_word(chunk: u32, index: u32) -> u32 {
    switch chunk {
        case 0u: { return trace0[index]; }
        case 1u: { return trace1[index]; }
        case 2u: { return trace2[index]; }
        default: { return trace3[index]; }
    }
}

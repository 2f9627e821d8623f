// Extension element `index` of folded-column chunk binding `chunk` (0..4): a kernel that reads
// an AIR's folded columns (src/zerocheck_mle.rs, whole columns per chunk) binds its chunk
// buffers as `folded0` .. `folded3` (src/kernels/constraint_eval_ext.rs, FOLDED_BINDINGS) and
// declares them itself, at its own binding indices.
fn folded_element(chunk: u32, index: u32) -> vec4<u32> {
    switch chunk {
        case 0u: { return folded0[index]; }
        case 1u: { return folded1[index]; }
        case 2u: { return folded2[index]; }
        default: { return folded3[index]; }
    }
}

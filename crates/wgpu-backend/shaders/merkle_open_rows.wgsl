// Batch row opening for Merkle queries: for query q and t < rows_per_query, row
// t * query_stride + indices[q] of one column chunk goes to out[(q * rows_per_query + t) * width
// + column_offset + c]. One dispatch per chunk of a split matrix.
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    height: u32,
    columns: u32,
    column_offset: u32,
    width: u32,
    rows_per_query: u32,
    query_stride: u32,
    count: u32,
    workgroup_base: u32,
}

@group(0) @binding(0) var<storage, read> matrix: array<u32>;
@group(0) @binding(1) var<storage, read> indices: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let g = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (g >= params.count) {
        return;
    }
    let c = g % params.columns;
    let qt = g / params.columns;
    let t = qt % params.rows_per_query;
    let q = qt / params.rows_per_query;
    let row = t * params.query_stride + indices[q];
    out[qt * params.width + params.column_offset + c] = matrix[c * params.height + row];
}

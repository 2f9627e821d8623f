// Zerocheck round 0: the virtual columns constraint_eval's main_virtual reads. For every
// virtual column v (descs[v]: an operand word of src/constraint_program.rs, a trace variable or
// a selector) and virtual row i (block x = block_start + i / points, point p = i % points):
//   out[v * rows + i] = sum_k L[p][k] * column(x * 2^LOG_SKIP + k)
// where column(r) is the variable's trace column on row (r + offset) mod height (upstream's
// lift and rotation) or the selector on row r mod height (upstream's lifted selector matrix),
// and L (points x 2^log_skip, row-major, from values[lagrange_base]) holds the Lagrange basis
// polynomials of the skip domain at the points: the column's interpolant on the block,
// evaluated at the point. One dispatch covers the virtual columns column_start + g / rows,
// whose trace columns come from up to four column-major chunk buffers; values[2p],
// values[2p + 1] give partition p's chunk binding offset (chunk k of the partition is binding
// values[2p] + k, wrapping) and columns per chunk.
#import babybear
#import grid
#import trace_chunks
#import constraint_encoding

override WORKGROUP_SIZE: u32;

struct Params {
    total: u32,
    rows: u32,
    points: u32,
    log_skip: u32,
    block_start: u32,
    height: u32,
    lagrange_base: u32,
    workgroup_base: u32,
    column_start: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> values: array<u32>;
@group(0) @binding(1) var<storage, read> descs: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<storage, read> trace0: array<u32>;
@group(0) @binding(4) var<storage, read> trace1: array<u32>;
@group(0) @binding(5) var<storage, read> trace2: array<u32>;
@group(0) @binding(6) var<storage, read> trace3: array<u32>;
@group(0) @binding(7) var<uniform> params: Params;


// The selector `kind` on trace row r (r < height).
fn selector(kind: u32, r: u32) -> u32 {
    if (kind == SPECIAL_IS_FIRST_ROW) {
        return select(0u, BB_ONE, r == 0u);
    }
    if (kind == SPECIAL_IS_LAST_ROW) {
        return select(0u, BB_ONE, r + 1u == params.height);
    }
    return select(BB_ONE, 0u, r + 1u == params.height);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let g = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (g >= params.total) {
        return;
    }
    let v = params.column_start + g / params.rows;
    let i = g % params.rows;
    let word = descs[v];
    let n = 1u << params.log_skip;
    let lagrange = params.lagrange_base + (i % params.points) * n;
    let first_row = (params.block_start + i / params.points) * n;
    // Heights are powers of two (checked on the host), so "mod height" is a mask.
    let wrap = params.height - 1u;
    var acc = 0u;
    if (operand_tag(word) == TAG_VAR) {
        let part = var_partition(word);
        let column = var_column(word);
        let offset = var_next(word);
        let per_chunk = values[2u * part + 1u];
        let chunk = values[2u * part] + column / per_chunk;
        let base = (column % per_chunk) * params.height;
        for (var k = 0u; k < n; k++) {
            let r = (first_row + k + offset) & wrap;
            acc = bb_add(acc, bb_mul(values[lagrange + k], trace_word(chunk, base + r)));
        }
    } else {
        let kind = special_kind(word);
        for (var k = 0u; k < n; k++) {
            let r = (first_row + k) & wrap;
            acc = bb_add(acc, bb_mul(values[lagrange + k], selector(kind, r)));
        }
    }
    out[v * params.rows + i] = acc;
}

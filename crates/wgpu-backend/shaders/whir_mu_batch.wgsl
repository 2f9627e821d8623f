// WHIR's μ-batching: out[i] += Σ_t mu[mu_offset + t] * cols[t * height + i] for every row i of
// one chunk of a stacked matrix's columns. `out` is an extension vector split into chunks,
// each in column form (four base components as four columns of the chunk's length); a dispatch
// writes the out_n rows of the chunk that starts at row_base. `mu` holds the powers of μ, four
// words each. The host records one dispatch per matrix chunk, out chunk and run of columns
// within an invocation's loop limit (column_start on), all accumulating
// into one zeroed `out`.
#import babybear_ext4
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    height: u32,
    columns: u32,
    mu_offset: u32,
    workgroup_base: u32,
    row_base: u32,
    out_n: u32,
    column_start: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> cols: array<u32>;
@group(0) @binding(1) var<storage, read> mu: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    let h = params.height;
    let n = params.out_n;
    if (i >= n) {
        return;
    }
    let row = params.row_base + i;
    var acc = vec4<u32>(out[i], out[n + i], out[2u * n + i], out[3u * n + i]);
    for (var k = 0u; k < params.columns; k++) {
        let t = params.column_start + k;
        let m = 4u * (params.mu_offset + t);
        let power = vec4<u32>(mu[m], mu[m + 1u], mu[m + 2u], mu[m + 3u]);
        acc = ext_add(acc, ext_mul_base(power, cols[t * h + row]));
    }
    out[i] = acc.x;
    out[n + i] = acc.y;
    out[2u * n + i] = acc.z;
    out[3u * n + i] = acc.w;
}

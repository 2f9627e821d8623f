// Starts a large NTT: dst[col][q] = src[col][i] * scale * shift^i with i = bit_reverse(q, dst_log),
// zero where i >= src_height. This puts a column (or its zero-padded extension, for low-degree
// extension) into the bit-reversed order the DIT passes expect, and folds in the inverse
// transform's 1/n and a coset shift. Writes are contiguous; reads gather.
// shift^i = shift_powers[i mod 2^low_bits] * shift_powers[2^low_bits + (i >> low_bits)].
#import babybear
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    src_height: u32,
    dst_log: u32,
    columns: u32,
    src_column_offset: u32,
    dst_column_offset: u32,
    scale: u32,
    low_bits: u32,
    use_shift: u32,
    workgroup_base: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@group(0) @binding(2) var<storage, read> shift_powers: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let g = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    let column = g >> params.dst_log;
    if (column >= params.columns) {
        return;
    }
    let q = g & ((1u << params.dst_log) - 1u);
    let i = bit_reverse(q, params.dst_log);
    var v = 0u;
    if (i < params.src_height) {
        v = bb_mul(src[(params.src_column_offset + column) * params.src_height + i], params.scale);
        if (params.use_shift != 0u) {
            let low = shift_powers[i & ((1u << params.low_bits) - 1u)];
            let high = shift_powers[(1u << params.low_bits) + (i >> params.low_bits)];
            v = bb_mul(v, bb_mul(low, high));
        }
    }
    dst[((params.dst_column_offset + column) << params.dst_log) + q] = v;
}

// Tiled transpose between layouts: element (r, c) of a row-major block of `slice_rows` rows
// (row stride `trace_width`, columns first_column .. first_column + columns) goes to
// out[out_offset + (c - first_column) * trace_height + slice_first_row + r]. Uses: stacking a
// row-major trace into the column-major stacked matrix (a trace at least 2^l_skip high occupies
// consecutive stacked positions column after column), and turning column-major codewords into
// row-major rows (read the columns as rows). Tiles go through workgroup memory so both reads and
// writes are contiguous.
#import grid

override WORKGROUP_SIZE: u32;
override TILE: u32;
// TILE * (TILE + 1): each tile row padded by one word against bank conflicts.
override TILE_WORDS: u32;

struct Params {
    // Rows of the trace uploaded in `rows` (this slice) and their first row index in the trace.
    slice_rows: u32,
    slice_first_row: u32,
    trace_height: u32,
    trace_width: u32,
    // Trace columns first_column .. first_column + columns go to this output chunk.
    first_column: u32,
    columns: u32,
    out_offset: u32,
    workgroup_base: u32,
}

@group(0) @binding(0) var<storage, read> rows: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> tile: array<u32, TILE_WORDS>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let lid = inv.lid;
    let t = linear_workgroup(inv, params.workgroup_base);
    let tiles_down = (params.slice_rows + TILE - 1u) / TILE;
    let r0 = (t % tiles_down) * TILE;
    let c0 = (t / tiles_down) * TILE;
    for (var e = lid; e < TILE * TILE; e += WORKGROUP_SIZE) {
        let r = r0 + e / TILE;
        let c = c0 + e % TILE;
        var v = 0u;
        if (r < params.slice_rows && c < params.columns) {
            v = rows[r * params.trace_width + params.first_column + c];
        }
        tile[(e / TILE) * (TILE + 1u) + e % TILE] = v;
    }
    workgroupBarrier();
    for (var e = lid; e < TILE * TILE; e += WORKGROUP_SIZE) {
        let c = c0 + e / TILE;
        let r = r0 + e % TILE;
        if (r < params.slice_rows && c < params.columns) {
            out[params.out_offset + c * params.trace_height + params.slice_first_row + r] = tile[(e % TILE) * (TILE + 1u) + e / TILE];
        }
    }
}

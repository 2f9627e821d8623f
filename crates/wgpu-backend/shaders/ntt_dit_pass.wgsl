// One pass of the large radix-2 decimation-in-time NTT over columns of 2^log_n elements held in
// bit-reversed order: butterfly levels first_level .. first_level + levels, in workgroup memory.
//
// A level-k butterfly pairs elements 2^k apart. The elements one pass mixes differ only in
// bits [a, a + s) of their index (a = first_level, s = levels): index = low + j * 2^a + high *
// 2^(a+s). A workgroup takes one `high`, all 2^s values of j, and a run of 2^c consecutive `low`
// (c = coalesce_log) so that its global reads and writes are contiguous runs.
// Twiddles: level k (h = 2^k) at twiddles[h - 1 + i] = w_{2h}^i (or its inverse).
#import babybear
#import grid

override WORKGROUP_SIZE: u32;
// 2^tile_log words of workgroup memory.
override TILE_WORDS: u32;

struct Params {
    log_n: u32,
    first_level: u32,
    levels: u32,
    coalesce_log: u32,
    total_tiles: u32,
    workgroup_base: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read_write> data: array<u32>;
@group(0) @binding(1) var<storage, read> twiddles: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> tile: array<u32, TILE_WORDS>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let lid = inv.lid;
    let tile_id = linear_workgroup(inv, params.workgroup_base);
    let in_range = tile_id < params.total_tiles;
    let a = params.first_level;
    let s = params.levels;
    let c = params.coalesce_log;
    let tiles_per_column = 1u << (params.log_n - s - c);
    let column = tile_id / tiles_per_column;
    let r = tile_id % tiles_per_column;
    let runs_per_span = 1u << (a - c);
    let low_start = (r % runs_per_span) << c;
    let high = r / runs_per_span;
    let column_base = column << params.log_n;
    let fixed = column_base + low_start + (high << (a + s));
    let run_mask = (1u << c) - 1u;
    let count = 1u << (c + s);

    for (var e = lid; e < count; e += WORKGROUP_SIZE) {
        var x = 0u;
        if (in_range) {
            x = data[fixed + (e & run_mask) + ((e >> c) << a)];
        }
        tile[e] = x;
    }
    workgroupBarrier();
    for (var level = 0u; level < s; level++) {
        let k = a + level;
        let h = 1u << k;
        for (var q = lid; q < count / 2u; q += WORKGROUP_SIZE) {
            let low_local = q & run_mask;
            let j0 = insert_zero_bit(q >> c, level);
            let e0 = low_local + (j0 << c);
            let e1 = e0 + (1u << (level + c));
            // Position inside the butterfly group of size 2h: low + (j0 mod 2^level) * 2^a.
            let pos = low_start + low_local + ((j0 & ((1u << level) - 1u)) << a);
            let x0 = tile[e0];
            let bw = bb_mul(tile[e1], twiddles[h - 1u + pos]);
            tile[e0] = bb_add(x0, bw);
            tile[e1] = bb_sub(x0, bw);
        }
        workgroupBarrier();
    }
    if (in_range) {
        for (var e = lid; e < count; e += WORKGROUP_SIZE) {
            data[fixed + (e & run_mask) + ((e >> c) << a)] = tile[e];
        }
    }
}

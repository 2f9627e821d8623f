// Authentication paths: for query q, the sibling of its node in one digest layer,
// layer[(indices[q] >> level) ^ 1], goes to out[(q * depth + level) * 8 ..]. A layer split over
// several buffers is read one chunk per dispatch (digests chunk_first .. chunk_first +
// chunk_digests); each query's sibling is written by the dispatch whose chunk holds it.
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    level: u32,
    depth: u32,
    count: u32,
    workgroup_base: u32,
    chunk_first: u32,
    chunk_digests: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> layer: array<u32>;
@group(0) @binding(1) var<storage, read> indices: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let g = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (g >= params.count) {
        return;
    }
    let w = g % 8u;
    let q = g / 8u;
    let sibling = (indices[q] >> params.level) ^ 1u;
    if (sibling < params.chunk_first || sibling - params.chunk_first >= params.chunk_digests) {
        return;
    }
    out[(q * params.depth + params.level) * 8u + w] = layer[8u * (sibling - params.chunk_first) + w];
}

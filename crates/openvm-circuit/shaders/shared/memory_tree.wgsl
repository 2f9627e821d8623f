// The memory Merkle tree on the device (src/tracegen/system/merkle.rs lays out the buffers).
//
// Nodes are numbered per level: level 0 holds the leaves (one per CHUNK cells, numbered as
// upstream's `MemoryDimensions::label_to_index` without its leading bit), the root is node 0
// of level `tree_height`. The initial tree keeps only the blocks of BLOCK_LEAVES leaves that
// hold a non-zero cell: levels up to BLOCK_LEVELS are dense per block, the levels above list
// their nodes by id. Any node not kept is the zero digest of its level.
//
// tree_index: for each level 0 ..= tree_height four words (first digest in tree_nodes, digests,
// first id in tree_index, ids), then the id lists; levels up to BLOCK_LEVELS share the list of
// block ids (the ids at level BLOCK_LEVELS). At finalization the touched tree's index follows
// in the same buffer from `update_at`: for each level four words (first id, parents, index of
// the level's first parent among all levels, first digest in touched_nodes), then per level its
// parents' ids followed by their children's positions in the level below (two words each: a
// position, NONE for a child not touched, OLD for the leaf upstream touches artificially when
// nothing was touched).
// tree_nodes: the zero digest of each level 0 ..= tree_height, then each level's digests.
#import babybear
#import grid
#import poseidon2
#import field_int

struct MemoryParams {
    invocations: u32,
    level: u32,
    height: u32,
    first_column: u32,
    columns: u32,
    tree_height: u32,
    address_height: u32,
    rows: u32,
    p2_at: u32,
    update_at: u32,
    workgroup_base: u32,
    _pad: u32,
}

const NONE: u32 = 0xffffffffu;
const OLD: u32 = 0xfffffffeu;
const DIGEST: u32 = 8u;

// The position of `id` in the sorted list of `len` ids from tree_index[at], or NONE.
fn find_id(at: u32, len: u32, id: u32) -> u32 {
    var lo = 0u;
    var hi = len;
    // At most 32 halvings of a u32 range.
    for (var k = 0u; k < 32u && lo < hi; k++) {
        let mid = lo + (hi - lo) / 2u;
        let v = tree_index[at + mid];
        if (v == id) {
            return mid;
        }
        if (v < id) {
            lo = mid + 1u;
        } else {
            hi = mid;
        }
    }
    return NONE;
}

// The first word in tree_nodes of node `id` of level `h` of the initial tree.
fn tree_node(h: u32, id: u32) -> u32 {
    let e = 4u * h;
    let nodes_at = tree_index[e];
    let ids_at = tree_index[e + 2u];
    let ids = tree_index[e + 3u];
    if (h <= BLOCK_LEVELS) {
        let per_block = BLOCK_LEAVES >> h;
        let block = find_id(ids_at, ids, id / per_block);
        if (block == NONE) {
            return DIGEST * h;
        }
        return DIGEST * (nodes_at + block * per_block + id % per_block);
    }
    let at = find_id(ids_at, ids, id);
    if (at == NONE) {
        return DIGEST * h;
    }
    return DIGEST * (nodes_at + at);
}

// A level's entry in the touched tree's index: (first id, parents, first parent, first digest).
fn touched_level(h: u32) -> vec4<u32> {
    let e = params.update_at + 4u * h;
    return vec4<u32>(tree_index[e], tree_index[e + 1u], tree_index[e + 2u], tree_index[e + 3u]);
}

// Sets state `s` to `left` then `right`: the input of their compression.
fn load_pair(s: ptr<function, array<u32, 16>>, left: array<u32, 8>, right: array<u32, 8>) {
    for (var k = 0u; k < DIGEST; k++) {
        (*s)[k] = left[k];
        (*s)[DIGEST + k] = right[k];
    }
}

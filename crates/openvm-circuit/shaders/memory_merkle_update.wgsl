// One level of the memory Merkle tree's finalization (upstream's `MerkleTree::finalize` and
// `MemoryMerkleChip`'s trace): each parent of a touched node at level `params.level` gets the
// row of its initial children and the row of its final ones, and its final digest. Upstream
// emits rows level by level from the leaves and then reverses them, the root's initial row
// first: parent g (counted over all levels) fills rows rows-1-2g and rows-2-2g, the two root
// rows swapped. Both compression inputs go to the Poseidon2 records.
#import memory_tree
#import memory_trace

override WORKGROUP_SIZE: u32;

@group(0) @binding(0) var<storage, read> tree_index: array<u32>;
@group(0) @binding(1) var<storage, read_write> trace: array<u32>;
@group(0) @binding(2) var<storage, read> tree_nodes: array<u32>;
@group(0) @binding(3) var<storage, read_write> touched_nodes: array<u32>;
@group(0) @binding(4) var<storage, read_write> p2_records: array<u32>;
@group(0) @binding(5) var<uniform> params: MemoryParams;

fn initial_digest(h: u32, id: u32) -> array<u32, 8> {
    let at = tree_node(h, id);
    var out: array<u32, 8>;
    for (var k = 0u; k < DIGEST; k++) {
        out[k] = tree_nodes[at + k];
    }
    return out;
}

// The final digest of a child: touched (its position in the level below), or not.
fn final_child(below_nodes: u32, position: u32, initial: array<u32, 8>) -> array<u32, 8> {
    if (position == NONE || position == OLD) {
        return initial;
    }
    var out: array<u32, 8>;
    for (var k = 0u; k < DIGEST; k++) {
        out[k] = touched_nodes[DIGEST * (below_nodes + position) + k];
    }
    return out;
}

fn trace_row(g: u32) -> u32 {
    let r = params.rows - 1u - g;
    return select(r, 1u - r, r < 2u);
}

fn put_p2_input(at: u32, left: array<u32, 8>, right: array<u32, 8>) {
    for (var k = 0u; k < DIGEST; k++) {
        p2_records[16u * at + k] = left[k];
        p2_records[16u * at + DIGEST + k] = right[k];
    }
}

fn put_row(row: u32, direction: u32, id: u32, parent: array<u32, 8>, left: array<u32, 8>, right: array<u32, 8>) {
    let h = params.level;
    let label_bits = select(0u, params.address_height - h, params.address_height > h);
    put_at(row, COL_EXPAND_DIRECTION, direction);
    put_at(row, COL_HEIGHT_SECTION, select(0u, BB_ONE, h > params.address_height));
    put_at(row, COL_PARENT_HEIGHT, bb_from_u32(h));
    put_at(row, COL_PARENT_HEIGHT_INV, bb_inv(bb_from_u32(h)));
    put_at(row, COL_IS_ROOT, select(0u, BB_ONE, h == params.tree_height));
    put_at(row, COL_PARENT_AS_LABEL, bb_from_u32(id >> label_bits));
    put_at(row, COL_PARENT_ADDRESS_LABEL, bb_from_u32(id & ((1u << label_bits) - 1u)));
    put_digest(row, COL_PARENT_HASH, parent);
    put_digest(row, COL_LEFT_CHILD_HASH, left);
    put_digest(row, COL_RIGHT_CHILD_HASH, right);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let j = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (j >= params.invocations) {
        return;
    }
    let h = params.level;
    let level = touched_level(h);
    let below = touched_level(h - 1u);
    let id = tree_index[level.x + j];
    let children = level.x + level.y + 2u * j;
    let left_at = tree_index[children];
    let right_at = tree_index[children + 1u];

    let old_left = initial_digest(h - 1u, 2u * id);
    let old_right = initial_digest(h - 1u, 2u * id + 1u);
    let left = final_child(below.w, left_at, old_left);
    let right = final_child(below.w, right_at, old_right);
    var s: array<u32, 16>;
    load_pair(&s, left, right);
    poseidon2_permute(&s);
    var parent: array<u32, 8>;
    for (var k = 0u; k < DIGEST; k++) {
        parent[k] = s[k];
    }

    let g = level.z + j;
    let initial_row = trace_row(2u * g);
    let final_row = trace_row(2u * g + 1u);
    put_row(initial_row, BB_ONE, id, initial_digest(h, id), old_left, old_right);
    put_at(initial_row, COL_LEFT_DIRECTION_DIFFERENT, 0u);
    put_at(initial_row, COL_RIGHT_DIRECTION_DIFFERENT, 0u);
    put_row(final_row, BB_NEG_ONE, id, parent, left, right);
    // A child not touched keeps its initial digest, so its direction differs; so does the
    // leaf upstream touches when nothing was.
    put_at(final_row, COL_LEFT_DIRECTION_DIFFERENT, select(0u, BB_ONE, left_at >= OLD));
    put_at(final_row, COL_RIGHT_DIRECTION_DIFFERENT, select(0u, BB_ONE, right_at >= OLD));
    if (params.first_column == 0u) {
        for (var k = 0u; k < DIGEST; k++) {
            touched_nodes[DIGEST * (level.w + j) + k] = parent[k];
        }
        put_p2_input(params.p2_at + 2u * g, old_left, old_right);
        put_p2_input(params.p2_at + 2u * g + 1u, left, right);
    }
}

// The top of the final memory tree (upstream's `MerkleTree::top_tree`: nodes 1 .. of the heap
// numbering, the root first, down to the address-space roots), then the initial root: what
// the host reads back after finalization. One invocation per digest, the last the initial root.
#import memory_tree

override WORKGROUP_SIZE: u32;

@group(0) @binding(0) var<storage, read> tree_index: array<u32>;
@group(0) @binding(1) var<storage, read> tree_nodes: array<u32>;
@group(0) @binding(2) var<storage, read> touched_nodes: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;
@group(0) @binding(4) var<uniform> params: MemoryParams;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (i >= params.invocations) {
        return;
    }
    if (i + 1u == params.invocations) {
        let at = tree_node(params.tree_height, 0u);
        for (var k = 0u; k < DIGEST; k++) {
            out[DIGEST * i + k] = tree_nodes[at + k];
        }
        return;
    }
    let n = i + 1u;
    let depth = firstLeadingBit(n);
    let h = params.tree_height - depth;
    let id = n - (1u << depth);
    let level = touched_level(h);
    let touched = find_id(level.x, level.y, id);
    for (var k = 0u; k < DIGEST; k++) {
        if (touched == NONE) {
            out[DIGEST * i + k] = tree_nodes[tree_node(h, id) + k];
        } else {
            out[DIGEST * i + k] = touched_nodes[DIGEST * (level.w + touched) + k];
        }
    }
}

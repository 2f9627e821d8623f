// One level of the initial memory tree: each kept node of level `params.level` is the
// compression of its two children (a child not kept is its level's zero digest).
#import memory_tree

override WORKGROUP_SIZE: u32;

@group(0) @binding(0) var<storage, read> tree_index: array<u32>;
@group(0) @binding(1) var<storage, read_write> tree_nodes: array<u32>;
@group(0) @binding(2) var<uniform> params: MemoryParams;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let j = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (j >= params.invocations) {
        return;
    }
    let h = params.level;
    let e = 4u * h;
    var id: u32;
    if (h <= BLOCK_LEVELS) {
        let per_block = BLOCK_LEAVES >> h;
        id = tree_index[tree_index[e + 2u] + j / per_block] * per_block + j % per_block;
    } else {
        id = tree_index[tree_index[e + 2u] + j];
    }
    let left = tree_node(h - 1u, 2u * id);
    let right = tree_node(h - 1u, 2u * id + 1u);
    var s: array<u32, 16>;
    for (var k = 0u; k < DIGEST; k++) {
        s[k] = tree_nodes[left + k];
        s[DIGEST + k] = tree_nodes[right + k];
    }
    poseidon2_permute(&s);
    let out = DIGEST * (tree_index[e] + j);
    for (var k = 0u; k < DIGEST; k++) {
        tree_nodes[out + k] = s[k];
    }
}

// The leaves of the initial memory tree: the digest of each leaf of every kept block of the
// image, upstream's `hash(cells)` (the compression of the cells with zeros).
#import memory_tree
#import memory_image

override WORKGROUP_SIZE: u32;

@group(0) @binding(0) var<storage, read> image_blocks: array<u32>;
@group(0) @binding(1) var<storage, read> image_words: array<u32>;
@group(0) @binding(2) var<storage, read> tree_index: array<u32>;
@group(0) @binding(3) var<storage, read_write> tree_nodes: array<u32>;
@group(0) @binding(4) var<uniform> params: MemoryParams;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let q = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (q >= params.invocations) {
        return;
    }
    var s: array<u32, 16>;
    let block = q / BLOCK_LEAVES;
    let first = (q % BLOCK_LEAVES) * DIGEST;
    for (var k = 0u; k < DIGEST; k++) {
        s[k] = image_cell(block, first + k);
    }
    poseidon2_permute(&s);
    let out = DIGEST * (tree_index[0] + q);
    for (var k = 0u; k < DIGEST; k++) {
        tree_nodes[out + k] = s[k];
    }
}

// The initial memory image on the device, block by block (src/tracegen/system/merkle.rs):
// image_blocks holds two words per kept block (its first word in image_words, its cell kind:
// 1, 2 or 4 for u8, u16 or u32 cells, 0 for native field cells stored in Montgomery form).
// Every block is whole in image_words, zero cells past its address space's end.

// Cell `c` of kept block `block`, as a field element.
fn image_cell(block: u32, c: u32) -> u32 {
    let at = image_blocks[2u * block];
    let kind = image_blocks[2u * block + 1u];
    if (kind == 0u) {
        return image_words[at + c];
    }
    let byte = c * kind;
    let word = image_words[at + byte / 4u];
    let shift = (byte % 4u) * 8u;
    if (kind == 4u) {
        return bb_from_u32(word);
    }
    let mask = select(0xffu, 0xffffu, kind == 2u);
    return bb_from_u32((word >> shift) & mask);
}

// The CHUNK cells of leaf `id` in the initial image (zero where no block is kept).
fn image_leaf(id: u32) -> array<u32, 8> {
    var out: array<u32, 8>;
    let e = 4u * BLOCK_LEVELS;
    let block = find_id(tree_index[e + 2u], tree_index[e + 3u], id / BLOCK_LEAVES);
    if (block == NONE) {
        return out;
    }
    let first = (id % BLOCK_LEAVES) * DIGEST;
    for (var k = 0u; k < DIGEST; k++) {
        out[k] = image_cell(block, first + k);
    }
    return out;
}

// PersistentBoundaryAir's trace: two rows per touched chunk (upstream's
// `PersistentBoundaryChip`), its initial cells from the initial image on the device and its final
// cells from the record. Each chunk also records the two Poseidon2 inputs upstream's hasher
// receives (initial and final cells, zero-padded) and leaves its final digest as the touched
// tree's leaf.
//
// Record (words): address space, chunk label, touched-block mask, one timestamp per block, the
// chunk's final cells (Montgomery; a cell of an untouched block is the initial one).
#import memory_tree
#import memory_image
#import memory_trace

override WORKGROUP_SIZE: u32;

@group(0) @binding(0) var<storage, read> records: array<u32>;
@group(0) @binding(1) var<storage, read_write> trace: array<u32>;
@group(0) @binding(2) var<storage, read> tree_index: array<u32>;
@group(0) @binding(3) var<storage, read> image_blocks: array<u32>;
@group(0) @binding(4) var<storage, read> image_words: array<u32>;
@group(0) @binding(5) var<storage, read_write> p2_records: array<u32>;
@group(0) @binding(6) var<storage, read_write> touched_nodes: array<u32>;
@group(0) @binding(7) var<uniform> params: MemoryParams;

fn digest_of(cells: array<u32, 8>) -> array<u32, 8> {
    var s: array<u32, 16>;
    for (var k = 0u; k < DIGEST; k++) {
        s[k] = cells[k];
    }
    poseidon2_permute(&s);
    var out: array<u32, 8>;
    for (var k = 0u; k < DIGEST; k++) {
        out[k] = s[k];
    }
    return out;
}

fn put_p2_input(at: u32, cells: array<u32, 8>) {
    for (var k = 0u; k < DIGEST; k++) {
        p2_records[16u * at + k] = cells[k];
        p2_records[16u * at + DIGEST + k] = 0u;
    }
}

fn put_row(
    row: u32,
    direction: u32,
    address_space: u32,
    label: u32,
    cells: array<u32, 8>,
    digest: array<u32, 8>,
    timestamps: array<u32, BLOCKS_PER_CHUNK>,
) {
    put_at(row, COL_EXPAND_DIRECTION, direction);
    put_at(row, COL_ADDRESS_SPACE, bb_from_u32(address_space));
    put_at(row, COL_LEAF_LABEL, bb_from_u32(label));
    put_digest(row, COL_VALUES, cells);
    put_digest(row, COL_HASH, digest);
    for (var b = 0u; b < BLOCKS_PER_CHUNK; b++) {
        put_at(row, COL_TIMESTAMPS + b, bb_from_u32(timestamps[b]));
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (i >= params.invocations) {
        return;
    }
    let r = RECORD_WORDS * i;
    let address_space = records[r];
    let label = records[r + 1u];
    let touched = records[r + 2u];
    let initial = image_leaf(((address_space - ADDR_SPACE_OFFSET) << params.address_height) + label);
    var cells = initial;
    var timestamps: array<u32, BLOCKS_PER_CHUNK>;
    for (var b = 0u; b < BLOCKS_PER_CHUNK; b++) {
        if (((touched >> b) & 1u) == 1u) {
            timestamps[b] = records[r + 3u + b];
            for (var k = 0u; k < BLOCK_SIZE; k++) {
                cells[b * BLOCK_SIZE + k] = records[r + 3u + BLOCKS_PER_CHUNK + b * BLOCK_SIZE + k];
            }
        }
    }
    let initial_digest = digest_of(initial);
    let final_digest = digest_of(cells);
    var initial_timestamps: array<u32, BLOCKS_PER_CHUNK>;
    for (var b = 0u; b < BLOCKS_PER_CHUNK; b++) {
        initial_timestamps[b] = INITIAL_TIMESTAMP;
    }
    put_row(2u * i, BB_ONE, address_space, label, initial, initial_digest, initial_timestamps);
    put_row(2u * i + 1u, BB_NEG_ONE, address_space, label, cells, final_digest, timestamps);
    if (params.first_column == 0u) {
        put_p2_input(params.p2_at + 2u * i, initial);
        put_p2_input(params.p2_at + 2u * i + 1u, cells);
        for (var k = 0u; k < DIGEST; k++) {
            touched_nodes[DIGEST * i + k] = final_digest[k];
        }
    }
}

// Leaf hashes of a Merkle tree over the rows of a column-major matrix: Poseidon2's
// padding-free sponge (rate 8, overwrite mode, 8-word digest) over each row's words in column
// order, as upstream's MerkleTree::new hashes rows.
//
// A matrix split over several buffers, or wider than an invocation may loop over
// (max_loop_iterations), is hashed one run of columns (chunk) at a time; between chunks the
// 16-word sponge state of each row waits in `state`. Rows are processed in slices so `state`
// stays within one binding. Absorption runs over 8-column blocks aligned to column 0 of the
// whole matrix, with constant register indices inside a block.
//
// The digests are split over buffers of a power-of-two number of rows (src/merkle_tree.rs);
// a dispatch's rows lie in the one bound as `digests`, whose first row is digest_row_base.
#import poseidon2
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    height: u32,
    columns: u32,
    // Index of this chunk's first column in the whole matrix, and of the bound buffer's.
    column_offset: u32,
    first_chunk: u32,
    last_chunk: u32,
    // Rows row_base .. row_base + rows are hashed by this dispatch; state row i is row_base + i.
    row_base: u32,
    rows: u32,
    workgroup_base: u32,
    digest_row_base: u32,
    buffer_first_column: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> matrix: array<u32>;
@group(0) @binding(1) var<storage, read_write> state: array<u32>;
@group(0) @binding(2) var<storage, read_write> digests: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (i >= params.rows) {
        return;
    }
    let row = params.row_base + i;
    var s: array<u32, 16>;
    if (params.first_chunk == 0u) {
        for (var k = 0u; k < 16u; k++) {
            s[k] = state[16u * i + k];
        }
    }
    let begin = params.column_offset;
    let end = params.column_offset + params.columns;
    for (var block = begin / 8u; block * 8u < end; block++) {
        for (var k = 0u; k < 8u; k++) {
            let c = block * 8u + k;
            if (c >= begin && c < end) {
                s[k] = matrix[(c - params.buffer_first_column) * params.height + row];
            }
        }
        // Permute once a block is complete, or at the very end of the row if any word of the
        // final partial block was absorbed.
        if (block * 8u + 8u <= end || (params.last_chunk != 0u && end % 8u != 0u)) {
            poseidon2_permute(&s);
        }
    }
    if (params.last_chunk != 0u) {
        for (var k = 0u; k < 8u; k++) {
            digests[8u * (row - params.digest_row_base) + k] = s[k];
        }
    } else {
        for (var k = 0u; k < 16u; k++) {
            state[16u * i + k] = s[k];
        }
    }
}

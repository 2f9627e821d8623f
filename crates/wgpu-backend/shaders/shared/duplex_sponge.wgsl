// The Fiat–Shamir duplex sponge (upstream's DuplexSponge: Poseidon2 width 16, rate 8, overwrite
// mode) stepped by a whole workgroup: the state sits in workgroup memory and each permutation
// runs on 16 invocations (poseidon2_lanes). The kernel declares `sponge` (storage, read_write,
// array<u32>: the 16 state words, absorb_idx, sample_idx), where the state lives between
// dispatches. Every invocation of the workgroup calls these functions in uniform control flow;
// the indices are workgroup-uniform values, so every barrier is too.
#import poseidon2_lanes

const SPONGE_RATE: u32 = 8u;

var<workgroup> sponge_state: array<u32, P2_WIDTH>;
var<workgroup> sponge_loaded_indices: vec2<u32>;

struct SpongeIndices {
    absorb: u32,
    sample: u32,
}

// Loads the state from `sponge`.
fn sponge_begin(lid: u32) -> SpongeIndices {
    if (lid < P2_WIDTH) {
        sponge_state[lid] = sponge[lid];
    }
    if (lid == 0u) {
        sponge_loaded_indices = vec2<u32>(sponge[P2_WIDTH], sponge[P2_WIDTH + 1u]);
    }
    let i = workgroupUniformLoad(&sponge_loaded_indices);
    return SpongeIndices(i.x, i.y);
}

fn sponge_permute(lid: u32) {
    // Words invocation 0 absorbed are visible before the lanes read the state.
    workgroupBarrier();
    let x = poseidon2_permute_lanes(lid, sponge_state[lid % P2_WIDTH]);
    if (lid < P2_WIDTH) {
        sponge_state[lid] = x;
    }
    workgroupBarrier();
}

// One word of the duplex: with `squeeze` false, absorbs `word` (invocation 0's; the others' is
// ignored); with `squeeze` true, returns the next sampled word, the same in every invocation.
// A kernel calls this from one place only (a loop over its words): each call site inlines a
// permutation of 22 barriers, and compilers (lavapipe's above all) slow down with their number.
fn sponge_duplex_word(lid: u32, idx: ptr<function, SpongeIndices>, word: u32, squeeze: bool) -> u32 {
    if (!squeeze) {
        // Earlier samples' reads are done before the state changes.
        workgroupBarrier();
        if (lid == 0u) {
            sponge_state[(*idx).absorb] = word;
        }
        (*idx).absorb += 1u;
    }
    // Absorbing permutes after a full block, sampling before reading past the last one.
    if ((*idx).absorb == SPONGE_RATE || (squeeze && ((*idx).absorb != 0u || (*idx).sample == 0u))) {
        sponge_permute(lid);
        (*idx).absorb = 0u;
        (*idx).sample = SPONGE_RATE;
    }
    var out = 0u;
    if (squeeze) {
        (*idx).sample -= 1u;
        out = sponge_state[(*idx).sample];
    }
    return out;
}

// Stores the state back to `sponge`.
fn sponge_end(lid: u32, idx: SpongeIndices) {
    workgroupBarrier();
    if (lid < P2_WIDTH) {
        sponge[lid] = sponge_state[lid];
    }
    if (lid == 0u) {
        sponge[P2_WIDTH] = idx.absorb;
        sponge[P2_WIDTH + 1u] = idx.sample;
    }
}

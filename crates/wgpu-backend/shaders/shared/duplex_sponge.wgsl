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

// Observes an extension element: invocation 0's `value` (the others' is ignored).
fn sponge_observe(lid: u32, idx: ptr<function, SpongeIndices>, value: vec4<u32>) {
    for (var c = 0u; c < 4u; c++) {
        if (lid == 0u) {
            sponge_state[(*idx).absorb] = value[c];
        }
        (*idx).absorb += 1u;
        if ((*idx).absorb == SPONGE_RATE) {
            sponge_permute(lid);
            (*idx).absorb = 0u;
            (*idx).sample = SPONGE_RATE;
        }
    }
}

// Samples an extension element; every invocation gets it.
fn sponge_sample(lid: u32, idx: ptr<function, SpongeIndices>) -> vec4<u32> {
    var v = vec4<u32>(0u);
    for (var c = 0u; c < 4u; c++) {
        if ((*idx).absorb != 0u || (*idx).sample == 0u) {
            sponge_permute(lid);
            (*idx).absorb = 0u;
            (*idx).sample = SPONGE_RATE;
        }
        (*idx).sample -= 1u;
        v[c] = sponge_state[(*idx).sample];
    }
    // Every read is done before a later observation overwrites the state.
    workgroupBarrier();
    return v;
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

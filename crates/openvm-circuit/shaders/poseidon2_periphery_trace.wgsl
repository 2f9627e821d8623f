// Poseidon2PeripheryAir's trace (upstream's Poseidon2PeripheryChip): row r < params.records is
// the permutation of the distinct input listed at row r by the deduplication (its owner record,
// found through its hash-table slot), then the input's multiplicity; rows past them are the
// permutation of the all-zero input with multiplicity 0, as upstream pads. The permutation's
// columns are p3-poseidon2-air's generate_trace_rows_for_perm: export = 1, the inputs, then per
// round the S-box registers (x^3, when SBOX_REGISTERS = 1) and the state after the round.
//
// Column indices come from upstream's column structs (COL_S0_* for SBOX_REGISTERS = 0, COL_S1_*
// for 1); the round constants are OpenVM's Poseidon2 configuration; the linear layers are the
// backend's Poseidon2 (include poseidon2), the same matrices.
#import tracegen
#import poseidon2

override WORKGROUP_SIZE: u32;
override SBOX_REGISTERS: u32 = 1u;

@group(0) @binding(2) var<storage, read> rows: array<u32>;
@group(0) @binding(3) var<storage, read> table: array<u32>;
@group(0) @binding(4) var<storage, read> mult: array<u32>;
@group(0) @binding(5) var<uniform> params: TraceParams;

// The column constant of this pipeline's register count.
fn col(s0: u32, s1: u32) -> u32 {
    return select(s0, s1, SBOX_REGISTERS == 1u);
}

// Full round `round` (the beginning rounds, then the ending rounds) at columns from `base`.
fn full_round(s: ptr<function, array<u32, 16>>, base: u32, round: u32) {
    for (var k = 0u; k < INPUT_WORDS; k++) {
        let x = bb_add((*s)[k], P2_FULL_RC[round * INPUT_WORDS + k]);
        if (SBOX_REGISTERS == 1u) {
            put(base + COL_S1_FULL_SBOX + k * COL_S1_SBOX_STRIDE, bb_mul(bb_square(x), x));
        }
        (*s)[k] = p2_sbox(x);
    }
    p2_mds_light(s);
    let post = base + col(COL_S0_FULL_POST, COL_S1_FULL_POST);
    for (var k = 0u; k < INPUT_WORDS; k++) {
        put(post + k, (*s)[k]);
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let r = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (r >= params.height) {
        return;
    }
    trace_row = r;
    var s: array<u32, 16>;
    var multiplicity = 0u;
    if (r < params.records) {
        let slot = rows[r];
        let owner = table[slot] - 1u;
        for (var k = 0u; k < INPUT_WORDS; k++) {
            s[k] = records[owner * INPUT_WORDS + k];
        }
        multiplicity = mult[slot];
    }
    put(col(COL_S0_EXPORT, COL_S1_EXPORT), BB_ONE);
    let inputs = col(COL_S0_INPUTS, COL_S1_INPUTS);
    for (var k = 0u; k < INPUT_WORDS; k++) {
        put(inputs + k, s[k]);
    }
    p2_mds_light(&s);
    let full = col(COL_S0_FULL_ROUND, COL_S1_FULL_ROUND);
    let begin = col(COL_S0_BEGIN, COL_S1_BEGIN);
    for (var round = 0u; round < HALF_FULL_ROUNDS; round++) {
        full_round(&s, begin + round * full, round);
    }
    let partial = col(COL_S0_PARTIAL, COL_S1_PARTIAL);
    let partial_round = col(COL_S0_PARTIAL_ROUND, COL_S1_PARTIAL_ROUND);
    let post_sbox = col(COL_S0_PARTIAL_POST_SBOX, COL_S1_PARTIAL_POST_SBOX);
    for (var round = 0u; round < PARTIAL_ROUNDS; round++) {
        let base = partial + round * partial_round;
        let c = P2_PARTIAL_RC[round];
        let x = bb_add(s[0], c);
        if (SBOX_REGISTERS == 1u) {
            put(base + COL_S1_PARTIAL_SBOX, bb_mul(bb_square(x), x));
        }
        put(base + post_sbox, p2_sbox(x));
        // The S-box on word 0, then the internal linear layer.
        p2_internal_round(&s, c);
    }
    let end = col(COL_S0_END, COL_S1_END);
    for (var round = 0u; round < HALF_FULL_ROUNDS; round++) {
        full_round(&s, end + round * full, HALF_FULL_ROUNDS + round);
    }
    put_u32(col(COL_S0_MULT, COL_S1_MULT), multiplicity);
}

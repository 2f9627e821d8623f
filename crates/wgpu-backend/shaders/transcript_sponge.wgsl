// The Fiat–Shamir duplex sponge (upstream's DuplexSponge: Poseidon2 width 16, rate 8, overwrite
// mode) stepped on the device, so a sumcheck's rounds can follow one another without a host
// round trip. One invocation: observes `observe_count` extension elements from
// messages[observe_base..], then samples `sample_count` extension elements into
// challenges[sample_base..]. The state (16 words, then absorb_idx and sample_idx) lives in
// `sponge` between dispatches. The host replays the same observations on its own transcript and
// checks every sampled value (device_transcript.rs).
#import poseidon2
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    observe_base: u32,
    observe_count: u32,
    sample_base: u32,
    sample_count: u32,
    workgroup_base: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read_write> sponge: array<u32>;
@group(0) @binding(1) var<storage, read> messages: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> challenges: array<vec4<u32>>;
@group(0) @binding(3) var<uniform> params: Params;

const RATE: u32 = 8u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE) != 0u) {
        return;
    }
    var s: array<u32, 16>;
    for (var k = 0u; k < 16u; k++) {
        s[k] = sponge[k];
    }
    var absorb_idx = sponge[16];
    var sample_idx = sponge[17];
    for (var i = 0u; i < params.observe_count; i++) {
        let v = messages[params.observe_base + i];
        for (var c = 0u; c < 4u; c++) {
            s[absorb_idx] = v[c];
            absorb_idx += 1u;
            if (absorb_idx == RATE) {
                poseidon2_permute(&s);
                absorb_idx = 0u;
                sample_idx = RATE;
            }
        }
    }
    for (var i = 0u; i < params.sample_count; i++) {
        var v = vec4<u32>(0u);
        for (var c = 0u; c < 4u; c++) {
            if (absorb_idx != 0u || sample_idx == 0u) {
                poseidon2_permute(&s);
                absorb_idx = 0u;
                sample_idx = RATE;
            }
            sample_idx -= 1u;
            v[c] = s[sample_idx];
        }
        challenges[params.sample_base + i] = v;
    }
    for (var k = 0u; k < 16u; k++) {
        sponge[k] = s[k];
    }
    sponge[16] = absorb_idx;
    sponge[17] = sample_idx;
}

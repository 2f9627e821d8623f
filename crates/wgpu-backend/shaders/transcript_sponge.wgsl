// One transcript step on the device, in one workgroup: the second pass of a reduction, then
// one step of the Fiat–Shamir duplex sponge (upstream's DuplexSponge), so a sumcheck round's
// messages are summed, observed and its challenge sampled in one dispatch, and the rounds
// follow one another without a host round trip.
// - messages[out_base + k] = sum over j < rows of partials[in_base + j * columns + k], k < columns;
// - with on_device != 0: observe messages[observe_base..+observe_count], then sample
//   sample_count extension elements into challenges[sample_base..]. The state lives in
//   `sponge` between dispatches (shared/duplex_sponge.wgsl). The host replays the same
//   observations on its own transcript and checks every sampled value (device_transcript.rs).
//   With on_device == 0 the host samples.
#import grid
// Before ext_reduce: naga's override processing wants the sponge's constant tables' types
// ahead of the override-sized reduction scratch.
#import duplex_sponge
#import ext_reduce

struct Params {
    columns: u32,
    rows: u32,
    in_base: u32,
    out_base: u32,
    observe_base: u32,
    observe_count: u32,
    sample_base: u32,
    sample_count: u32,
    on_device: u32,
    workgroup_base: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read_write> sponge: array<u32>;
@group(0) @binding(1) var<storage, read> partials: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> messages: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> challenges: array<vec4<u32>>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let lid = inv.lid;
    for (var k = 0u; k < params.columns; k++) {
        var sum = vec4<u32>(0u);
        for (var j = lid; j < params.rows; j += WORKGROUP_SIZE) {
            sum = ext_add(sum, partials[params.in_base + j * params.columns + k]);
        }
        let total = reduce_lanes(lid, sum, 1u);
        if (lid == 0u) {
            messages[params.out_base + k] = total;
        }
    }
    if (params.on_device == 0u) {
        return;
    }
    var idx = sponge_begin(lid);
    // Word by word: the observed messages' (invocation 0 wrote the sums above, and only its
    // words count), then the sampled ones.
    let words = 4u * (params.observe_count + params.sample_count);
    var sampled = vec4<u32>(0u);
    for (var w = 0u; w < words; w++) {
        let i = w / 4u;
        let c = w % 4u;
        let squeeze = i >= params.observe_count;
        var word = 0u;
        if (!squeeze && lid == 0u) {
            word = messages[params.observe_base + i][c];
        }
        sampled[c] = sponge_duplex_word(lid, &idx, word, squeeze);
        if (squeeze && c == 3u && lid == 0u) {
            challenges[params.sample_base + i - params.observe_count] = sampled;
        }
    }
    sponge_end(lid, idx);
}

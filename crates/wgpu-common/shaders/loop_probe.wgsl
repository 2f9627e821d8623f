// The loop probe (src/loop_probe.rs): invocation 0 runs two loops one after the other, asked
// for params.first and params.second iterations, and writes how many of each it completed
// (out[0], out[1]) and a value every iteration fed (out[2]), so that the loops cannot be folded
// away. A conforming device completes all of them; Mesa's llvmpipe leaves every loop of an
// invocation once their iterations together reach its cap, silently, which is what this
// measures.
override WORKGROUP_SIZE: u32;

struct Params {
    first: u32,
    second: u32,
    seed: u32,
    _pad: u32,
}

@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@group(0) @binding(1) var<uniform> params: Params;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
    if (lid != 0u || wg.x != 0u) {
        return;
    }
    var x = params.seed;
    var done_first = 0u;
    for (var i = 0u; i < params.first; i++) {
        x = x * 1664525u + 1013904223u;
        done_first++;
    }
    var done_second = 0u;
    for (var i = 0u; i < params.second; i++) {
        x = x * 1664525u + 1013904223u;
        done_second++;
    }
    out[0] = done_first;
    out[1] = done_second;
    out[2] = x;
}

// Workgroup sums of extension elements, the first pass of every two-pass reduction
// (docs/ARCHITECTURE.md rule 10: WGSL has no 64-bit atomics). A kernel that imports this gets
// its workgroup size and the accumulators in workgroup memory from here.
#import babybear_ext4

override WORKGROUP_SIZE: u32;

var<workgroup> reduce_scratch: array<vec4<u32>, WORKGROUP_SIZE>;

// Every invocation of the workgroup calls this with its `value`. Afterwards invocation i <
// lanes holds the sum over invocations i, i + lanes, i + 2 lanes, ...; `lanes` is a power of
// two dividing WORKGROUP_SIZE. The loop runs the same steps in every invocation, so the
// barriers stay in uniform control flow whatever `lanes` is.
fn reduce_lanes(lid: u32, value: vec4<u32>, lanes: u32) -> vec4<u32> {
    // A previous call's readers must be done before the scratch is overwritten.
    workgroupBarrier();
    reduce_scratch[lid] = value;
    workgroupBarrier();
    var step = WORKGROUP_SIZE / 2u;
    while (step >= 1u) {
        if (step >= lanes && lid < step) {
            reduce_scratch[lid] = ext_add(reduce_scratch[lid], reduce_scratch[lid + step]);
        }
        workgroupBarrier();
        step = step / 2u;
    }
    return reduce_scratch[lid];
}

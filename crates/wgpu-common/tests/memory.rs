//! The device memory accounting (`openvm_wgpu_common::memory`) follows real buffers: storage
//! buffers, the buffer pool and read-back staging. One test in its own process, so no other
//! test's buffers move the process-wide counters meanwhile.

use openvm_wgpu_common::{ContextOptions, GpuBuffer, GpuContext, GPU_MEMORY};

#[test]
fn held_and_in_use_follow_allocations_pools_and_releases() {
    let ctx = GpuContext::new(&ContextOptions::default()).expect("a GPU adapter (run scripts/ensure-vulkan.sh without a GPU)");
    let base = GPU_MEMORY.stats();
    let delta = || {
        let s = GPU_MEMORY.stats();
        (s.held - base.held, s.in_use - base.in_use)
    };

    // A zeroed buffer is freed when dropped.
    let zeroed = GpuBuffer::<u32>::zeroed(&ctx, "zeroed", 1000).unwrap();
    assert_eq!(delta(), (4000, 4000));
    drop(zeroed);
    assert_eq!(delta(), (0, 0));

    // A pooled buffer stays held when dropped, and is reused without a new allocation.
    let scratch = GpuBuffer::<u32>::uninit(&ctx, "scratch", 1024).unwrap();
    assert_eq!(delta(), (4096, 4096));
    drop(scratch);
    assert_eq!(delta(), (4096, 0));
    let scratch = GpuBuffer::<u32>::uninit(&ctx, "scratch", 1024).unwrap();
    assert_eq!(delta(), (4096, 4096));

    // A read-back keeps its staging buffer (one 4 KiB size class) for the next one.
    scratch.read(&ctx).unwrap();
    assert_eq!(delta(), (8192, 4096));
    drop(scratch);
    assert_eq!(delta(), (8192, 0));

    // Measured around the work above from here on: the peak since `enter`.
    let saved = GPU_MEMORY.held.enter();
    let big = GpuBuffer::<u32>::zeroed(&ctx, "big", 1 << 16).unwrap();
    drop(big);
    assert_eq!(GPU_MEMORY.held.exit(saved), base.held + 8192 + (1 << 18));

    ctx.release_pooled_buffers();
    assert_eq!(delta(), (0, 0), "nothing held once the pools are emptied");
    assert_eq!(ctx.memory_stats(), GPU_MEMORY.stats());
}

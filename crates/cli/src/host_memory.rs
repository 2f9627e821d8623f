//! Host memory accounting: the command's global allocator counts the bytes allocated on the
//! heap, with a peak watermark the phase table measures per phase (crate::phases), and the
//! process's peak resident size as the kernel reports it.

use std::alloc::{GlobalAlloc, Layout, System};

use openvm_wgpu_common::Watermark;

/// Heap bytes allocated by the process and not yet freed, every thread together.
pub static HOST_MEMORY: Watermark = Watermark::new();

/// The system allocator, counting into [`HOST_MEMORY`] (two relaxed atomic operations per call).
pub struct CountingAllocator;

// SAFETY: every call is forwarded to `System` with the same arguments; the counters do not
// allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            HOST_MEMORY.add(layout.size() as u64);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            HOST_MEMORY.add(layout.size() as u64);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        HOST_MEMORY.sub(layout.size() as u64);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            if new_size >= layout.size() {
                HOST_MEMORY.add((new_size - layout.size()) as u64);
            } else {
                HOST_MEMORY.sub((layout.size() - new_size) as u64);
            }
        }
        p
    }
}

/// The process's peak resident set size (`VmHWM` in /proc/self/status), in bytes, where the
/// system reports it (Linux).
pub fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}

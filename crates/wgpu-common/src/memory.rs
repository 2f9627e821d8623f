//! Device memory accounting: the bytes our buffers hold from wgpu, with peak watermarks that
//! phases can measure (the `openvm-wgpu` command reports a peak per prover phase).
//!
//! Two quantities, process-wide over every device ([`GPU_MEMORY`]):
//! - **held**: every buffer allocated from wgpu and not yet freed — storage buffers
//!   ([`crate::GpuBuffer`]), read-back staging and parameter uniforms — including the free
//!   buffers the pools keep for reuse, since that memory stays allocated;
//! - **in use**: the same minus the pools' free buffers, what live owners hold.
//!
//! The counters are atomics updated once per allocation, pool hand-over and release; reading
//! them costs nothing on the GPU.

use std::sync::atomic::{AtomicU64, Ordering};

/// A byte count with a peak watermark that nested measurements can reset and restore.
///
/// [`Watermark::enter`] starts a measurement: it returns the enclosing measurement's peak so
/// far and lowers the peak to the current value; [`Watermark::exit`] returns the peak since
/// that `enter` and raises the peak back to at least the saved value, so the enclosing
/// measurement still sees everything. Measurements must nest (stack discipline, as tracing
/// spans do on one thread); concurrent overlapping ones on several threads share the one peak
/// and get approximate values.
#[derive(Debug, Default)]
pub struct Watermark {
    current: AtomicU64,
    peak: AtomicU64,
}

impl Watermark {
    pub const fn new() -> Self {
        Self { current: AtomicU64::new(0), peak: AtomicU64::new(0) }
    }

    pub fn add(&self, bytes: u64) {
        let now = self.current.fetch_add(bytes, Ordering::Relaxed) + bytes;
        // A plain load first: most additions do not raise the peak, and a read keeps the
        // cache line shared between threads.
        if now > self.peak.load(Ordering::Relaxed) {
            self.peak.fetch_max(now, Ordering::Relaxed);
        }
    }

    pub fn sub(&self, bytes: u64) {
        self.current.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// Bytes counted now.
    pub fn current(&self) -> u64 {
        self.current.load(Ordering::Relaxed)
    }

    /// The highest count since the innermost open measurement began (since the start when none
    /// is open).
    pub fn peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }

    /// Starts a nested measurement; pass the returned value to [`Watermark::exit`].
    pub fn enter(&self) -> u64 {
        let saved = self.peak.swap(self.current(), Ordering::Relaxed);
        // An addition between the read of `current` and the swap is not lost.
        self.peak.fetch_max(self.current(), Ordering::Relaxed);
        saved
    }

    /// Ends the measurement begun by the [`Watermark::enter`] that returned `saved`: returns its
    /// peak.
    pub fn exit(&self, saved: u64) -> u64 {
        self.peak.fetch_max(saved, Ordering::Relaxed)
    }
}

/// Device memory held by our buffers, process-wide (see the module documentation).
#[derive(Debug, Default)]
pub struct GpuMemory {
    pub held: Watermark,
    pub in_use: Watermark,
}

impl GpuMemory {
    pub const fn new() -> Self {
        Self { held: Watermark::new(), in_use: Watermark::new() }
    }

    /// A snapshot of both counts and their peaks.
    pub fn stats(&self) -> GpuMemoryStats {
        GpuMemoryStats {
            held: self.held.current(),
            held_peak: self.held.peak(),
            in_use: self.in_use.current(),
            in_use_peak: self.in_use.peak(),
        }
    }

    /// A buffer allocated from wgpu, owned by its caller.
    pub(crate) fn allocated(&self, bytes: u64) {
        self.held.add(bytes);
        self.in_use.add(bytes);
    }

    /// A buffer in use freed.
    pub(crate) fn freed(&self, bytes: u64) {
        self.in_use.sub(bytes);
        self.held.sub(bytes);
    }

    /// A buffer handed back to a pool, still allocated.
    pub(crate) fn pooled(&self, bytes: u64) {
        self.in_use.sub(bytes);
    }

    /// A pool's free buffer handed to a new owner.
    pub(crate) fn reused(&self, bytes: u64) {
        self.in_use.add(bytes);
    }

    /// A pool's free buffer freed.
    pub(crate) fn released(&self, bytes: u64) {
        self.held.sub(bytes);
    }
}

/// Device memory of the whole process: every device's buffers.
pub static GPU_MEMORY: GpuMemory = GpuMemory::new();

/// Bytes held and in use now, and their peaks since the innermost open measurement began.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GpuMemoryStats {
    pub held: u64,
    pub held_peak: u64,
    pub in_use: u64,
    pub in_use_peak: u64,
}

/// A wgpu buffer counted in [`GPU_MEMORY`] for as long as it lives: in use while an owner has
/// it, free while a pool keeps it ([`Counted::returned_to_pool`], [`Counted::taken_from_pool`]).
pub(crate) struct Counted {
    buffer: wgpu::Buffer,
    pooled: bool,
}

impl Counted {
    /// Counts a buffer just allocated.
    pub(crate) fn new(buffer: wgpu::Buffer) -> Self {
        GPU_MEMORY.allocated(buffer.size());
        Self { buffer, pooled: false }
    }

    pub(crate) fn returned_to_pool(mut self) -> Self {
        if !self.pooled {
            GPU_MEMORY.pooled(self.buffer.size());
            self.pooled = true;
        }
        self
    }

    pub(crate) fn taken_from_pool(mut self) -> Self {
        if self.pooled {
            GPU_MEMORY.reused(self.buffer.size());
            self.pooled = false;
        }
        self
    }

    pub(crate) fn size(&self) -> u64 {
        self.buffer.size()
    }
}

impl std::ops::Deref for Counted {
    type Target = wgpu::Buffer;
    fn deref(&self) -> &wgpu::Buffer {
        &self.buffer
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        // Other clones of the wgpu handle may keep the memory a little longer (a bind group of
        // a finished submission); the owner's release is what counts.
        if self.pooled {
            GPU_MEMORY.released(self.buffer.size());
        } else {
            GPU_MEMORY.freed(self.buffer.size());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nested measurements: each sees its own peak, the enclosing one also its children's.
    #[test]
    fn nested_measurements_report_their_own_peaks() {
        let w = Watermark::new();
        w.add(100);
        let outer = w.enter();
        w.add(50); // 150
        w.sub(50); // 100
        let inner = w.enter();
        w.add(30); // 130
        w.sub(30); // 100
        assert_eq!(w.exit(inner), 130, "the inner measurement's peak is its own, not the outer 150");
        let second = w.enter();
        w.add(10); // 110
        let innermost = w.enter();
        w.add(5); // 115
        assert_eq!(w.exit(innermost), 115);
        w.sub(15); // 100
        assert_eq!(w.exit(second), 115, "a measurement includes its children's peaks");
        assert_eq!(w.exit(outer), 150, "the outer measurement keeps the peak reached before its children");
        assert_eq!(w.peak(), 150);
        // A measurement in which nothing is allocated reports what was held when it began.
        let quiet = w.enter();
        assert_eq!(w.exit(quiet), 100);
        assert_eq!(w.current(), 100);
    }

    /// Allocations, pool hand-overs and releases move held and in-use as documented.
    #[test]
    fn held_counts_pooled_buffers_and_in_use_does_not() {
        let m = GpuMemory::new();
        m.allocated(64);
        m.allocated(32);
        m.pooled(64);
        assert_eq!((m.held.current(), m.in_use.current()), (96, 32));
        m.reused(64);
        m.freed(32);
        m.pooled(64);
        m.released(64);
        let s = m.stats();
        assert_eq!((s.held, s.in_use, s.held_peak, s.in_use_peak), (0, 0, 96, 96));
    }
}

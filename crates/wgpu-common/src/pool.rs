//! Reusable device buffers of one usage, kept by size, with allocation counters. wgpu zero-fills
//! every new buffer before its first use (a full memory pass for large outputs) and allocation
//! itself is slow; a reused buffer skips both. The context keeps one pool per usage: storage
//! buffers whose contents the next owner overwrites, uniform pages of kernel parameters, and
//! MAP_READ staging buffers of read-backs.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
};

use crate::memory::Counted;

/// Free buffers by byte size, and how many bytes they hold in all.
type FreeLists = (HashMap<u64, Vec<Counted>>, u64);

/// Buffers of one usage released by their owners, by byte size, up to `cap` bytes in all
/// (beyond that, released buffers are freed).
pub(crate) struct BufferPool {
    free: Mutex<FreeLists>,
    cap: u64,
    created: AtomicU64,
    reused: AtomicU64,
}

/// Allocation counters of one pool.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Buffers allocated since the device was opened.
    pub created: u64,
    /// Requests served by a buffer already allocated.
    pub reused: u64,
    /// Buffers free in the pool now.
    pub free: u64,
}

impl BufferPool {
    /// An empty pool keeping at most `cap` bytes of free buffers.
    pub(crate) fn new(cap: u64) -> Self {
        BufferPool { free: Mutex::default(), cap, created: AtomicU64::new(0), reused: AtomicU64::new(0) }
    }

    /// The size class of a request of `bytes`: a power of two of at least `min`.
    pub(crate) fn class(bytes: u64, min: u64) -> u64 {
        bytes.max(min).next_power_of_two()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FreeLists> {
        self.free.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A free buffer of exactly `size` bytes, if one is pooled.
    pub(crate) fn take(&self, size: u64) -> Option<Counted> {
        let b = {
            let mut guard = self.lock();
            let (map, bytes) = &mut *guard;
            let b = map.get_mut(&size).and_then(Vec::pop)?;
            *bytes -= size;
            b
        };
        self.reused.fetch_add(1, Ordering::Relaxed);
        Some(b.taken_from_pool())
    }

    /// A free buffer of `size` bytes, or a new one made by `create`.
    pub(crate) fn take_or<E>(&self, size: u64, create: impl FnOnce() -> Result<wgpu::Buffer, E>) -> Result<Counted, E> {
        if let Some(b) = self.take(size) {
            return Ok(b);
        }
        let b = Counted::new(create()?);
        self.created.fetch_add(1, Ordering::Relaxed);
        Ok(b)
    }

    /// Counts a buffer made outside [`BufferPool::take_or`] for this pool.
    pub(crate) fn count_created(&self) {
        self.created.fetch_add(1, Ordering::Relaxed);
    }

    /// Returns buffers no submission uses any more; past the cap they are freed.
    pub(crate) fn put(&self, buffers: impl IntoIterator<Item = Counted>) {
        let mut guard = self.lock();
        let (map, bytes) = &mut *guard;
        for b in buffers {
            let size = b.size();
            if *bytes + size <= self.cap {
                *bytes += size;
                map.entry(size).or_default().push(b.returned_to_pool());
            }
        }
    }

    /// Frees every pooled buffer.
    pub(crate) fn clear(&self) {
        let free = std::mem::take(&mut *self.lock());
        // Freed outside the lock.
        drop(free);
    }

    pub(crate) fn stats(&self) -> PoolStats {
        let guard = self.lock();
        PoolStats {
            created: self.created.load(Ordering::Relaxed),
            reused: self.reused.load(Ordering::Relaxed),
            free: guard.0.values().map(Vec::len).sum::<usize>() as u64,
        }
    }
}

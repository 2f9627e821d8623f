//! Typed device buffers, and column-major matrices split over as many buffers as one storage
//! binding requires.

use std::{marker::PhantomData, sync::Arc};

use bytemuck::Pod;

use crate::{
    error::{GpuError, GpuResult},
    memory::Counted,
    pool::BufferPool,
    work::GPU_WORK,
    GpuContext, GpuEncoder,
};

/// Usage of every storage buffer: readable and writable by kernels, copyable both ways.
const STORAGE: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE.union(wgpu::BufferUsages::COPY_SRC).union(wgpu::BufferUsages::COPY_DST);

/// A device buffer of `len` elements of `T`.
pub struct GpuBuffer<T> {
    pub buffer: wgpu::Buffer,
    len: usize,
    /// The same buffer in the memory accounting (crate::memory); `None` only while dropping.
    counted: Option<Counted>,
    /// Where the buffer goes back when dropped, for buffers made by [`GpuBuffer::uninit`].
    pool: Option<Arc<BufferPool>>,
    _t: PhantomData<T>,
}

/// An exclusive write-only view of staging bytes, sent to a copying thread.
struct SendBytes<'a>(wgpu::WriteOnly<'a, [u8]>);

// SAFETY: the view is the only handle to its bytes (split_at hands out disjoint views), like a
// `&mut [u8]`, which is Send; wgpu's own impl omits it only because `[u8]` is unsized.
unsafe impl Send for SendBytes<'_> {}

impl SendBytes<'_> {
    fn copy_from(mut self, src: &[u8]) {
        self.0.copy_from_slice(src)
    }
}

/// Uploads and downloads at least this large are copied through staging memory by several threads.
const PARALLEL_UPLOAD_BYTES: usize = 16 << 20;
/// Large uploads are staged and submitted in pieces of this size (a multiple of 4), so filling
/// one piece overlaps the bus transfer of the previous.
const UPLOAD_PIECE_BYTES: usize = 128 << 20;

/// Smallest staging buffer of a read-back (classes are powers of two from here).
const STAGING_MIN_BYTES: u64 = 256;
impl<T> Drop for GpuBuffer<T> {
    fn drop(&mut self) {
        if let (Some(pool), Some(counted)) = (self.pool.take(), self.counted.take()) {
            pool.put([counted]);
        }
    }
}

impl<T: Pod> GpuBuffer<T> {
    fn bytes_for(len: usize) -> u64 {
        // Zero-sized bindings are invalid: keep at least one word.
        ((len * size_of::<T>()) as u64).max(4).next_multiple_of(4)
    }

    /// A zero-filled buffer (wgpu clears new buffers).
    pub fn zeroed(ctx: &GpuContext, op: &str, len: usize) -> GpuResult<Self> {
        match Self::create(ctx, op, len) {
            Err(GpuError::OutOfMemory { .. }) => {
                ctx.storage_pool.clear();
                Self::create(ctx, op, len)
            }
            r => r,
        }
    }

    fn create(ctx: &GpuContext, op: &str, len: usize) -> GpuResult<Self> {
        let size = Self::bytes_for(len);
        let max = ctx.limits.max_buffer_size;
        if size > max {
            return Err(GpuError::BufferTooLarge { op: op.to_string(), needed: size, available: max });
        }
        let started = std::time::Instant::now();
        let buffer = ctx.scoped(op, || {
            ctx.device.create_buffer(&wgpu::BufferDescriptor { label: Some(op), size, usage: STORAGE, mapped_at_creation: false })
        });
        GPU_WORK.allocated(started.elapsed());
        let buffer = buffer.map_err(|e| match e {
            GpuError::OutOfMemory { op, .. } => GpuError::OutOfMemory { op, detail: format!(" allocating {size} bytes") },
            e => e,
        })?;
        Ok(Self { buffer: buffer.clone(), len, counted: Some(Counted::new(buffer)), pool: None, _t: PhantomData })
    }

    /// A buffer whose contents are unspecified (a reused one, or a new zeroed one), for outputs
    /// that kernels overwrite entirely. It returns to the device's pool when dropped, so it must
    /// outlive every submission that uses it: keep scratch buffers until the submission has
    /// completed, or another job (on any thread) may be handed the same memory while it is in use.
    pub fn uninit(ctx: &GpuContext, op: &str, len: usize) -> GpuResult<Self> {
        let pool = ctx.storage_pool.clone();
        let mut b = match pool.take(Self::bytes_for(len)) {
            Some(counted) => Self { buffer: (*counted).clone(), len, counted: Some(counted), pool: None, _t: PhantomData },
            None => {
                pool.count_created();
                Self::zeroed(ctx, op, len)?
            }
        };
        b.pool = Some(pool);
        Ok(b)
    }

    pub fn from_slice(ctx: &GpuContext, op: &str, data: &[T]) -> GpuResult<Self> {
        let b = Self::zeroed(ctx, op, data.len())?;
        b.write(ctx, 0, data)?;
        Ok(b)
    }

    /// Writes `data` at element offset `at`. Large writes go in pieces of [`UPLOAD_PIECE_BYTES`]:
    /// each piece fills wgpu's staging memory from all cores (a single-threaded copy, not the
    /// bus, would limit big traces) and is then submitted, so the GPU copies one piece over the
    /// bus while the host fills the next.
    pub fn write(&self, ctx: &GpuContext, at: usize, data: &[T]) -> GpuResult<()> {
        let started = std::time::Instant::now();
        let r = self.write_now(ctx, at, data);
        GPU_WORK.wrote(started.elapsed());
        r
    }

    fn write_now(&self, ctx: &GpuContext, at: usize, data: &[T]) -> GpuResult<()> {
        const OP: &str = "buffer upload";
        if at + data.len() > self.len {
            return Err(GpuError::invalid(OP, format!("{} elements at {at} exceed length {}", data.len(), self.len)));
        }
        let bytes: &[u8] = bytemuck::cast_slice(data);
        let offset = (at * size_of::<T>()) as u64;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        if bytes.len() < PARALLEL_UPLOAD_BYTES || threads == 1 {
            if !bytes.is_empty() {
                ctx.scoped(OP, || ctx.queue.write_buffer(&self.buffer, offset, bytes))?;
            }
            return Ok(());
        }
        let pieces = bytes.len().div_ceil(UPLOAD_PIECE_BYTES);
        for (k, piece) in bytes.chunks(UPLOAD_PIECE_BYTES).enumerate() {
            let size = wgpu::BufferSize::new(piece.len() as u64).expect("chunks are not empty");
            let piece_offset = offset + (k * UPLOAD_PIECE_BYTES) as u64;
            ctx.scoped(OP, || {
                let Some(mut view) = ctx.queue.write_buffer_with(&self.buffer, piece_offset, size) else {
                    // wgpu has recorded the reason; the scope reports it.
                    return;
                };
                let part = piece.len().div_ceil(threads).next_multiple_of(4);
                std::thread::scope(|scope| {
                    let mut rest = view.slice(..);
                    for src in piece.chunks(part) {
                        let (head, tail) = rest.split_at(src.len());
                        rest = tail;
                        let head = SendBytes(head);
                        scope.spawn(move || head.copy_from(src));
                    }
                });
                drop(view);
                // An empty submission starts the staged copy now (the last piece goes with the
                // caller's next submission anyway).
                if k + 1 < pieces {
                    ctx.queue.submit([]);
                }
            })?;
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn binding(&self) -> wgpu::BindingResource<'_> {
        self.buffer.as_entire_binding()
    }

    /// Bytes of the buffer's elements.
    pub fn bytes(&self) -> u64 {
        (self.len * size_of::<T>()) as u64
    }

    /// Records a copy of `count` elements from element `at` into `dst` from element `dst_at`
    /// (offsets in elements; the byte offsets follow from the element type).
    pub fn record_copy(&self, encoder: &mut wgpu::CommandEncoder, at: usize, dst: &GpuBuffer<T>, dst_at: usize, count: usize) {
        let size = size_of::<T>() as u64;
        encoder.copy_buffer_to_buffer(&self.buffer, at as u64 * size, &dst.buffer, dst_at as u64 * size, count as u64 * size);
    }

    /// Reads elements `range` back to the host.
    pub fn read_range(&self, ctx: &GpuContext, range: std::ops::Range<usize>) -> GpuResult<Vec<T>> {
        let mut out = bytemuck::zeroed_vec(range.len());
        self.read_into(ctx, range.start, &mut out)?;
        Ok(out)
    }

    pub fn read(&self, ctx: &GpuContext) -> GpuResult<Vec<T>> {
        self.read_range(ctx, 0..self.len)
    }

    /// Reads `dst.len()` elements starting at element `start` into `dst`.
    pub fn read_into(&self, ctx: &GpuContext, start: usize, dst: &mut [T]) -> GpuResult<()> {
        if start + dst.len() > self.len {
            return Err(GpuError::invalid("buffer download", format!("{} elements at {start} exceed length {}", dst.len(), self.len)));
        }
        download(ctx, None, &self.buffer, (start * size_of::<T>()) as u64, bytemuck::cast_slice_mut(dst))
    }

    /// Submits `encoder` with a copy of elements `range` of this buffer appended, waits, and
    /// returns them: a sumcheck round's work and its result in one submission (rather than the
    /// work's submission followed by the read-back's).
    pub fn submit_and_read(&self, ctx: &GpuContext, op: &str, encoder: GpuEncoder, range: std::ops::Range<usize>) -> GpuResult<Vec<T>> {
        if range.end > self.len {
            return Err(GpuError::invalid(op, format!("elements {range:?} exceed length {}", self.len)));
        }
        let mut out = bytemuck::zeroed_vec(range.len());
        download(ctx, Some((op, encoder)), &self.buffer, (range.start * size_of::<T>()) as u64, bytemuck::cast_slice_mut(&mut out))?;
        Ok(out)
    }
}

/// Copies `dst.len()` bytes at `offset` of `buffer` into `dst`, after the work recorded in
/// `work` (submitted together with the copy) when given; large reads are copied out of the
/// mapped staging memory by several threads.
fn download(ctx: &GpuContext, work: Option<(&str, GpuEncoder)>, buffer: &wgpu::Buffer, offset: u64, dst: &mut [u8]) -> GpuResult<()> {
    const OP: &str = "buffer download";
    let len = dst.len() as u64;
    if len == 0 {
        if let Some((op, enc)) = work {
            ctx.submit_and_wait(op, enc)?;
        }
        return Ok(());
    }
    let padded = len.next_multiple_of(4);
    let pool = &ctx.staging_pool;
    let class = BufferPool::class(padded, STAGING_MIN_BYTES);
    let create = || {
        ctx.scoped(OP, || {
            ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("download staging"),
                size: class,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        })
    };
    let staging = match pool.take_or(class, create) {
        // Pooled staging memory is never the reason a read-back fails.
        Err(GpuError::OutOfMemory { .. }) => {
            pool.clear();
            pool.take_or(class, create)?
        }
        r => r?,
    };
    let (op, mut enc) = work.unwrap_or_else(|| (OP, ctx.encoder("download")));
    enc.copy_buffer_to_buffer(buffer, offset, &staging, 0, padded);
    // The map is requested right after the submission, so the one wait for the submission
    // also completes the map.
    let (tx, rx) = std::sync::mpsc::channel();
    ctx.submit_then_wait(op, enc, || {
        staging.slice(..padded).map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        })
    })?;
    let internal = |m: String| GpuError::Internal { op: OP.into(), message: m };
    let mapped = match rx.try_recv() {
        Ok(r) => r,
        // Not delivered by the submission's wait: wait for the map itself.
        Err(_) => {
            ctx.wait(OP, None)?;
            rx.recv().map_err(|e| internal(e.to_string()))?
        }
    };
    mapped.map_err(|e| internal(e.to_string()))?;
    let view = staging.slice(..padded).get_mapped_range().map_err(|e| internal(e.to_string()))?;
    let src = &view[..dst.len()];
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if dst.len() >= PARALLEL_UPLOAD_BYTES && threads > 1 {
        let piece = dst.len().div_ceil(threads);
        std::thread::scope(|scope| {
            for (d, s) in dst.chunks_mut(piece).zip(src.chunks(piece)) {
                scope.spawn(move || d.copy_from_slice(s));
            }
        });
    } else {
        dst.copy_from_slice(src);
    }
    drop(view);
    staging.unmap();
    // Mapped, read and unmapped: free for the next read-back (on an error above it is dropped).
    pool.put([staging]);
    Ok(())
}

/// A column-major matrix of 32-bit words whose columns are spread over buffers that each fit
/// one storage binding (whole columns per buffer, so a kernel sees complete columns).
pub struct ColumnMatrix {
    pub height: usize,
    pub width: usize,
    pub columns_per_chunk: usize,
    pub chunks: Vec<GpuBuffer<u32>>,
}

impl ColumnMatrix {
    /// A zeroed `height x width` matrix, split as the device's binding size requires.
    pub fn zeroed(ctx: &GpuContext, op: &str, height: usize, width: usize) -> GpuResult<Self> {
        Self::allocate(ctx, op, height, width, GpuBuffer::zeroed)
    }

    /// A matrix with unspecified contents (see [`GpuBuffer::uninit`]), for kernels that write
    /// every element.
    pub fn uninit(ctx: &GpuContext, op: &str, height: usize, width: usize) -> GpuResult<Self> {
        Self::allocate(ctx, op, height, width, GpuBuffer::uninit)
    }

    fn allocate(
        ctx: &GpuContext,
        op: &str,
        height: usize,
        width: usize,
        alloc: fn(&GpuContext, &str, usize) -> GpuResult<GpuBuffer<u32>>,
    ) -> GpuResult<Self> {
        let column_bytes = (height as u64 * 4).max(4);
        let binding = ctx.limits.max_binding_bytes();
        if column_bytes > binding {
            return Err(GpuError::BufferTooLarge { op: op.to_string(), needed: column_bytes, available: binding });
        }
        let columns_per_chunk = ((binding / column_bytes) as usize).clamp(1, width.max(1));
        let mut chunks = Vec::new();
        let mut start = 0;
        while start < width {
            let cols = columns_per_chunk.min(width - start);
            chunks.push(alloc(ctx, op, cols * height)?);
            start += cols;
        }
        Ok(Self { height, width, columns_per_chunk, chunks })
    }

    /// Uploads a column-major host matrix.
    pub fn from_col_major(ctx: &GpuContext, op: &str, height: usize, width: usize, values: &[u32]) -> GpuResult<Self> {
        if values.len() != height * width {
            return Err(GpuError::invalid(op, format!("{} values for a {height} x {width} matrix", values.len())));
        }
        let m = Self::zeroed(ctx, op, height, width)?;
        for (i, chunk) in m.chunks.iter().enumerate() {
            let start = i * m.columns_per_chunk * height;
            chunk.write(ctx, 0, &values[start..start + chunk.len()])?;
        }
        Ok(m)
    }

    /// Columns held by chunk `i`.
    pub fn chunk_columns(&self, i: usize) -> usize {
        self.chunks[i].len() / self.height.max(1)
    }

    /// The whole matrix, column-major, on the host.
    pub fn read_col_major(&self, ctx: &GpuContext) -> GpuResult<Vec<u32>> {
        let mut out = bytemuck::zeroed_vec(self.height * self.width);
        let mut at = 0;
        for c in &self.chunks {
            c.read_into(ctx, 0, &mut out[at..at + c.len()])?;
            at += c.len();
        }
        Ok(out)
    }

    pub fn bytes(&self) -> u64 {
        (self.height * self.width * 4) as u64
    }
}

/// `len` items of `item_words` words each, spread over buffers of `items_per_chunk` items, a
/// power of two that one storage binding holds: item i lies in chunk `i / items_per_chunk`, and
/// an aligned power-of-two block of items no larger than a chunk (a Merkle node's children, a
/// run of leaves) never straddles two chunks. How an item's words are laid out inside its
/// chunk is the user's choice; every chunk but the last is full, and a vector shorter than
/// `items_per_chunk` is one chunk of its length.
pub struct SplitVec {
    pub len: usize,
    pub item_words: usize,
    pub items_per_chunk: usize,
    pub chunks: Vec<GpuBuffer<u32>>,
}

impl SplitVec {
    /// The most items of `item_words` words one chunk may hold on this device (a power of two),
    /// further capped by `cap` (rounded down to a power of two), as tests do to force splits.
    pub fn max_items_per_chunk(ctx: &GpuContext, op: &str, item_words: usize, cap: Option<usize>) -> GpuResult<usize> {
        let item_bytes = 4 * item_words.max(1) as u64;
        let per = crate::limits::pow2_items_per_binding(item_bytes, &ctx.limits).ok_or_else(|| GpuError::BufferTooLarge {
            op: op.to_string(),
            needed: item_bytes,
            available: ctx.limits.max_binding_bytes(),
        })?;
        let cap = cap.map_or(usize::MAX, |c| if c == 0 { 1 } else { 1 << c.ilog2() });
        Ok((per.min(usize::MAX as u64) as usize).min(cap))
    }

    /// A split vector with unspecified contents (see [`GpuBuffer::uninit`]) for kernels that
    /// write every item, in chunks of `items_per_chunk` items (a power of two, from
    /// [`SplitVec::max_items_per_chunk`]).
    pub fn uninit(ctx: &GpuContext, op: &str, len: usize, item_words: usize, items_per_chunk: usize) -> GpuResult<Self> {
        Self::allocate(ctx, op, len, item_words, items_per_chunk, GpuBuffer::uninit)
    }

    /// A zero-filled split vector, chunked as [`SplitVec::uninit`].
    pub fn zeroed(ctx: &GpuContext, op: &str, len: usize, item_words: usize, items_per_chunk: usize) -> GpuResult<Self> {
        Self::allocate(ctx, op, len, item_words, items_per_chunk, GpuBuffer::zeroed)
    }

    fn allocate(
        ctx: &GpuContext,
        op: &str,
        len: usize,
        item_words: usize,
        items_per_chunk: usize,
        alloc: fn(&GpuContext, &str, usize) -> GpuResult<GpuBuffer<u32>>,
    ) -> GpuResult<Self> {
        let chunk_bytes = (4 * item_words as u64).saturating_mul(items_per_chunk as u64);
        if !items_per_chunk.is_power_of_two() || chunk_bytes > ctx.limits.max_binding_bytes() {
            return Err(GpuError::invalid(
                op,
                format!(
                    "chunks of {items_per_chunk} items of {item_words} words: not a power of two, or more than one {}-byte binding",
                    ctx.limits.max_binding_bytes()
                ),
            ));
        }
        // An empty vector still has one (empty) chunk to bind.
        let count = len.div_ceil(items_per_chunk).max(1);
        let chunks = (0..count)
            .map(|j| alloc(ctx, op, items_per_chunk.min(len - j * items_per_chunk) * item_words))
            .collect::<GpuResult<Vec<_>>>()?;
        Ok(Self { len, item_words, items_per_chunk, chunks })
    }

    /// Items held by chunk `i`.
    pub fn chunk_items(&self, i: usize) -> usize {
        self.items_per_chunk.min(self.len.saturating_sub(i * self.items_per_chunk))
    }

    /// The first item of chunk `i`.
    pub fn chunk_first_item(&self, i: usize) -> usize {
        i * self.items_per_chunk
    }

    /// Every chunk's words in order (for item-major layouts, the items in order), on the host.
    pub fn read(&self, ctx: &GpuContext) -> GpuResult<Vec<u32>> {
        let mut out = bytemuck::zeroed_vec(self.len * self.item_words);
        let mut at = 0;
        for (i, c) in self.chunks.iter().enumerate() {
            let words = self.chunk_items(i) * self.item_words;
            c.read_into(ctx, 0, &mut out[at..at + words])?;
            at += words;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ContextOptions, LimitProfile};

    /// Chunk sizes are powers of two within the binding, every chunk but the last is full, and
    /// the chunks read back in order; sizes that are not powers of two or exceed a binding are
    /// refused.
    #[test]
    fn split_vectors_chunk_by_powers_of_two_within_a_binding() {
        let ctx = GpuContext::new(&ContextOptions::with_profile(LimitProfile::Tiny)).expect("a GPU adapter (run scripts/ensure-vulkan.sh)");
        // Tiny's 16 MiB bindings hold 2^19 digests of 8 words.
        assert_eq!(SplitVec::max_items_per_chunk(&ctx, "test", 8, None).unwrap(), 1 << 19);
        assert_eq!(SplitVec::max_items_per_chunk(&ctx, "test", 8, Some(100)).unwrap(), 64);
        assert_eq!(SplitVec::max_items_per_chunk(&ctx, "test", 8, Some(0)).unwrap(), 1);
        assert!(SplitVec::max_items_per_chunk(&ctx, "test", 8 << 20, None).is_err());
        for (len, per) in [(0usize, 4usize), (3, 4), (4, 4), (9, 4), (16, 1), (5, 8)] {
            let v = SplitVec::uninit(&ctx, "test", len, 3, per).unwrap();
            assert_eq!(v.chunks.len(), len.div_ceil(per).max(1), "{len} in chunks of {per}");
            let items: Vec<usize> = (0..v.chunks.len()).map(|j| v.chunk_items(j)).collect();
            assert_eq!(items.iter().sum::<usize>(), len);
            assert!(items.iter().rev().skip(1).all(|&n| n == per), "{len} in chunks of {per}: {items:?}");
            let words: Vec<u32> = (0..3 * len as u32).collect();
            for (j, c) in v.chunks.iter().enumerate() {
                let first = 3 * v.chunk_first_item(j);
                c.write(&ctx, 0, &words[first..first + 3 * v.chunk_items(j)]).unwrap();
            }
            assert_eq!(v.read(&ctx).unwrap(), words);
        }
        assert!(SplitVec::uninit(&ctx, "test", 8, 1, 3).is_err());
        assert!(SplitVec::uninit(&ctx, "test", 8, 8, 1 << 20).is_err());
    }
}

//! Large uploads (`GpuBuffer::write`): filled from several threads and staged in pieces that
//! are submitted one by one. The bytes read back equal what was written, for a write below the
//! parallel threshold, one of a single piece, and one of several pieces ending in a partial
//! piece, at a nonzero offset.

use openvm_wgpu_common::{ContextOptions, GpuBuffer, GpuContext};

#[test]
fn large_uploads_arrive_whole() {
    let ctx = GpuContext::new(&ContextOptions::default()).expect("a GPU adapter (run scripts/ensure-vulkan.sh without a GPU)");
    let max_words = (ctx.limits.max_buffer_size / 4) as usize;
    // Up to 2.25 pieces of 128 MiB where the device allows buffers that large.
    for words in [1000usize, 20 << 18, (9 << 23) + 1000] {
        let words = words.min(max_words - 17);
        let data: Vec<u32> = (0..words as u32).map(|i| i.wrapping_mul(2654435761) ^ 0x5bd1e995).collect();
        let buf = GpuBuffer::<u32>::zeroed(&ctx, "upload", words + 17).unwrap();
        buf.write(&ctx, 17, &data).unwrap();
        let back = buf.read(&ctx).unwrap();
        assert!(back[..17].iter().all(|&w| w == 0), "{words} words: the words before the offset changed");
        assert!(back[17..] == data[..], "{words} words: the upload differs from the data");
    }
}

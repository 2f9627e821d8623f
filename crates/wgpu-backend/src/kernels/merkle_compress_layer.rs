//! One layer of a Merkle tree: pairs of digests compressed with Poseidon2's truncated
//! permutation, neighbours (stride 1) or `stride` apart, between layers split over buffers.

use openvm_wgpu_common::{kernel::require, GpuContext, GpuError, GpuResult, SplitVec};

use super::Elementwise;
use crate::commit::poseidon2::DIGEST;

pub const NAME: &str = "merkle_compress_layer";
pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("merkle_compress_layer"));

kernel_params! {
    pub struct Params {
        count: u32,
        stride: u32,
        /// First output of this dispatch, and the first digests of the bound chunks.
        first: u32,
        next_base: u32,
        left_base: u32,
        right_base: u32,
        workgroup_base: u32,
        _pad: u32,
    }
}

/// Records `next[i] = compress(prev[2x*stride + y], prev[(2x+1)*stride + y])` for
/// `i = x*stride + y < prev/2`. Both layers hold digests in chunks of a power-of-two size.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    prev: &SplitVec,
    next: &SplitVec,
    stride: usize,
) -> GpuResult<()> {
    let count = next.len;
    require(NAME, prev.len == 2 * count && stride >= 1 && count.is_multiple_of(stride), || {
        format!("layer of {} digests into {count} with stride {stride}", prev.len)
    })?;
    require(NAME, prev.item_words == DIGEST && next.item_words == DIGEST, || {
        format!("layers of {}- and {}-word items, not digests", prev.item_words, next.item_words)
    })?;
    let (per_prev, per_next) = (prev.items_per_chunk, next.items_per_chunk);
    // An aligned run of outputs whose children lie in one chunk each: with both children in
    // one chunk (2 * stride <= chunk), half a chunk of outputs reads one whole chunk; otherwise
    // the run stays within one x, and its left (and right) children are an aligned run as long.
    let run = per_next.min(if 2 * stride <= per_prev { per_prev / 2 } else { per_prev }).max(1);
    let chunk = |layer: &SplitVec, item: usize| item / layer.items_per_chunk;
    let left = |i: usize| 2 * (i / stride) * stride + i % stride;
    let mut first = 0;
    while first < count {
        let n = run.min(count - first);
        let last = first + n - 1;
        let (l, r, o) = (chunk(prev, left(first)), chunk(prev, left(first) + stride), chunk(next, first));
        if chunk(prev, left(last)) != l || chunk(prev, left(last) + stride) != r || chunk(next, last) != o {
            return Err(GpuError::invalid(
                NAME,
                format!("outputs {first}..={last} with stride {stride} straddle chunks of {per_prev} and {per_next} digests"),
            ));
        }
        let params = Params {
            count: n as u32,
            stride: stride as u32,
            first: first as u32,
            next_base: next.chunk_first_item(o) as u32,
            left_base: prev.chunk_first_item(l) as u32,
            right_base: prev.chunk_first_item(r) as u32,
            ..Default::default()
        };
        KERNEL.record(ctx, encoder, n as u64, &[&prev.chunks[l].buffer, &prev.chunks[r].buffer, &next.chunks[o].buffer], &params)?;
        first += n;
    }
    Ok(())
}

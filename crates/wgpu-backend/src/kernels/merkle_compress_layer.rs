//! One layer of a Merkle tree: pairs of digests compressed with Poseidon2's truncated
//! permutation, neighbours (stride 1) or `stride` apart.

use openvm_wgpu_common::{kernel::require, GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;
use crate::{poseidon2::DIGEST, shaders::MERKLE_COMPRESS_LAYER};

pub const NAME: &str = "merkle_compress_layer";
pub(crate) const KERNEL: Elementwise = Elementwise { kernel: MERKLE_COMPRESS_LAYER };

/// Records `next[i] = compress(prev[2x*stride + y], prev[(2x+1)*stride + y])` for
/// `i = x*stride + y < prev/2`.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    prev: &GpuBuffer<u32>,
    next: &GpuBuffer<u32>,
    stride: usize,
) -> GpuResult<()> {
    let count = next.len() / DIGEST;
    require(NAME, prev.len() == 2 * next.len() && stride >= 1 && count.is_multiple_of(stride), || {
        format!("layer of {} words into {} with stride {stride}", prev.len(), next.len())
    })?;
    KERNEL.record(ctx, encoder, count as u64, &[&prev.buffer, &next.buffer], |base| vec![count as u32, stride as u32, base, 0])
}

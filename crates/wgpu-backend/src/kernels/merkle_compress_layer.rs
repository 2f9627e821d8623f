//! One layer of a Merkle tree: pairs of digests compressed with Poseidon2's truncated
//! permutation, neighbours (stride 1) or `stride` apart.

use openvm_wgpu_common::{kernel::require, GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;
use crate::poseidon2::DIGEST;

pub const NAME: &str = "merkle_compress_layer";
pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("merkle_compress_layer"));

kernel_params! {
    pub struct Params {
        count: u32,
        stride: u32,
        workgroup_base: u32,
        _pad: u32,
    }
}

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
    let params = Params { count: count as u32, stride: stride as u32, ..Default::default() };
    KERNEL.record(ctx, encoder, count as u64, &[&prev.buffer, &next.buffer], &params)
}

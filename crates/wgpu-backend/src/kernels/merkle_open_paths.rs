//! Authentication paths for Merkle queries, gathered from the digest layers on the device.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult, SplitVec};

use super::Elementwise;
use crate::commit::poseidon2::DIGEST;

pub const NAME: &str = "merkle_open_paths";
pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("merkle_open_paths"));

kernel_params! {
    pub struct Params {
        level: u32,
        depth: u32,
        count: u32,
        workgroup_base: u32,
        /// The digests of the bound chunk of the layer.
        chunk_first: u32,
        chunk_digests: u32,
        _pad0: u32,
        _pad1: u32,
    }
}

/// Records the sibling of each query's node in every layer below the root into `out`
/// (`layers.len() - 1` digests per query): one dispatch per chunk of each layer.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    layers: &[SplitVec],
    indices: &GpuBuffer<u32>,
    out: &GpuBuffer<u32>,
) -> GpuResult<()> {
    let depth = layers.len().saturating_sub(1);
    let count = indices.len() * DIGEST;
    for (level, layer) in layers.iter().take(depth).enumerate() {
        for (c, chunk) in layer.chunks.iter().enumerate() {
            let params = Params {
                level: level as u32,
                depth: depth as u32,
                count: count as u32,
                chunk_first: layer.chunk_first_item(c) as u32,
                chunk_digests: layer.chunk_items(c) as u32,
                ..Default::default()
            };
            KERNEL.record(ctx, encoder, count as u64, &[&chunk.buffer, &indices.buffer, &out.buffer], &params)?;
        }
    }
    Ok(())
}

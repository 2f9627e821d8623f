//! Authentication paths for Merkle queries, gathered from the digest layers on the device.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;
use crate::{poseidon2::DIGEST, shaders::MERKLE_OPEN_PATHS};

pub const NAME: &str = "merkle_open_paths";
pub(crate) const KERNEL: Elementwise = Elementwise { kernel: MERKLE_OPEN_PATHS };

/// Records the sibling of each query's node in every layer below the root into `out`
/// (`layers.len() - 1` digests per query).
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    layers: &[GpuBuffer<u32>],
    indices: &GpuBuffer<u32>,
    out: &GpuBuffer<u32>,
) -> GpuResult<()> {
    let depth = layers.len().saturating_sub(1);
    let count = indices.len() * DIGEST;
    for (level, layer) in layers.iter().take(depth).enumerate() {
        KERNEL.record(ctx, encoder, count as u64, &[&layer.buffer, &indices.buffer, &out.buffer], |base| {
            vec![level as u32, depth as u32, count as u32, base]
        })?;
    }
    Ok(())
}

//! The sumcheck fold of an extension vector (column form per chunk) at a challenge.

use openvm_wgpu_common::{kernel::require, GpuContext, GpuResult, SplitVec};

use super::Elementwise;
use crate::field::{Ext4, EF};

pub const NAME: &str = "whir_fold";
pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("whir_fold"));

kernel_params! {
    pub struct Params {
        half: u32,
        workgroup_base: u32,
        /// Elements of the bound source and destination chunks (their column strides), and
        /// where this dispatch's outputs start in the destination chunk.
        src_n: u32,
        dst_n: u32,
        dst_offset: u32,
        _pad0: u32,
        _pad1: u32,
        _pad2: u32,
        alpha: [u32; 4],
    }
}

/// Records `dst[y] = src[2y] + alpha (src[2y+1] - src[2y])` for y < dst.len, both extension
/// vectors split into chunks (column form within each): one dispatch per source chunk, whose
/// outputs lie in one destination chunk.
pub fn record(ctx: &GpuContext, encoder: &mut openvm_wgpu_common::GpuEncoder, src: &SplitVec, dst: &SplitVec, alpha: EF) -> GpuResult<()> {
    require(NAME, src.item_words == 4 && dst.item_words == 4 && src.len == 2 * dst.len && dst.len > 0, || {
        format!("fold {} elements into {}", src.len, dst.len)
    })?;
    for (j, chunk) in src.chunks.iter().enumerate() {
        let (first, n) = (src.chunk_first_item(j), src.chunk_items(j));
        let (out_first, half) = (first / 2, n / 2);
        let o = out_first / dst.items_per_chunk;
        require(NAME, n >= 2 && n.is_multiple_of(2) && (out_first + half - 1) / dst.items_per_chunk == o, || {
            format!("source chunk {j} ({n} elements from {first}) does not fold into one chunk of {} elements", dst.items_per_chunk)
        })?;
        let params = Params {
            half: half as u32,
            src_n: n as u32,
            dst_n: dst.chunk_items(o) as u32,
            dst_offset: (out_first - dst.chunk_first_item(o)) as u32,
            alpha: Ext4::from(alpha).0,
            ..Default::default()
        };
        KERNEL.record(ctx, encoder, half as u64, &[&chunk.buffer, &dst.chunks[o].buffer], &params)?;
    }
    Ok(())
}

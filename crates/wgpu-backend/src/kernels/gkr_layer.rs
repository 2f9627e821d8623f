//! One layer of LogUp's fractional-sum tree (pairwise projective sums of fractions).

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;

pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("gkr_layer"));

kernel_params! {
    pub struct Params {
        count: u32,
        workgroup_base: u32,
        _pad0: u32,
        _pad1: u32,
    }
}

/// Records the `count` fractions of the layer above `layer` (2 `count` fractions, each a pair
/// (p, q) of extension elements) into `out`: out[i] = layer[2i] + layer[2i + 1].
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    layer: &GpuBuffer<u32>,
    out: &GpuBuffer<u32>,
    count: usize,
) -> GpuResult<()> {
    let params = Params { count: count as u32, ..Default::default() };
    KERNEL.record(ctx, encoder, count as u64, &[&layer.buffer, &out.buffer], &params)
}

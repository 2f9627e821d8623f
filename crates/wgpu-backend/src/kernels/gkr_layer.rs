//! One layer of LogUp's fractional-sum tree (pairwise projective sums of fractions).

use openvm_wgpu_common::{GpuContext, GpuResult};

use super::Elementwise;
use crate::field::ExtBuffer;

pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("gkr_layer"));

kernel_params! {
    pub struct Params {
        count: u32,
        workgroup_base: u32,
        split: u32,
        _pad1: u32,
    }
}

/// The split of a layer in one buffer.
const WHOLE: u32 = i32::MAX as u32;

/// A layer of fractions (two extension elements each, p then q) in one buffer, or over two
/// when it exceeds one storage binding: fractions below `split` in `lo`, the rest in `hi` from
/// its start. Kernels bind both and pick by index.
#[derive(Clone, Copy)]
pub struct FracLayer<'a> {
    pub lo: &'a ExtBuffer,
    pub hi: &'a ExtBuffer,
    pub split: u32,
}

impl<'a> FracLayer<'a> {
    /// A layer in one buffer (`hi` is the same buffer, never read: the split lies past any
    /// fraction a binding holds, and twice it still fits 32 bits).
    pub fn whole(buffer: &'a ExtBuffer) -> Self {
        FracLayer { lo: buffer, hi: buffer, split: WHOLE }
    }

    /// Whether the layer spans two buffers.
    pub fn is_split(&self) -> bool {
        self.split != WHOLE
    }

    /// The split in extension elements (two per fraction), as the kernels compare indices.
    pub fn split_elements(&self) -> u32 {
        2 * self.split
    }
}

/// Records the `count` fractions of the layer above `layer` (2 `count` fractions, each a pair
/// (p, q) of extension elements) into `out`: out[i] = layer[2i] + layer[2i + 1].
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    layer: FracLayer<'_>,
    out: &ExtBuffer,
    count: usize,
) -> GpuResult<()> {
    let params = Params { count: count as u32, split: layer.split, ..Default::default() };
    KERNEL.record(ctx, encoder, count as u64, &[&layer.lo.buffer, &layer.hi.buffer, &out.buffer], &params)
}

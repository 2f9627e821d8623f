//! One layer of LogUp's fractional-sum tree (pairwise projective sums of fractions).

use openvm_wgpu_common::{GpuContext, GpuResult};

use super::Elementwise;
use crate::field::ExtBuffer;

pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("gkr_layer"));

kernel_params! {
    pub struct Params {
        count: u32,
        workgroup_base: u32,
        part_len: u32,
        in_base: u32,
    }
}

/// The most buffers a layer spans.
pub const MAX_PARTS: usize = 4;

/// The part length of a layer in one buffer: past any fraction a binding holds, and twice it
/// (the part's length in extension elements) still fits 32 bits.
const WHOLE: u32 = i32::MAX as u32;

/// A layer of fractions (two extension elements each, p then q) in one buffer, or over up to
/// [`MAX_PARTS`] when it exceeds one storage binding: fraction f in part f / part_len, at
/// f % part_len. Kernels bind every part (unused slots repeat the first, never read) and pick
/// by index.
#[derive(Clone, Copy)]
pub struct FracLayer<'a> {
    pub parts: [&'a ExtBuffer; MAX_PARTS],
    pub part_len: u32,
    pub num_parts: usize,
}

impl<'a> FracLayer<'a> {
    /// A layer in one buffer.
    pub fn whole(buffer: &'a ExtBuffer) -> Self {
        FracLayer { parts: [buffer; MAX_PARTS], part_len: WHOLE, num_parts: 1 }
    }

    /// A layer over `parts` (at most [`MAX_PARTS`]) of `part_len` fractions each.
    pub fn over(parts: &[&'a ExtBuffer], part_len: usize) -> Self {
        assert!((1..=MAX_PARTS).contains(&parts.len()), "a layer spans 1 to {MAX_PARTS} buffers");
        if parts.len() == 1 {
            return Self::whole(parts[0]);
        }
        let mut all = [parts[0]; MAX_PARTS];
        all[..parts.len()].copy_from_slice(parts);
        FracLayer { parts: all, part_len: part_len as u32, num_parts: parts.len() }
    }

    /// Whether the layer spans more than one buffer.
    pub fn is_split(&self) -> bool {
        self.num_parts > 1
    }

    /// The first buffer (the whole layer when it is not split).
    pub fn lo(&self) -> &'a ExtBuffer {
        self.parts[0]
    }

    /// The part length in extension elements (two per fraction), as the kernels compare indices.
    pub fn part_elements(&self) -> u32 {
        2 * self.part_len
    }

    /// Parts 2j and 2j + 1 as a layer of their own (fractions from 2j part_len on).
    pub fn pair(&self, j: usize) -> FracLayer<'a> {
        FracLayer::over(&self.parts[2 * j..(2 * j + 2).min(self.num_parts)], self.part_len as usize)
    }
}

/// Records `count` fractions of the layer above `layer` into `out`, starting at node
/// `in_base` of that layer: out[i] = layer[2 (in_base + i)] + layer[2 (in_base + i) + 1].
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    layer: FracLayer<'_>,
    out: &ExtBuffer,
    count: usize,
    in_base: usize,
) -> GpuResult<()> {
    let params = Params { count: count as u32, part_len: layer.part_len, in_base: in_base as u32, ..Default::default() };
    let p = layer.parts;
    KERNEL.record(ctx, encoder, count as u64, &[&p[0].buffer, &p[1].buffer, &p[2].buffer, &p[3].buffer, &out.buffer], &params)
}

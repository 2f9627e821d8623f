//! After round 0 of the stacked reduction: the eq tables gain their univariate factor and the
//! rotation tables are formed from them.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;
use crate::{
    field::{ext_as_words, EF},
    shaders::STACKED_REDUCTION_ROTATION,
};

pub(crate) const KERNEL: Elementwise = Elementwise { kernel: STACKED_REDUCTION_ROTATION };

/// The three factors: eq_out = scale_eq eq; rot_out = scale_rot eq + scale_wrap (eq[x-1] - eq[x]).
#[derive(Clone, Copy, Debug)]
pub struct RotationScales {
    pub scale_eq: EF,
    pub scale_rot: EF,
    pub scale_wrap: EF,
}

/// Records the update of the table of `count` elements at `base` (same place in all three).
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    tables: (&GpuBuffer<u32>, &GpuBuffer<u32>, &GpuBuffer<u32>),
    base: usize,
    count: usize,
    s: RotationScales,
) -> GpuResult<()> {
    let (eq, eq_out, rot_out) = tables;
    let scales = [s.scale_eq, s.scale_rot, s.scale_wrap];
    KERNEL.record(ctx, encoder, count as u64, &[&eq.buffer, &eq_out.buffer, &rot_out.buffer], |wg| {
        [&[count as u32, base as u32, wg, 0][..], ext_as_words(&scales)].concat()
    })
}

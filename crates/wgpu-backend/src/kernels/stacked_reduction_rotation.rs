//! After round 0 of the stacked reduction: the eq tables gain their univariate factor and the
//! rotation tables are formed from them.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;
use crate::field::{ext_words, EF};

pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("stacked_reduction_rotation"));

kernel_params! {
    pub struct Params {
        count: u32,
        base: u32,
        workgroup_base: u32,
        _pad: u32,
        scale_eq: [u32; 4],
        scale_rot: [u32; 4],
        scale_wrap: [u32; 4],
    }
}

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
    let params = Params {
        count: count as u32,
        base: base as u32,
        scale_eq: ext_words(s.scale_eq),
        scale_rot: ext_words(s.scale_rot),
        scale_wrap: ext_words(s.scale_wrap),
        ..Default::default()
    };
    KERNEL.record(ctx, encoder, count as u64, &[&eq.buffer, &eq_out.buffer, &rot_out.buffer], &params)
}

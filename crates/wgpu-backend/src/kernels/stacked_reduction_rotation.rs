//! After round 0 of the stacked reduction: the eq tables gain their univariate factor and the
//! rotation tables are formed from them.

use openvm_wgpu_common::{GpuContext, GpuResult};

use super::Elementwise;
use crate::field::{Ext4, ExtBuffer, EF};

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

/// The tables the update reads (`eq`) and writes (`eq_out`, `rot_out`).
#[derive(Clone, Copy)]
pub struct RotationTables<'a> {
    pub eq: &'a ExtBuffer,
    pub eq_out: &'a ExtBuffer,
    pub rot_out: &'a ExtBuffer,
}

/// Records the update of the table of `count` elements at `base` (same place in all three).
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    tables: RotationTables<'_>,
    base: usize,
    count: usize,
    s: RotationScales,
) -> GpuResult<()> {
    let RotationTables { eq, eq_out, rot_out } = tables;
    let params = Params {
        count: count as u32,
        base: base as u32,
        scale_eq: Ext4::from(s.scale_eq).0,
        scale_rot: Ext4::from(s.scale_rot).0,
        scale_wrap: Ext4::from(s.scale_wrap).0,
        ..Default::default()
    };
    KERNEL.record(ctx, encoder, count as u64, &[&eq.buffer, &eq_out.buffer, &rot_out.buffer], &params)
}

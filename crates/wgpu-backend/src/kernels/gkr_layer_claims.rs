//! A LogUp GKR layer's claims: its last sumcheck round's two rows folded at the last challenge,
//! read from the challenge buffer.

use openvm_wgpu_common::{GpuContext, GpuResult};

use super::Elementwise;
use crate::field::ExtBuffer;

pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("gkr_layer_claims"));

kernel_params! {
    pub struct Params {
        r_slot: u32,
        out_base: u32,
        workgroup_base: u32,
        _pad0: u32,
    }
}

/// Records out[out_base + c] = rows[c] + r (rows[4 + c] - rows[c]) for c < 4, with r =
/// challenges[`r_slot`] (extension elements; `rows` is two rows of four).
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    rows: &ExtBuffer,
    challenges: &ExtBuffer,
    r_slot: usize,
    out: &ExtBuffer,
    out_base: usize,
) -> GpuResult<()> {
    let params = Params { r_slot: r_slot as u32, out_base: out_base as u32, ..Default::default() };
    KERNEL.record(ctx, encoder, 4, &[&rows.buffer, &challenges.buffer, &out.buffer], &params)
}

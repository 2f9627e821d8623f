//! Partial sums of a LogUp GKR layer's sumcheck round: s(1), s(2), s(3) per workgroup.

use openvm_wgpu_common::{limits::items_per_invocation, GpuBuffer, GpuContext, GpuResult};

use super::ReductionKernel;
use crate::field::{ext_words, EF};

pub(crate) const KERNEL: ReductionKernel<Params> = ReductionKernel::new(wgsl_kernel!("gkr_sumcheck_round"));

kernel_params! {
    pub struct Params {
        half: u32,
        stride: u32,
        workgroup_base: u32,
        _pad0: u32,
        lambda: [u32; 4],
    }
}

/// Workgroups (and so partial triples) a round over `half` pairs of rows writes.
pub fn workgroups(ctx: &GpuContext, half: usize) -> GpuResult<usize> {
    let wg = KERNEL.workgroup_size(&ctx.limits)? as usize;
    let per = items_per_invocation(&ctx.limits, half as u64) as usize;
    Ok(half.div_ceil(wg * per).max(1))
}

/// Records the partial sums over y < `half` of the matrix `pq` (2 `half` rows of four extension
/// elements) against the eq column `eq` (2 `half` values), batched with `lambda`: the triple of
/// workgroup w goes to partials[3w..3w + 3) (extension elements).
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    pq: &GpuBuffer<u32>,
    eq: &GpuBuffer<u32>,
    partials: &GpuBuffer<u32>,
    half: usize,
    lambda: EF,
) -> GpuResult<()> {
    let workgroups = workgroups(ctx, half)?;
    let stride = workgroups * KERNEL.workgroup_size(&ctx.limits)? as usize;
    let params = Params { half: half as u32, stride: stride as u32, lambda: ext_words(lambda), ..Default::default() };
    KERNEL.record(ctx, encoder, workgroups as u64, &[&pq.buffer, &eq.buffer, &partials.buffer], &params)
}

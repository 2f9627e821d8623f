//! Subset-zeta transform (multilinear coefficients to hypercube evaluations) inside each block
//! of 2^l words, in place: upstream's `Mle::coeffs_to_evals_inplace` per block.

use openvm_wgpu_common::{
    kernel::require,
    limits::{small_block_tuned, GeometryError, SmallBlockGeometry, MAX_SMALL_NTT_LOG},
    DeviceLimits, GpuBuffer, GpuContext, GpuResult, PipelineKey,
};

use super::{dispatch, pipeline, KernelPlan};
use crate::shaders::MLE_COEFFS_TO_EVALS;

pub const NAME: &str = "mle_coeffs_to_evals";

pub fn geometry(limits: &DeviceLimits, log_n: u32) -> Result<SmallBlockGeometry, GeometryError> {
    let cap = std::env::var("OPENVM_WGPU_SMALL_NTT_INVOCATIONS").ok().and_then(|v| v.parse().ok());
    small_block_tuned(NAME, limits, log_n, false, cap)
}

pub fn pipeline_key(g: &SmallBlockGeometry) -> PipelineKey {
    PipelineKey::new(NAME, "main")
        .constant("WORKGROUP_SIZE", g.shape.workgroup_size[0])
        .constant("INVOCATIONS_PER_BLOCK", g.invocations_per_block)
        .constant("PAIRS_PER_INVOCATION", g.pairs_per_invocation)
        .constant("LOG_N", g.log_n)
        .constant("WORKGROUP_WORDS", (g.shape.workgroup_memory_bytes / 4).max(1))
}

pub fn plans(limits: &DeviceLimits) -> Result<Vec<KernelPlan>, GeometryError> {
    (1..=MAX_SMALL_NTT_LOG)
        .map(|l| {
            let g = geometry(limits, l)?;
            Ok(KernelPlan { kernel: MLE_COEFFS_TO_EVALS, variant: format!("l={l}"), key: pipeline_key(&g), shape: g.shape })
        })
        .collect()
}

pub fn record(
    ctx: &GpuContext,
    encoder: &mut wgpu::CommandEncoder,
    buffer: &GpuBuffer<u32>,
    log_n: u32,
    blocks: usize,
) -> GpuResult<()> {
    require(NAME, log_n <= MAX_SMALL_NTT_LOG, || format!("l = {log_n} exceeds {MAX_SMALL_NTT_LOG}"))?;
    require(NAME, blocks.checked_shl(log_n).is_some_and(|n| n <= buffer.len()), || {
        format!("{blocks} blocks of 2^{log_n} exceed the buffer's {} elements", buffer.len())
    })?;
    if log_n == 0 || blocks == 0 {
        return Ok(());
    }
    let g = geometry(&ctx.limits, log_n)?;
    let parts = g.grid(NAME, blocks as u64, &ctx.limits)?;
    let pipeline = pipeline(ctx, &MLE_COEFFS_TO_EVALS, &pipeline_key(&g))?;
    dispatch(ctx, encoder, NAME, &pipeline, &parts, &[&buffer.buffer], |base| vec![blocks as u32, base, 0, 0])
}

//! `batch_ntt_small`: in-place NTTs of size 2^l (0 <= l <= 10) over consecutive blocks of a
//! buffer, natural order in and out, the inverse scaled by 1/n — upstream's conventions.

use openvm_wgpu_common::{
    kernel::require,
    limits::{small_block_tuned, GeometryError, SmallBlockGeometry, MAX_SMALL_NTT_LOG},
    DeviceLimits, GpuBuffer, GpuContext, GpuResult, PipelineKey,
};
use p3_field::{Field, PrimeCharacteristicRing};

use super::{dispatch, pipeline, twiddles::ntt_twiddles, KernelPlan};
use crate::{
    field::{word, F},
    shaders::BATCH_NTT_SMALL,
};

pub const NAME: &str = "batch_ntt_small";

pub fn geometry(limits: &DeviceLimits, log_n: u32) -> Result<SmallBlockGeometry, GeometryError> {
    let cap = std::env::var("OPENVM_WGPU_SMALL_NTT_INVOCATIONS").ok().and_then(|v| v.parse().ok());
    small_block_tuned(NAME, limits, log_n, true, cap)
}

pub fn pipeline_key(g: &SmallBlockGeometry) -> PipelineKey {
    PipelineKey::new(NAME, "main")
        .constant("WORKGROUP_SIZE", g.shape.workgroup_size[0])
        .constant("INVOCATIONS_PER_BLOCK", g.invocations_per_block)
        .constant("PAIRS_PER_INVOCATION", g.pairs_per_invocation)
        .constant("LOG_N", g.log_n)
        .constant("SHUFFLE_TRANSITIONS", g.shuffle_transitions)
        .constant("WORKGROUP_WORDS", (g.shape.workgroup_memory_bytes / 4).max(1))
}

pub fn plans(limits: &DeviceLimits) -> Result<Vec<KernelPlan>, GeometryError> {
    (1..=MAX_SMALL_NTT_LOG)
        .map(|l| {
            let g = geometry(limits, l)?;
            Ok(KernelPlan { kernel: BATCH_NTT_SMALL, variant: format!("l={l}"), key: pipeline_key(&g), shape: g.shape })
        })
        .collect()
}

/// Records the transform of `blocks` blocks of 2^log_n words at the start of `buffer`.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut wgpu::CommandEncoder,
    buffer: &GpuBuffer<u32>,
    log_n: u32,
    blocks: usize,
    inverse: bool,
) -> GpuResult<()> {
    require(NAME, log_n <= MAX_SMALL_NTT_LOG, || format!("l = {log_n} exceeds {MAX_SMALL_NTT_LOG}"))?;
    require(NAME, blocks.checked_shl(log_n).is_some_and(|n| n <= buffer.len()), || {
        format!("{blocks} blocks of 2^{log_n} exceed the buffer's {} elements", buffer.len())
    })?;
    if log_n == 0 || blocks == 0 {
        // A size-1 transform is the identity, forward and inverse.
        return Ok(());
    }
    let g = geometry(&ctx.limits, log_n)?;
    let parts = g.grid(NAME, blocks as u64, &ctx.limits)?;
    let pipeline = pipeline(ctx, &BATCH_NTT_SMALL, &pipeline_key(&g))?;
    let tw = ntt_twiddles(ctx, log_n)?;
    let scale = if inverse { F::from_u32(1 << log_n).inverse() } else { F::ONE };
    dispatch(ctx, encoder, NAME, &pipeline, &parts, &[&buffer.buffer, &tw.table(inverse).buffer], |base| {
        vec![blocks as u32, base, word(scale), inverse as u32]
    })
}

/// Transforms `blocks` blocks of 2^log_n words in `buffer` and waits for the result.
pub fn batch_ntt_small(ctx: &GpuContext, buffer: &GpuBuffer<u32>, log_n: u32, blocks: usize, inverse: bool) -> GpuResult<()> {
    let mut enc = ctx.encoder(NAME);
    record(ctx, &mut enc, buffer, log_n, blocks, inverse)?;
    ctx.submit_and_wait(NAME, enc)
}

//! `batch_ntt_small`: in-place NTTs of size 2^l (0 <= l <= 10) over consecutive blocks of a
//! buffer, natural order in and out, the inverse scaled by 1/n — upstream's conventions.

use openvm_wgpu_common::{
    limits::{GeometryError, SmallBlockGeometry},
    DeviceLimits, GpuBuffer, GpuContext, GpuResult,
};
use p3_field::{Field, PrimeCharacteristicRing};

use super::{twiddles::ntt_twiddles, SmallBlockKernel};
use crate::field::{word, F};

pub const NAME: &str = "batch_ntt_small";
pub(crate) const KERNEL: SmallBlockKernel<Params> = SmallBlockKernel::new(wgsl_kernel!("batch_ntt_small"), true);

kernel_params! {
    pub struct Params {
        blocks: u32,
        workgroup_base: u32,
        /// Montgomery form of 1/n, applied when `inverse` is set.
        scale: u32,
        inverse: u32,
    }
}

pub fn geometry(limits: &DeviceLimits, log_n: u32) -> Result<SmallBlockGeometry, GeometryError> {
    KERNEL.geometry(limits, log_n)
}

/// Records the transform of `blocks` blocks of 2^log_n words at the start of `buffer`.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    buffer: &GpuBuffer<u32>,
    log_n: u32,
    blocks: usize,
    inverse: bool,
) -> GpuResult<()> {
    let tw = ntt_twiddles(ctx, log_n.min(openvm_wgpu_common::limits::MAX_SMALL_NTT_LOG))?;
    let scale = if inverse { F::from_u32(1 << log_n.min(30)).inverse() } else { F::ONE };
    let params = Params { blocks: blocks as u32, scale: word(scale), inverse: inverse as u32, ..Default::default() };
    KERNEL.record(ctx, encoder, super::Blocks { data: buffer, log_n, count: blocks }, &[&tw.table(inverse).buffer], &params)
}

/// Transforms `blocks` blocks of 2^log_n words in `buffer` and waits for the result.
pub fn batch_ntt_small(ctx: &GpuContext, buffer: &GpuBuffer<u32>, log_n: u32, blocks: usize, inverse: bool) -> GpuResult<()> {
    let mut enc = ctx.encoder(NAME);
    record(ctx, &mut enc, buffer, log_n, blocks, inverse)?;
    ctx.submit_and_wait(NAME, enc)
}

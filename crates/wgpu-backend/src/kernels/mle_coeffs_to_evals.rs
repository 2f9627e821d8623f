//! Subset-zeta transform (multilinear coefficients to hypercube evaluations) inside each block
//! of 2^l words, in place: upstream's `Mle::coeffs_to_evals_inplace` per block.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::SmallBlockKernel;
use crate::shaders::MLE_COEFFS_TO_EVALS;

pub const NAME: &str = "mle_coeffs_to_evals";
pub(crate) const KERNEL: SmallBlockKernel = SmallBlockKernel { kernel: MLE_COEFFS_TO_EVALS, shuffles: false };

pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    buffer: &GpuBuffer<u32>,
    log_n: u32,
    blocks: usize,
) -> GpuResult<()> {
    KERNEL.record(ctx, encoder, super::Blocks { data: buffer, log_n, count: blocks }, &[], |base| vec![blocks as u32, base, 0, 0])
}

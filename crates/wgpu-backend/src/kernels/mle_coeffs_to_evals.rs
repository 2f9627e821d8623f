//! Subset-zeta transform (multilinear coefficients to hypercube evaluations) inside each block
//! of 2^l words, in place: upstream's `Mle::coeffs_to_evals_inplace` per block.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::SmallBlockKernel;

pub const NAME: &str = "mle_coeffs_to_evals";
pub(crate) const KERNEL: SmallBlockKernel<Params> = SmallBlockKernel::new(wgsl_kernel!("mle_coeffs_to_evals"), false);

kernel_params! {
    pub struct Params {
        blocks: u32,
        workgroup_base: u32,
        _pad0: u32,
        _pad1: u32,
    }
}

pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    buffer: &GpuBuffer<u32>,
    log_n: u32,
    blocks: usize,
) -> GpuResult<()> {
    KERNEL.record(
        ctx,
        encoder,
        super::Blocks { data: buffer, log_n, count: blocks },
        &[],
        &Params { blocks: blocks as u32, ..Default::default() },
    )
}

//! The stacked polynomial commitment's GPU steps, named as upstream's `prover::stacked_pcs`.
//!
//! `rs_code_matrix`: the Reed–Solomon codeword of every column of the stacked matrix, at rate
//! 2^-log_blowup. A column holds evaluations of a prismalinear polynomial on D x {0,1}^n with
//! |D| = 2^l_skip; as upstream does, each 2^l_skip chunk is turned into coefficients with an
//! inverse `batch_ntt_small`, then into hypercube evaluations over the chunk's bits
//! (`mle_coeffs_to_evals`), and the resulting coefficient vector, zero-padded to
//! height << log_blowup, is evaluated with the large NTT.

use openvm_wgpu_common::{kernel::require, ColumnMatrix, GpuContext, GpuResult};
use p3_field::PrimeCharacteristicRing;

use crate::{
    field::F,
    kernels::{batch_ntt_small, mle_coeffs_to_evals, ntt},
};

const NAME: &str = "rs_code_matrix";

/// The codewords of `stacked` (height a power of two, at least 2^l_skip), leaving `stacked`
/// unchanged.
pub fn rs_code_matrix(ctx: &GpuContext, l_skip: u32, log_blowup: u32, stacked: &ColumnMatrix) -> GpuResult<ColumnMatrix> {
    let height = stacked.height;
    require(NAME, height.is_power_of_two() && height >= 1 << l_skip, || {
        format!("stacked height {height} must be a power of two and at least 2^l_skip = {}", 1u64 << l_skip)
    })?;
    let log_rs = height.trailing_zeros() + log_blowup;
    require(NAME, log_rs <= 27, || format!("codeword height 2^{log_rs} exceeds BabyBear's 2^27 subgroup"))?;
    let coeffs = ColumnMatrix::uninit(ctx, "rs_code_matrix coefficients", height, stacked.width)?;
    let codewords = ColumnMatrix::uninit(ctx, "rs_code_matrix codewords", height << log_blowup, stacked.width)?;
    let mut enc = ctx.encoder(NAME);
    // Same height, same chunking: copy chunk by chunk.
    for (src, dst) in stacked.chunks.iter().zip(&coeffs.chunks) {
        ctx.scoped(NAME, || enc.copy_buffer_to_buffer(&src.buffer, 0, &dst.buffer, 0, (src.len() * 4) as u64))?;
    }
    for chunk in &coeffs.chunks {
        let blocks = chunk.len() >> l_skip;
        batch_ntt_small::record(ctx, &mut enc, chunk, l_skip, blocks, true)?;
        mle_coeffs_to_evals::record(ctx, &mut enc, chunk, l_skip, blocks)?;
    }
    ntt::record_bitrev_gather(ctx, &mut enc, &coeffs, &codewords, F::ONE, None)?;
    ntt::record_dit_passes(ctx, &mut enc, &codewords, false)?;
    ctx.submit_and_wait(NAME, enc)?;
    Ok(codewords)
}

//! WHIR's μ-batching of stacked-matrix columns into one extension vector (column form).

use openvm_wgpu_common::{kernel::require, GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;

pub const NAME: &str = "whir_mu_batch";
pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("whir_mu_batch"));

kernel_params! {
    pub struct Params {
        height: u32,
        columns: u32,
        mu_offset: u32,
        workgroup_base: u32,
    }
}

/// Records `out[i] += Σ_t mu[mu_offset + t] * chunk[t * height + i]` over the `columns` columns
/// of `chunk`; `out` holds 4 * height words, `mu` four words per power.
#[allow(clippy::too_many_arguments)]
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    chunk: &GpuBuffer<u32>,
    height: usize,
    columns: usize,
    mu: &GpuBuffer<u32>,
    mu_offset: usize,
    out: &GpuBuffer<u32>,
) -> GpuResult<()> {
    require(NAME, chunk.len() >= height * columns && out.len() == 4 * height && mu.len() >= 4 * (mu_offset + columns), || {
        format!("{columns} columns of {height} into {} words with {} μ words from {mu_offset}", out.len(), mu.len())
    })?;
    if height == 0 || columns == 0 {
        return Ok(());
    }
    let params = Params { height: height as u32, columns: columns as u32, mu_offset: mu_offset as u32, ..Default::default() };
    KERNEL.record(ctx, encoder, height as u64, &[&chunk.buffer, &mu.buffer, &out.buffer], &params)
}

//! WHIR's μ-batching of stacked-matrix columns into one extension vector (split into chunks,
//! column form within each).

use openvm_wgpu_common::{kernel::require, GpuBuffer, GpuContext, GpuResult, SplitVec};

use super::Elementwise;
use crate::field::ExtBuffer;

pub const NAME: &str = "whir_mu_batch";
pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("whir_mu_batch"));

kernel_params! {
    pub struct Params {
        height: u32,
        columns: u32,
        mu_offset: u32,
        workgroup_base: u32,
        /// The rows of the bound chunk of `out`: row_base .. row_base + out_n.
        row_base: u32,
        out_n: u32,
        /// This dispatch adds columns `column_start..column_start + columns` of the chunk.
        column_start: u32,
        _pad1: u32,
    }
}

/// Records `out[i] += Σ_t mu[mu_offset + t] * chunk[t * height + i]` over the `columns` columns
/// of `chunk`; `out` holds `height` extension elements (column form per chunk), `mu` the powers.
/// One dispatch per chunk of `out`.
#[allow(clippy::too_many_arguments)]
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    chunk: &GpuBuffer<u32>,
    height: usize,
    columns: usize,
    mu: &ExtBuffer,
    mu_offset: usize,
    out: &SplitVec,
) -> GpuResult<()> {
    require(NAME, chunk.len() >= height * columns && out.len == height && out.item_words == 4 && mu.len() >= mu_offset + columns, || {
        format!("{columns} columns of {height} into {} elements with {} powers of μ from {mu_offset}", out.len, mu.len())
    })?;
    if height == 0 || columns == 0 {
        return Ok(());
    }
    // An invocation adds one column per loop iteration: runs of columns within its limit.
    let run = ctx.limits.max_loop_iterations.max(1) as usize;
    for (k, target) in out.chunks.iter().enumerate() {
        let out_n = out.chunk_items(k);
        for column_start in (0..columns).step_by(run) {
            let params = Params {
                height: height as u32,
                columns: run.min(columns - column_start) as u32,
                mu_offset: mu_offset as u32,
                row_base: out.chunk_first_item(k) as u32,
                out_n: out_n as u32,
                column_start: column_start as u32,
                ..Default::default()
            };
            KERNEL.record(ctx, encoder, out_n as u64, &[&chunk.buffer, &mu.buffer, &target.buffer], &params)?;
        }
    }
    Ok(())
}

//! Product-form hypercube tables on the device: eq(x, z) tables, upstream's Möbius-adjusted eq
//! table, and sums of many scaled terms in one pass. A family of two shaders: `eq_factors`
//! builds each term's low and high factor tables, `eq_accumulate` sums their products into an
//! extension vector (split into chunks, column form within each).

use openvm_wgpu_common::{kernel::require, GpuContext, GpuResult, SplitVec};

use super::Elementwise;
use crate::field::{as_ext4s, Ext4, ExtBuffer, EF};

pub const FACTORS: &str = "eq_factors";
pub const ACCUMULATE: &str = "eq_accumulate";
pub(crate) const FACTORS_KERNEL: Elementwise<FactorsParams> = Elementwise::new(wgsl_kernel!("eq_factors"));
pub(crate) const ACCUMULATE_KERNEL: Elementwise<AccumulateParams> = Elementwise::new(wgsl_kernel!("eq_accumulate"));

kernel_params! {
    pub struct FactorsParams {
        terms: u32,
        lo_bits: u32,
        hi_bits: u32,
        workgroup_base: u32,
    }
}

kernel_params! {
    pub struct AccumulateParams {
        n: u32,
        terms: u32,
        lo_bits: u32,
        hi_bits: u32,
        accumulate: u32,
        workgroup_base: u32,
        /// The first element of the bound chunk of w (n is the chunk's length).
        first: u32,
        _pad1: u32,
    }
}

/// One term: `scale * Π_i (x_i ? one_i : zero_i)` with `pairs[i] = (one_i, zero_i)`.
pub struct ProductTerm {
    pub scale: EF,
    pub pairs: Vec<(EF, EF)>,
}

/// Records `w[x] = (accumulate ? w[x] : 0) + Σ_t term_t(x)` for x < 2^dim, every term having
/// `dim` variables; `w` holds 2^dim extension elements, one accumulation dispatch per chunk.
/// Returns the scratch buffers, which the caller keeps until the submission completes.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    terms: &[ProductTerm],
    dim: usize,
    w: &SplitVec,
    accumulate: bool,
) -> GpuResult<Vec<ExtBuffer>> {
    require(ACCUMULATE, dim < 32 && w.len == 1 << dim && w.item_words == 4, || {
        format!("2^{dim} elements in a vector of {} items of {} words", w.len, w.item_words)
    })?;
    require(FACTORS, terms.iter().all(|t| t.pairs.len() == dim), || format!("every term needs {dim} variables"))?;
    if terms.is_empty() {
        if !accumulate {
            for chunk in &w.chunks {
                encoder.clear_buffer(&chunk.buffer, 0, None);
            }
        }
        return Ok(Vec::new());
    }
    let lo_bits = dim / 2;
    let hi_bits = dim - lo_bits;
    let per_term = (1usize << lo_bits) + (1 << hi_bits);
    let pairs: Vec<EF> = terms.iter().flat_map(|t| t.pairs.iter().flat_map(|&(o, z)| [o, z])).collect();
    let scales: Vec<EF> = terms.iter().map(|t| t.scale).collect();
    // A term without variables still needs a buffer to bind.
    let pairs = if pairs.is_empty() {
        ExtBuffer::from_slice(ctx, FACTORS, &[Ext4::ZERO])?
    } else {
        ExtBuffer::from_slice(ctx, FACTORS, as_ext4s(&pairs))?
    };
    let scales = ExtBuffer::from_slice(ctx, FACTORS, as_ext4s(&scales))?;
    let entries = terms.len() * per_term;
    let table = ExtBuffer::uninit(ctx, FACTORS, entries)?;
    let t = terms.len() as u32;
    let (lo_bits, hi_bits) = (lo_bits as u32, hi_bits as u32);
    let factors = FactorsParams { terms: t, lo_bits, hi_bits, ..Default::default() };
    FACTORS_KERNEL.record(ctx, encoder, entries as u64, &[&pairs.buffer, &scales.buffer, &table.buffer], &factors)?;
    for (j, chunk) in w.chunks.iter().enumerate() {
        let n = w.chunk_items(j);
        let sums = AccumulateParams {
            n: n as u32,
            terms: t,
            lo_bits,
            hi_bits,
            accumulate: accumulate as u32,
            first: w.chunk_first_item(j) as u32,
            ..Default::default()
        };
        // An invocation adds one product per term.
        openvm_wgpu_common::limits::check_loop_iterations("eq_accumulate", t as u64, &ctx.limits)?;
        ACCUMULATE_KERNEL.record(ctx, encoder, n as u64, &[&table.buffer, &chunk.buffer], &sums)?;
    }
    Ok(vec![pairs, scales, table])
}

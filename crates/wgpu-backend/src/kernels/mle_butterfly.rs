//! One level of the multilinear (subset-zeta / Möbius) transforms on columns of 2^log_n words,
//! in place; an extension vector in column form is four such columns. For a vector split into
//! chunks, the levels whose pairs lie in two chunks add one whole chunk into another.

use std::sync::OnceLock;

use openvm_wgpu_common::{kernel::require, GpuBuffer, GpuContext, GpuResult, SplitVec};

use super::Elementwise;
use crate::field::{word, F};

pub const NAME: &str = "mle_butterfly";
pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("mle_butterfly"));

kernel_params! {
    pub struct Params {
        log_n: u32,
        bit: u32,
        coef: u32,
        pairs: u32,
        workgroup_base: u32,
        /// Nonzero: data[i] += coef * lower[i] for i < pairs (a level across two chunks).
        across: u32,
        _pad1: u32,
        _pad2: u32,
    }
}

/// A one-word buffer per device, bound as `lower` by the levels within one buffer.
#[derive(Default)]
struct UnusedLower(OnceLock<GpuBuffer<u32>>);

impl UnusedLower {
    fn get(&self, ctx: &GpuContext) -> GpuResult<&GpuBuffer<u32>> {
        if let Some(b) = self.0.get() {
            return Ok(b);
        }
        let b = GpuBuffer::zeroed(ctx, NAME, 1)?;
        Ok(self.0.get_or_init(|| b))
    }
}

/// Records `data[p + 2^bit] += coef * data[p]` for every p with bit `bit` clear, in each of the
/// `columns` columns of 2^log_n words at the start of `data`.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    data: &GpuBuffer<u32>,
    log_n: u32,
    columns: usize,
    bit: u32,
    coef: F,
) -> GpuResult<()> {
    require(NAME, bit < log_n && log_n < 32 && (columns << log_n) <= data.len(), || {
        format!("level {bit} of {columns} columns of 2^{log_n} in a buffer of {} words", data.len())
    })?;
    let pairs = (columns << (log_n - 1)) as u64;
    require(NAME, pairs <= u32::MAX as u64, || format!("{pairs} pairs exceed one dispatch's u32 index"))?;
    let holder = ctx.resource::<UnusedLower>();
    let lower = holder.get(ctx)?;
    let params = Params { log_n, bit, coef: word(coef), pairs: pairs as u32, ..Default::default() };
    KERNEL.record(ctx, encoder, pairs, &[&data.buffer, &lower.buffer], &params)
}

/// Records `upper[i] += coef * lower[i]` for i < words: a level whose pairs lie in two chunks.
fn record_across(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    upper: &GpuBuffer<u32>,
    lower: &GpuBuffer<u32>,
    words: usize,
    coef: F,
) -> GpuResult<()> {
    require(NAME, words <= upper.len() && words <= lower.len() && words <= u32::MAX as usize, || {
        format!("{words} words across chunks of {} and {}", lower.len(), upper.len())
    })?;
    let params = Params { coef: word(coef), pairs: words as u32, across: 1, ..Default::default() };
    KERNEL.record(ctx, encoder, words as u64, &[&upper.buffer, &lower.buffer], &params)
}

/// Records the levels `bits` of the transform with `coef` (1: zeta, -1: Möbius), one dispatch each.
pub fn record_levels(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    data: &GpuBuffer<u32>,
    log_n: u32,
    columns: usize,
    bits: std::ops::Range<u32>,
    coef: F,
) -> GpuResult<()> {
    for bit in bits {
        record(ctx, encoder, data, log_n, columns, bit, coef)?;
    }
    Ok(())
}

/// Records the levels `bits` of the transform on an extension vector of 2^m elements split
/// into chunks (column form within each): a level whose pairs are 2^bit apart works inside
/// every chunk while 2^bit is below the chunk's length, and otherwise adds chunk j into chunk
/// j + 2^bit / chunk for every j with that bit clear.
pub fn record_ext_levels(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    v: &SplitVec,
    bits: std::ops::Range<u32>,
    coef: F,
) -> GpuResult<()> {
    let per_chunk = v.items_per_chunk;
    require(NAME, v.item_words == 4 && v.len.is_power_of_two() && bits.end <= v.len.trailing_zeros(), || {
        format!("levels {bits:?} of {} elements of {} words", v.len, v.item_words)
    })?;
    for bit in bits {
        if 1usize << bit < per_chunk {
            for (j, chunk) in v.chunks.iter().enumerate() {
                record(ctx, encoder, chunk, v.chunk_items(j).trailing_zeros(), 4, bit, coef)?;
            }
        } else {
            let distance = (1usize << bit) / per_chunk;
            for j in (0..v.chunks.len()).filter(|j| j & distance == 0) {
                record_across(ctx, encoder, &v.chunks[j + distance], &v.chunks[j], 4 * per_chunk, coef)?;
            }
        }
    }
    Ok(())
}

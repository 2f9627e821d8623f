//! One level of the multilinear (subset-zeta / Möbius) transforms on columns of 2^log_n words,
//! in place; an extension vector in column form is four such columns.

use openvm_wgpu_common::{kernel::require, GpuBuffer, GpuContext, GpuResult};

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
        _pad0: u32,
        _pad1: u32,
        _pad2: u32,
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
    let params = Params { log_n, bit, coef: word(coef), pairs: pairs as u32, ..Default::default() };
    KERNEL.record(ctx, encoder, pairs, &[&data.buffer], &params)
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

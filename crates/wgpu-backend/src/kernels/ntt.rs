//! The large NTT over the columns of a [`ColumnMatrix`], and the coset low-degree extension
//! built from it.
//!
//! A transform is one gather into bit-reversed order (`ntt_bitrev_gather`, which also zero-pads,
//! scales by 1/n for the inverse and multiplies by coset-shift powers) followed by radix-2 DIT
//! passes (`ntt_dit_pass`), each doing as many levels in workgroup memory as the device allows.
//! Results are natural order and equal Plonky3's `dft_batch` / `idft_batch` / `coset_lde_batch`.

use openvm_wgpu_common::{
    kernel::require,
    limits::{large_ntt_tuned, GeometryError, LargeNttGeometry, LargeNttTuning, NttPass},
    ColumnMatrix, DeviceLimits, GpuBuffer, GpuContext, GpuError, GpuResult, PipelineKey,
};
use p3_field::PrimeCharacteristicRing;

use super::{twiddles::ntt_twiddles, Custom, Elementwise, KernelPlan};
use crate::field::{as_words, word, F};

pub const PASS: &str = "ntt_dit_pass";
pub const GATHER: &str = "ntt_bitrev_gather";
pub(crate) const GATHER_KERNEL: Elementwise<GatherParams> = Elementwise::new(wgsl_kernel!("ntt_bitrev_gather"));
pub(crate) const PASS_KERNEL: Custom<PassParams> = Custom::new(wgsl_kernel!("ntt_dit_pass"), pass_plans);

kernel_params! {
    pub struct GatherParams {
        src_height: u32,
        dst_log: u32,
        columns: u32,
        src_column_offset: u32,
        dst_column_offset: u32,
        scale: u32,
        low_bits: u32,
        use_shift: u32,
        workgroup_base: u32,
        _pad0: u32,
        _pad1: u32,
        _pad2: u32,
    }
}

kernel_params! {
    pub struct PassParams {
        log_n: u32,
        first_level: u32,
        levels: u32,
        coalesce_log: u32,
        total_tiles: u32,
        workgroup_base: u32,
        _pad0: u32,
        _pad1: u32,
    }
}

pub fn geometry(limits: &DeviceLimits, log_n: u32) -> Result<LargeNttGeometry, GeometryError> {
    large_ntt_tuned(PASS, limits, log_n, LargeNttTuning::of(limits))
}

fn pass_key(g: &LargeNttGeometry) -> PipelineKey {
    PipelineKey::new(PASS, "main").constant("WORKGROUP_SIZE", g.shape.workgroup_size[0]).constant("TILE_WORDS", 1 << g.tile_log)
}

/// The pipelines of both kernels on a device.
pub fn plans(limits: &DeviceLimits) -> Result<Vec<KernelPlan>, GeometryError> {
    let mut out = GATHER_KERNEL.desc.plans(limits)?;
    out.extend(pass_plans(limits)?);
    Ok(out)
}

/// `ntt_dit_pass` at a few sizes.
fn pass_plans(limits: &DeviceLimits) -> Result<Vec<KernelPlan>, GeometryError> {
    let mut out = Vec::new();
    for log_n in [4u32, 16, 24] {
        let g = geometry(limits, log_n)?;
        out.push(KernelPlan {
            kernel: PASS_KERNEL.source(),
            variant: format!("log_n={log_n} passes={:?}", g.passes.iter().map(|p| (p.levels, p.coalesce_log)).collect::<Vec<_>>()),
            key: pass_key(&g),
            shape: g.shape,
        });
    }
    Ok(out)
}

fn log2_height(op: &str, height: usize) -> GpuResult<u32> {
    require(op, height.is_power_of_two(), || format!("column height {height} is not a power of two"))?;
    Ok(height.trailing_zeros())
}

/// Records `dst[c][q] = src[c][rev(q)] * scale * shift^rev(q)` (zero past src's height) for
/// every column; `dst`'s height is a power of two at least `src`'s.
pub fn record_bitrev_gather(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    src: &ColumnMatrix,
    dst: &ColumnMatrix,
    scale: F,
    shift: Option<F>,
) -> GpuResult<()> {
    let dst_log = log2_height(GATHER, dst.height)?;
    require(GATHER, src.width == dst.width && src.height <= dst.height, || {
        format!("gather {}x{} into {}x{}", src.height, src.width, dst.height, dst.width)
    })?;
    let low_bits = src.height.max(1).trailing_zeros().div_ceil(2);
    let powers = GpuBuffer::from_slice(ctx, GATHER, as_words(&shift_power_table(shift, src.height, low_bits)))?;
    let mut column = 0;
    while column < dst.width {
        let (si, so) = (column / src.columns_per_chunk, column % src.columns_per_chunk);
        let (di, doff) = (column / dst.columns_per_chunk, column % dst.columns_per_chunk);
        let columns = (src.chunk_columns(si) - so).min(dst.chunk_columns(di) - doff);
        let words = (columns as u64) << dst_log;
        let buffers = [&src.chunks[si].buffer, &dst.chunks[di].buffer, &powers.buffer];
        let params = GatherParams {
            src_height: src.height as u32,
            dst_log,
            columns: columns as u32,
            src_column_offset: so as u32,
            dst_column_offset: doff as u32,
            scale: word(scale),
            low_bits,
            use_shift: shift.is_some() as u32,
            ..Default::default()
        };
        GATHER_KERNEL.record(ctx, encoder, words, &buffers, &params)?;
        column += columns;
    }
    Ok(())
}

/// shift^j for j < 2^low_bits, then shift^(j << low_bits) for the rest of `height` (a single
/// unused word without a shift).
fn shift_power_table(shift: Option<F>, height: usize, low_bits: u32) -> Vec<F> {
    let Some(shift) = shift else { return vec![F::ONE] };
    let mut out: Vec<F> = shift.powers().take(1 << low_bits).collect();
    let step = shift.exp_power_of_2(low_bits as usize);
    out.extend(step.powers().take(height.div_ceil(1 << low_bits).max(1)));
    out
}

/// Records the DIT passes that turn every column of `m`, held in bit-reversed order, into its
/// transform in natural order.
pub fn record_dit_passes(ctx: &GpuContext, encoder: &mut openvm_wgpu_common::GpuEncoder, m: &ColumnMatrix, inverse: bool) -> GpuResult<()> {
    let log_n = log2_height(PASS, m.height)?;
    for pass in geometry(&ctx.limits, log_n)?.passes {
        record_dit_pass(ctx, encoder, m, inverse, &pass)?;
    }
    Ok(())
}

/// Records one DIT pass (levels `pass.first_level ..` of the geometry for `m`'s height).
pub fn record_dit_pass(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    m: &ColumnMatrix,
    inverse: bool,
    pass: &NttPass,
) -> GpuResult<()> {
    let log_n = log2_height(PASS, m.height)?;
    if log_n == 0 || m.width == 0 {
        return Ok(());
    }
    let g = geometry(&ctx.limits, log_n)?;
    let tw = ntt_twiddles(ctx, log_n)?;
    let pipeline = PASS_KERNEL.pipeline(ctx, &pass_key(&g))?;
    for (i, chunk) in m.chunks.iter().enumerate() {
        let columns = m.chunk_columns(i) as u64;
        let parts = g.pass_grid(PASS, pass, columns, &ctx.limits)?;
        let total = g.tiles_per_column(pass) * columns;
        let params = PassParams {
            log_n,
            first_level: pass.first_level,
            levels: pass.levels,
            coalesce_log: pass.coalesce_log,
            total_tiles: total as u32,
            ..Default::default()
        };
        PASS_KERNEL.dispatch(ctx, encoder, &pipeline, &parts, &[&chunk.buffer, &tw.table(inverse).buffer], &params)?;
    }
    Ok(())
}

/// The NTT (or inverse NTT, scaled by 1/n) of every column, natural order in and out, into a
/// new matrix.
pub fn ntt_columns(ctx: &GpuContext, m: &ColumnMatrix, inverse: bool) -> GpuResult<ColumnMatrix> {
    let log_n = log2_height(PASS, m.height)?;
    let out = ColumnMatrix::uninit(ctx, "ntt output", m.height, m.width)?;
    let scale = if inverse { F::from_u32(1).div_2exp_u64(log_n as u64) } else { F::ONE };
    let mut enc = ctx.encoder(PASS);
    record_bitrev_gather(ctx, &mut enc, m, &out, scale, None)?;
    record_dit_passes(ctx, &mut enc, &out, inverse)?;
    ctx.submit_and_wait(PASS, enc)?;
    Ok(out)
}

/// Plonky3's `coset_lde_batch` on columns: interpolate each column over the subgroup of its
/// height, then evaluate on `shift` times the subgroup 2^added_bits times larger.
pub fn coset_lde_columns(ctx: &GpuContext, m: &ColumnMatrix, added_bits: u32, shift: F) -> GpuResult<ColumnMatrix> {
    let log_n = log2_height("coset_lde", m.height)?;
    let lde_height = m
        .height
        .checked_shl(added_bits)
        .filter(|_| log_n + added_bits <= 27)
        .ok_or_else(|| GpuError::invalid("coset_lde", format!("2^{log_n} << {added_bits} exceeds BabyBear's 2^27 subgroup")))?;
    let coeffs = ColumnMatrix::uninit(ctx, "coset_lde coefficients", m.height, m.width)?;
    let out = ColumnMatrix::uninit(ctx, "coset_lde output", lde_height, m.width)?;
    let mut enc = ctx.encoder("coset_lde");
    record_bitrev_gather(ctx, &mut enc, m, &coeffs, F::ONE.div_2exp_u64(log_n as u64), None)?;
    record_dit_passes(ctx, &mut enc, &coeffs, true)?;
    record_bitrev_gather(ctx, &mut enc, &coeffs, &out, F::ONE, Some(shift))?;
    record_dit_passes(ctx, &mut enc, &out, false)?;
    ctx.submit_and_wait("coset_lde", enc)?;
    Ok(out)
}

//! The batched zerocheck after round 0 on the GPU (upstream's `LogupZerocheckCpu`,
//! openvm-stark-backend prover/logup_zerocheck/cpu.rs, span `prover.rap_constraints.mle_rounds`).
//!
//! [`fold_ple_evals`] is upstream's `fold_ple_evals(ctx, r_0)`: every matrix upstream's
//! `EvalHelper::view_mats` lists for an AIR (preprocessed, cached partitions, common main, each
//! followed by its next-row rotation when the AIR reads next rows) is folded at r_0 — each
//! block of 2^l_skip rows interpolated on the skip domain and evaluated at r_0, rows read mod
//! the height so that rotation wraps and traces shorter than 2^l_skip are lifted — into an
//! extension-field column-major matrix of `max(h, 2^l_skip) >> l_skip` rows, by the
//! `zerocheck_fold_ple` kernel with the Lagrange basis at r_0 computed on the host. The
//! selectors (upstream's `sels_per_trace`: is_first_row, is_transition, is_last_row of the
//! lifted trace, folded the same way) have at most two nonzero Lagrange sums per trace, so the
//! host writes them directly (a few extension elements per block) and they live on the device
//! like the folded traces.

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuError};
use p3_field::PrimeCharacteristicRing;

use crate::{
    error::WgpuProverError,
    field::{ext_as_words, ext_from_words, EF},
    kernels::zerocheck_fold_ple::{self, FoldColumns},
    stacked_reduction::lagrange_weights,
    zerocheck_round0::Round0Air,
};

const OP: &str = "zerocheck_mle";

/// An extension-field matrix on the device, column-major (`height` elements per column, four
/// words per element).
pub struct ExtMatrix {
    pub buffer: GpuBuffer<u32>,
    pub height: usize,
    pub width: usize,
}

impl ExtMatrix {
    fn uninit(ctx: &GpuContext, height: usize, width: usize) -> Result<Self, WgpuProverError> {
        let bytes = (height * width * 16) as u64;
        let available = ctx.limits.max_binding_bytes();
        if bytes > available {
            return Err(
                GpuError::BufferTooLarge { op: format!("{OP}: folded matrix of {height} x {width}"), needed: bytes, available }.into()
            );
        }
        Ok(Self { buffer: GpuBuffer::uninit(ctx, OP, (4 * height * width).max(4))?, height, width })
    }

    fn from_values(ctx: &GpuContext, height: usize, width: usize, values: &[EF]) -> Result<Self, WgpuProverError> {
        debug_assert_eq!(values.len(), height * width);
        let m = Self::uninit(ctx, height, width)?;
        if !values.is_empty() {
            m.buffer.write(ctx, 0, ext_as_words(values))?;
        }
        Ok(m)
    }

    /// The matrix's values, column-major (tests and the final openings).
    pub fn read(&self, ctx: &GpuContext) -> Result<Vec<EF>, WgpuProverError> {
        if self.height * self.width == 0 {
            return Ok(vec![]);
        }
        Ok(ext_from_words(self.buffer.read_range(ctx, 0..4 * self.height * self.width)?))
    }
}

/// One AIR after the fold at r_0: upstream's `sels_per_trace[t]` and `mat_evals_per_trace[t]`.
pub struct FoldedAir {
    /// is_first_row, is_transition, is_last_row.
    pub sels: ExtMatrix,
    /// In upstream's `view_mats` order: preprocessed, cached partitions, common main, each
    /// followed by its rotation when `needs_next`.
    pub mats: Vec<ExtMatrix>,
    pub needs_next: bool,
    /// ñ = max(log h - l_skip, 0): the AIR's multilinear variables.
    pub n_lift: usize,
}

/// The folded selectors of a trace of `height` rows lifted to at least 2^l_skip rows, at the
/// Lagrange weights `w` of the skip domain: column-major is_first_row, is_transition,
/// is_last_row. Each selector column of the lifted trace has a one (a zero for is_transition)
/// at rows k h (is_first) or k h + h - 1 (the others), so a block's fold is a sum of weights.
fn folded_selectors(l_skip: usize, height: usize, w: &[EF]) -> Vec<EF> {
    let n = 1usize << l_skip;
    let lifted = height.max(n);
    let x_count = lifted >> l_skip;
    let mut first = vec![EF::ZERO; x_count];
    let mut last = vec![EF::ZERO; x_count];
    for row in (0..lifted).step_by(height) {
        first[row >> l_skip] += w[row & (n - 1)];
        let end = row + height - 1;
        last[end >> l_skip] += w[end & (n - 1)];
    }
    let transition = last.iter().map(|&l| EF::ONE - l);
    first.iter().copied().chain(transition).chain(last.iter().copied()).collect()
}

/// Upstream's `LogupZerocheckCpu::fold_ple_evals(ctx, r_0)` on the device, for the AIRs of a
/// proving context in its order: one submission folds every trace matrix.
pub fn fold_ple_evals(ctx: &GpuContext, airs: &[Round0Air<'_>], l_skip: usize, r_0: EF) -> Result<Vec<FoldedAir>, WgpuProverError> {
    let _span = tracing::info_span!("fold_ple_evals").entered();
    let w = lagrange_weights(l_skip, r_0);
    let weights = GpuBuffer::from_slice(ctx, OP, ext_as_words(&w))?;
    let mut enc = ctx.encoder(OP);
    let mut out = Vec::with_capacity(airs.len());
    for air in airs {
        let height = air.height()?;
        if !height.is_power_of_two() {
            return Err(WgpuProverError::InvalidInput(format!("{OP}: trace height {height} is not a power of two")));
        }
        let needs_next = air.program.program.needs_next;
        let x_count = height.max(1 << l_skip) >> l_skip;
        let sels = ExtMatrix::from_values(ctx, x_count, 3, &folded_selectors(l_skip, height, &w))?;
        let parts = air.traces.preprocessed.into_iter().chain(air.traces.mains.iter().copied());
        let mut mats = Vec::new();
        for m in parts {
            if m.height != height {
                return Err(WgpuProverError::InvalidInput(format!(
                    "{OP}: a trace partition has {} rows where the AIR has {height}",
                    m.height
                )));
            }
            for rot in [false, true].into_iter().take(1 + needs_next as usize) {
                let folded = ExtMatrix::uninit(ctx, x_count, m.width)?;
                for (k, chunk) in m.chunks.iter().enumerate() {
                    let f = FoldColumns {
                        columns: m.chunk_columns(k),
                        height,
                        x_count,
                        in_column: 0,
                        out_column: k * m.columns_per_chunk,
                        rot,
                    };
                    zerocheck_fold_ple::record(ctx, &mut enc, chunk, &weights, &folded.buffer, l_skip, f)?;
                }
                mats.push(folded);
            }
        }
        out.push(FoldedAir { sels, mats, needs_next, n_lift: (height.trailing_zeros() as usize).saturating_sub(l_skip) });
    }
    ctx.submit_and_wait(OP, enc)?;
    Ok(out)
}

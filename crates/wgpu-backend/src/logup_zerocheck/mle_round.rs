//! The batched zerocheck after round 0 on the GPU (upstream's `LogupZerocheckCpu`,
//! openvm-stark-backend prover/logup_zerocheck/cpu.rs, span `prover.rap_constraints.mle_rounds`).
//!
//! [`fold_ple_evals`] is upstream's `fold_ple_evals(ctx, r_0)`: every matrix upstream's
//! `EvalHelper::view_mats` lists for an AIR (preprocessed, cached partitions, common main, each
//! followed by its next-row rotation when the AIR reads next rows) is folded at r_0 — each
//! block of 2^l_skip rows interpolated on the skip domain and evaluated at r_0, rows read mod
//! the height so that rotation wraps and traces shorter than 2^l_skip are lifted — into
//! extension-field columns of `max(h, 2^l_skip) >> l_skip` rows, by the `fold_ple`
//! kernel with the Lagrange basis at r_0 computed on the host. The selectors (upstream's
//! `sels_per_trace`: is_first_row, is_transition, is_last_row of the lifted trace, folded the
//! same way) have at most two nonzero Lagrange sums per trace, so the host writes them directly
//! (three extension elements per block). An AIR's folded columns are column-major: the three
//! selectors, then the matrices in upstream's order, in chunks of whole columns, each within one
//! storage binding (a 2^20-row keccakf trace folds to 65536 x 5269 extension elements, 5.5 GB;
//! one binding holds 2 GiB on the largest devices), the same number of columns per chunk
//! except the last. The rounds' interpreter binds up to four chunks
//! (`constraint_eval_ext::FOLDED_BINDINGS`); each fold re-chunks for the halved height.
//!
//! [`ZerocheckMle`] runs the zerocheck part of upstream's `sumcheck_polys_eval` and
//! `fold_mle_evals` on those buffers: per AIR still in the sumcheck (round ≤ ñ) the
//! `constraint_eval_ext` interpreter evaluates the program at (x, y) for x = 1..=d and y over
//! the remaining hypercube, each variable the multilinear interpolation of its folded column,
//! batches the constraints with λ's powers and weights them by eq(ξ, y) (upstream's segment
//! tree `evals_eq_hypercubes`, computed on the host once and uploaded); `ext_column_sums` adds
//! over y; the round's polynomials of every AIR come back in one submission. An AIR whose
//! variables are exhausted contributes eq_ns · its batched constraints at the folded point
//! (evaluated once, on the device, at round ñ + 1) times the later challenges, as upstream's
//! `zerocheck_tilde_evals`. Folds use `ext_fold` into new chunks of half the height, one
//! dispatch per run of columns that one input chunk and one output chunk share.

use openvm_stark_backend::{
    poly_common::{eval_eq_mle, eval_eq_sharp_uni, eval_eq_uni},
    prover::poly::evals_eq_hypercubes,
};
use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuEncoder, GpuError};
use p3_field::{Field, PrimeCharacteristicRing, TwoAdicField};

use crate::{
    constraints::{
        device_program::{chained_cuts, constant_words, parts_per_group_within},
        EvalOptions, ProgramSplit,
    },
    error::WgpuProverError,
    field::{as_ext4s, as_words, ext_as_words, from_ext4s, Ext4, ExtBuffer, EF, F},
    kernels::{
        constraint_eval_ext::{self, ExtEval, FOLDED_BINDINGS},
        ext_column_sums::{self, Partials},
        ext_fold::{self, Columns},
        fold_ple::{self, FoldColumns},
    },
    logup_zerocheck::gkr_input::{beta_powers, logup_weights},
    logup_zerocheck::round0::{LogupChallenges, Round0Air},
    openings::stacked_reduction::lagrange_weights,
};

const OP: &str = "zerocheck_mle";

/// One AIR's folded columns on the device: upstream's `sels_per_trace[t]` and
/// `mat_evals_per_trace[t]`, column-major (`height` extension elements per column): three
/// selector columns (is_first_row, is_transition, is_last_row), then each matrix's columns in
/// upstream's `view_mats` order (preprocessed, cached partitions, common main, each followed by
/// its rotation when `needs_next`). Chunk k holds columns `k * columns_per_chunk ..` (whole
/// columns, each chunk within one storage binding; the last may hold fewer).
pub struct FoldedAir {
    pub chunks: Vec<ExtBuffer>,
    pub columns_per_chunk: usize,
    pub height: usize,
    /// Width of each matrix after the selectors.
    pub widths: Vec<usize>,
    pub needs_next: bool,
    /// ñ = max(log h - l_skip, 0): the AIR's multilinear variables.
    pub n_lift: usize,
}

impl FoldedAir {
    /// Columns in all (selectors included).
    pub fn columns(&self) -> usize {
        3 + self.widths.iter().sum::<usize>()
    }

    fn read_columns(&self, ctx: &GpuContext, start: usize, count: usize) -> Result<Vec<EF>, WgpuProverError> {
        let mut values = Vec::with_capacity(count * self.height);
        let src = ChunkedColumns { first: start, per_chunk: self.columns_per_chunk };
        for run in column_runs(count, src, ChunkedColumns::one_chunk(count)) {
            let first = run.src_column * self.height;
            values.extend(self.chunks[run.src_chunk].read_range(ctx, first..first + run.len * self.height)?);
        }
        Ok(from_ext4s(values)?)
    }

    /// The selectors, column-major (tests and debugging).
    pub fn read_sels(&self, ctx: &GpuContext) -> Result<Vec<EF>, WgpuProverError> {
        self.read_columns(ctx, 0, 3)
    }

    /// Matrix `i` (upstream's `mat_evals_per_trace[t][i]`), column-major.
    pub fn read_mat(&self, ctx: &GpuContext, i: usize) -> Result<Vec<EF>, WgpuProverError> {
        self.read_columns(ctx, 3 + self.widths[..i].iter().sum::<usize>(), self.widths[i])
    }
}

/// Whole folded columns of `height` extension elements per chunk: as many as one storage
/// binding holds (or `max_chunk_bytes`, when smaller), at most `columns`.
fn columns_per_chunk(ctx: &GpuContext, height: usize, columns: usize, max_chunk_bytes: Option<u64>) -> Result<usize, WgpuProverError> {
    let column_bytes = (size_of::<Ext4>() * height.max(1)) as u64;
    let available = max_chunk_bytes.map_or(ctx.limits.max_binding_bytes(), |cap| cap.min(ctx.limits.max_binding_bytes()));
    if column_bytes > available {
        return Err(
            GpuError::BufferTooLarge { op: format!("{OP}: a folded column of {height} rows"), needed: column_bytes, available }.into()
        );
    }
    Ok(((available / column_bytes) as usize).clamp(1, columns.max(1)))
}

/// Refuses `columns` folded columns of `height` rows that the multilinear rounds cannot read:
/// more chunks of whole columns than [`FOLDED_BINDINGS`].
fn check_folded_capacity(ctx: &GpuContext, height: usize, columns: usize, max_chunk_bytes: Option<u64>) -> Result<(), WgpuProverError> {
    let chunks = columns.div_ceil(columns_per_chunk(ctx, height, columns, max_chunk_bytes)?);
    if chunks > FOLDED_BINDINGS {
        return Err(GpuError::BufferTooLargeIn {
            op: format!("{OP}: folded columns of {height} x {columns}"),
            needed: (size_of::<Ext4>() * height * columns) as u64,
            available: ctx.limits.max_binding_bytes(),
            note: format!("; split over {chunks} buffers of whole columns, where the multilinear rounds bind at most {FOLDED_BINDINGS}"),
        }
        .into());
    }
    Ok(())
}

/// Whether an AIR whose trace has `height` rows and partitions of `partition_widths` (with
/// their rotations when `needs_next`) fits the multilinear rounds: checked on the proving
/// context before any GPU work.
pub fn check_air_fits(
    ctx: &GpuContext,
    l_skip: usize,
    height: usize,
    partition_widths: &[usize],
    needs_next: bool,
) -> Result<(), WgpuProverError> {
    let columns = 3 + partition_widths.iter().sum::<usize>() * (1 + needs_next as usize);
    check_folded_capacity(ctx, height.max(1 << l_skip) >> l_skip, columns, None)
}

/// Chunks for `columns` folded columns of `height` rows, `per_chunk` whole columns each.
fn alloc(ctx: &GpuContext, height: usize, columns: usize, per_chunk: usize) -> Result<Vec<ExtBuffer>, WgpuProverError> {
    (0..columns.div_ceil(per_chunk).max(1))
        .map(|k| Ok(ExtBuffer::uninit(ctx, OP, (height * per_chunk.min(columns - k * per_chunk)).max(1))?))
        .collect()
}

/// Consecutive columns that lie in one chunk of a source and one chunk of a destination: the
/// run's length, and its first column's chunk and column within that chunk on each side.
#[derive(Clone, Copy, Debug)]
struct ColumnRun {
    len: usize,
    src_chunk: usize,
    src_column: usize,
    dst_chunk: usize,
    dst_column: usize,
}

/// Columns from column `first` of a matrix split into chunks of `per_chunk` whole columns.
#[derive(Clone, Copy, Debug)]
struct ChunkedColumns {
    first: usize,
    per_chunk: usize,
}

impl ChunkedColumns {
    /// `count` columns in one chunk, from its start.
    fn one_chunk(count: usize) -> Self {
        ChunkedColumns { first: 0, per_chunk: count.max(1) }
    }
}

/// Splits `count` columns of `src` into `dst` into runs that cross no chunk boundary on either
/// side.
fn column_runs(count: usize, src: ChunkedColumns, dst: ChunkedColumns) -> Vec<ColumnRun> {
    let mut runs = Vec::new();
    let mut i = 0;
    let (sp, dp) = (src.per_chunk, dst.per_chunk);
    while i < count {
        let (s, d) = (src.first + i, dst.first + i);
        let len = (count - i).min(sp - s % sp).min(dp - d % dp);
        runs.push(ColumnRun { len, src_chunk: s / sp, src_column: s % sp, dst_chunk: d / dp, dst_column: d % dp });
        i += len;
    }
    runs
}

/// An AIR's folded columns before the fold: their height and the matrices' widths.
struct FoldedShape {
    /// `max(h, 2^l_skip) >> l_skip`.
    height: usize,
    /// The matrices' widths in upstream's `view_mats` order (each followed by its rotation's
    /// when the AIR reads next rows).
    widths: Vec<usize>,
}

impl FoldedShape {
    /// Columns in all (the three selectors included).
    fn columns(&self) -> usize {
        3 + self.widths.iter().sum::<usize>()
    }
}

/// An AIR's [`FoldedShape`], checking its trace partitions.
fn folded_shape(air: &Round0Air<'_>, l_skip: usize) -> Result<FoldedShape, WgpuProverError> {
    let height = air.height()?;
    if !height.is_power_of_two() {
        return Err(WgpuProverError::InvalidInput(format!("{OP}: trace height {height} is not a power of two")));
    }
    let needs_next = air.program.program.needs_next;
    let mut widths = Vec::new();
    for m in air.traces.preprocessed.into_iter().chain(air.traces.mains.iter().copied()) {
        if m.height != height {
            return Err(WgpuProverError::InvalidInput(format!("{OP}: a trace partition has {} rows where the AIR has {height}", m.height)));
        }
        widths.extend(std::iter::repeat_n(m.width, 1 + needs_next as usize));
    }
    Ok(FoldedShape { height: height.max(1 << l_skip) >> l_skip, widths })
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

/// Upstream's `LogupZerocheckCpu::fold_ple_evals(ctx, r_0)` on the device (the traces' part;
/// eq's factors are [`ZerocheckMle`]'s), for the AIRs of a proving context in its order: one
/// submission folds every trace matrix. Each AIR's chunks hold as many columns as one binding
/// (or `max_chunk_bytes`, when smaller) allows.
pub fn fold_ple_evals(
    ctx: &GpuContext,
    airs: &[Round0Air<'_>],
    l_skip: usize,
    r_0: EF,
    max_chunk_bytes: Option<u64>,
) -> Result<Vec<FoldedAir>, WgpuProverError> {
    let _span = tracing::info_span!("fold_ple_evals").entered();
    let w = lagrange_weights(l_skip, r_0);
    let weights = ExtBuffer::from_slice(ctx, OP, as_ext4s(&w))?;
    let mut enc = ctx.encoder(OP);
    let mut out = Vec::with_capacity(airs.len());
    for air in airs {
        let height = air.height()?;
        let needs_next = air.program.program.needs_next;
        let shape = folded_shape(air, l_skip)?;
        let (x_count, columns) = (shape.height, shape.columns());
        let per_chunk = columns_per_chunk(ctx, x_count, columns, max_chunk_bytes)?;
        let chunks = alloc(ctx, x_count, columns, per_chunk)?;
        let selectors = folded_selectors(l_skip, height, &w);
        for (sel, values) in selectors.chunks_exact(x_count).enumerate() {
            chunks[sel / per_chunk].write(ctx, (sel % per_chunk) * x_count, as_ext4s(values))?;
        }
        let mut column = 3;
        for m in air.traces.preprocessed.into_iter().chain(air.traces.mains.iter().copied()) {
            for rot in [false, true].into_iter().take(1 + needs_next as usize) {
                let (src, dst) = (ChunkedColumns { first: 0, per_chunk: m.columns_per_chunk }, ChunkedColumns { first: column, per_chunk });
                for run in column_runs(m.width, src, dst) {
                    let f = FoldColumns { columns: run.len, height, x_count, in_column: run.src_column, out_column: run.dst_column, rot };
                    fold_ple::record(ctx, &mut enc, &m.chunks[run.src_chunk], &weights, &chunks[run.dst_chunk], l_skip, f)?;
                }
                column += m.width;
            }
        }
        out.push(FoldedAir {
            chunks,
            columns_per_chunk: per_chunk,
            height: x_count,
            widths: shape.widths,
            needs_next,
            n_lift: (height.trailing_zeros() as usize).saturating_sub(l_skip),
        });
    }
    ctx.submit_and_wait(OP, enc)?;
    Ok(out)
}

/// The extension interpreter's loop budget for a program's instructions: the device's loop
/// limit less its other loop (x's Montgomery form, at most `degree + 1` steps).
fn ext_loop_budget(ctx: &GpuContext, degree: usize) -> u32 {
    ctx.limits.max_loop_iterations.saturating_sub(degree as u32 + 1).max(1)
}

/// How one AIR's program runs in the extension interpreter (see `ZerocheckMle::code`).
struct ExtCode<'p> {
    instructions: &'p GpuBuffer<u32>,
    part_base: usize,
    num_parts: usize,
    parts_per_group: usize,
    max_group_instructions: usize,
    chained: bool,
    num_slots: u32,
}

/// What the extension interpreter needs of one AIR, uploaded once in one buffer (`tables`):
/// words first (see [`ExtEval::tables`]), then extension elements.
struct AirTables {
    tables: GpuBuffer<u32>,
    const_base: usize,
    public_base: usize,
    target_base: usize,
    /// Where the unsplit and the split program's part starts are, in words, and the unsplit
    /// program's cuts into chained pieces within the interpreter's loop budget.
    unsplit_base: usize,
    split_base: usize,
    chained_base: usize,
    /// Where the weights start, in extension elements: λ's powers for the constraints, LogUp's
    /// weights for the interaction outputs, then the denominators' constant.
    weight_base: usize,
    /// Where upstream's `eq_xi_per_trace` starts, in extension elements:
    /// evals_eq_hypercubes(ñ, ξ[l_skip..l_skip + ñ] reversed).
    eq_base: usize,
    /// Whether LogUp's sums are computed (the AIR has interactions and LogUp is given).
    logup: bool,
    /// Upstream's `norm_factor`: 1 / (lifted height / height) for the numerators.
    norm: F,
}

/// Upstream's challenges the rounds after round 0 use: ξ (`LogupZerocheckCpu::xi`), λ (given
/// to `sumcheck_uni_round0_polys`), round 0's r_0 and LogUp's layout and β (None: the
/// zerocheck only; LogUp's polynomials are then zero).
#[derive(Clone, Copy, Debug)]
pub struct MleChallenges<'a> {
    pub xi: &'a [EF],
    pub lambda: EF,
    pub r_0: EF,
    pub logup: Option<LogupChallenges<'a>>,
}

/// Tuning of the rounds after round 0.
#[derive(Clone, Copy, Debug, Default)]
pub struct MleOptions {
    /// The constraint interpreter's options.
    pub eval: EvalOptions,
    /// Caps the bytes of each chunk of an AIR's folded columns (otherwise as many whole columns
    /// as one storage binding holds).
    pub max_chunk_bytes: Option<u64>,
}

/// A recorded fold and the buffers it reads, freed once its submission has completed.
struct PendingFold {
    encoder: GpuEncoder,
    inputs: Vec<ExtBuffer>,
}

impl PendingFold {
    /// The recorded fold to submit with more work, or a new encoder.
    fn take_or_new(pending: &mut Option<PendingFold>, ctx: &GpuContext) -> PendingFold {
        pending.take().unwrap_or_else(|| PendingFold { encoder: ctx.encoder(OP), inputs: Vec::new() })
    }
}

/// Where one AIR's sums of a round go: `num_x` values of x, `sums` sums per x (the zerocheck's,
/// and LogUp's numerator and denominator), from element `base` of the round's sums.
#[derive(Clone, Copy, Debug)]
struct AirRoundSums {
    num_x: usize,
    sums: usize,
    base: usize,
}

impl AirRoundSums {
    /// Sum `s` at the `x`-th value of x.
    fn at(&self, values: &[EF], x: usize, s: usize) -> EF {
        values[self.base + x * self.sums + s]
    }
}

/// Upstream's `LogupZerocheckCpu` after round 0, on the device.
pub struct ZerocheckMle<'a> {
    airs: Vec<&'a Round0Air<'a>>,
    tables: Vec<AirTables>,
    folded: Vec<FoldedAir>,
    l_skip: usize,
    xi: Vec<EF>,
    /// Upstream's `constraint_degree` (the maximum over the proving key): evaluations per round.
    sp_deg: usize,
    eq_ns: Vec<EF>,
    eq_sharp_ns: Vec<EF>,
    zerocheck_tilde_evals: Vec<EF>,
    logup_tilde_evals: Vec<[EF; 2]>,
    /// Per AIR, Σ_x eq(ξ, x) C_T(r_0, x) from the folded columns (round 1's values at 0 and 1,
    /// or the folded point): see [`ZerocheckMle::round0_consistency`].
    round1_sums: Option<Vec<EF>>,
    /// The last fold, recorded but not submitted: it goes with the next round's evaluation (one
    /// submission per round).
    pending_fold: Option<PendingFold>,
    options: EvalOptions,
    max_chunk_bytes: Option<u64>,
}

impl<'a> ZerocheckMle<'a> {
    /// After round 0 with challenge r_0: folds the traces ([`fold_ple_evals`]) and prepares the
    /// rounds, for upstream's ξ, λ, LogUp's challenges and `constraint_degree`
    /// (`pk.max_constraint_degree`).
    pub fn new(
        ctx: &GpuContext,
        airs: &'a [Round0Air<'a>],
        l_skip: usize,
        challenges: MleChallenges<'_>,
        constraint_degree: usize,
        options: MleOptions,
    ) -> Result<Self, WgpuProverError> {
        let MleChallenges { xi, lambda, r_0, logup } = challenges;
        let MleOptions { eval: options, max_chunk_bytes } = options;
        // The rounds read an AIR's folded columns from at most FOLDED_BINDINGS chunks; refused
        // before any work. Folds only halve the chunks' height, so later rounds need no more.
        for air in airs {
            let shape = folded_shape(air, l_skip)?;
            check_folded_capacity(ctx, shape.height, shape.columns(), max_chunk_bytes)?;
        }
        let folded = fold_ple_evals(ctx, airs, l_skip, r_0, max_chunk_bytes)?;
        let n_max = folded.iter().map(|f| f.n_lift).max().unwrap_or(0);
        if xi.len() < l_skip + n_max || xi.is_empty() {
            return Err(WgpuProverError::InvalidInput(format!("{OP}: xi has {} elements, the AIRs need {}", xi.len(), l_skip + n_max)));
        }
        let max_constraints = airs.iter().map(|a| a.program.program.num_constraints).max().unwrap_or(0);
        let lambda_pows: Vec<EF> = lambda.powers().take(max_constraints).collect();
        let beta_pows = logup.map(|l| beta_powers(airs.iter().map(|a| &a.program.program), l.beta));
        let mut tables = Vec::with_capacity(airs.len());
        for (t, (air, f)) in airs.iter().zip(&folded).enumerate() {
            let p = &air.program.program;
            // Partition table: partition 0 the preprocessed trace, 1 + i main partition i; each
            // its first folded column and its width (the rotation follows at + width).
            let mut values = Vec::new();
            let mut column = 3usize;
            let mats_per_part = 1 + f.needs_next as usize;
            let parts: Vec<Option<usize>> =
                std::iter::once(air.traces.preprocessed.map(|m| m.width)).chain(air.traces.mains.iter().map(|m| Some(m.width))).collect();
            for w in parts {
                match w {
                    Some(w) => {
                        values.extend([column as u32, w as u32]);
                        column += mats_per_part * w;
                    }
                    None => values.extend([0, 0]),
                }
            }
            if p.partition_columns.len() > values.len() / 2 {
                return Err(WgpuProverError::InvalidInput(format!("{OP}: the program reads a partition that was not given")));
            }
            let const_base = values.len();
            values.extend_from_slice(constant_words(p));
            let public_base = values.len();
            values.extend_from_slice(as_words(air.traces.public_values));
            let target_base = values.len();
            let mut weights = vec![EF::ZERO; p.num_outputs + 1];
            weights[..p.num_constraints].copy_from_slice(&lambda_pows[..p.num_constraints]);
            let air_logup = match (logup, &beta_pows) {
                (Some(l), Some(beta_pows)) if !p.interactions.is_empty() => {
                    let w = logup_weights(t, p, l.layout, xi, l_skip, f.n_lift, beta_pows)?;
                    let mut targets = vec![0u32; p.num_outputs - p.num_constraints];
                    for (sum, terms) in [(1, &w.numer), (2, &w.denom)] {
                        for t in terms {
                            weights[t.output as usize] = t.weight;
                            targets[t.output as usize - p.num_constraints] = sum;
                        }
                    }
                    weights[p.num_outputs] = w.constant;
                    values.extend(targets);
                    true
                }
                _ => false,
            };
            let unsplit_base = values.len();
            values.extend([0, p.instructions.len() as u32]);
            let split_base = values.len();
            values.extend_from_slice(&p.split.part_starts);
            let chained_base = values.len();
            values.extend(chained_cuts(p.instructions.len(), ext_loop_budget(ctx, constraint_degree)));
            let eq = evals_eq_hypercubes(f.n_lift, xi[l_skip..l_skip + f.n_lift].iter().rev());
            let lifted_by = 1usize << l_skip.saturating_sub(air.height()?.trailing_zeros() as usize);
            // The words end on an extension element's boundary.
            values.resize(values.len().next_multiple_of(4), 0);
            let weight_base = values.len() / 4;
            let eq_base = weight_base + weights.len();
            values.extend_from_slice(ext_as_words(&weights));
            values.extend_from_slice(ext_as_words(&eq));
            tables.push(AirTables {
                tables: GpuBuffer::from_slice(ctx, OP, &values)?,
                const_base,
                public_base,
                target_base,
                unsplit_base,
                split_base,
                chained_base,
                weight_base,
                eq_base,
                logup: air_logup,
                norm: F::from_usize(lifted_by).inverse(),
            });
        }
        let omega_skip_pows: Vec<F> = F::two_adic_generator(l_skip).powers().take(1 << l_skip).collect();
        Ok(Self {
            airs: airs.iter().collect(),
            tables,
            folded,
            l_skip,
            xi: xi.to_vec(),
            sp_deg: constraint_degree,
            eq_ns: vec![eval_eq_uni(l_skip, xi[0], r_0)],
            eq_sharp_ns: vec![eval_eq_sharp_uni(&omega_skip_pows, &xi[..l_skip], r_0)],
            zerocheck_tilde_evals: vec![EF::ZERO; airs.len()],
            logup_tilde_evals: vec![[EF::ZERO; 2]; airs.len()],
            round1_sums: None,
            pending_fold: None,
            options,
            max_chunk_bytes,
        })
    }

    /// The folded columns of every AIR (a recorded fold submitted first).
    pub fn folded(&mut self, ctx: &GpuContext) -> Result<&[FoldedAir], WgpuProverError> {
        self.flush(ctx)?;
        Ok(&self.folded)
    }

    /// Upstream's `eq_ns` and `eq_sharp_ns` so far (one more than the folds done).
    pub fn eq_factors(&self) -> (&[EF], &[EF]) {
        (&self.eq_ns, &self.eq_sharp_ns)
    }

    /// How the extension interpreter runs `air`'s program on `points` points: groups of
    /// consecutive parts when points are few (`DeviceConstraintProgram::parts_per_invocation`), else the whole
    /// program per point (the split one when it spills less, see
    /// `DeviceConstraintProgram::whole`); either within the interpreter's loop budget (smaller
    /// groups, the split program's parts, or as a last resort chained pieces).
    fn code<'p>(&self, ctx: &GpuContext, air: &'p Round0Air<'_>, tab: &AirTables, points: usize) -> ExtCode<'p> {
        let p = &air.program.program;
        let parts = p.split.parts();
        let budget = ext_loop_budget(ctx, self.sp_deg);
        let starts = &p.split.part_starts;
        let per_invocation = air.program.parts_per_invocation(self.options.split, &ctx.limits, points);
        let split = |k: usize| {
            let longest = (0..parts).step_by(k).map(|f| (starts[(f + k).min(parts)] - starts[f]) as usize).max().unwrap_or(0);
            ExtCode {
                instructions: air.program.split_instructions(),
                part_base: tab.split_base,
                num_parts: parts,
                parts_per_group: k,
                max_group_instructions: longest,
                chained: false,
                num_slots: p.split.num_slots,
            }
        };
        let whole = |want: usize| {
            let spills = |slots| constraint_eval_ext::geometry(&ctx.limits, slots, self.options).spill_slots > 0;
            let code = air.program.whole(self.options.split, spills);
            if code.len <= budget as usize {
                let (base, num_parts) = if code.split { (tab.split_base, parts) } else { (tab.unsplit_base, 1) };
                return Some(ExtCode {
                    instructions: code.buffer,
                    part_base: base,
                    num_parts,
                    parts_per_group: num_parts,
                    max_group_instructions: code.len,
                    chained: false,
                    num_slots: code.slots,
                });
            }
            (self.options.split != ProgramSplit::Unsplit).then(|| parts_per_group_within(starts, want, budget).map(split)).flatten()
        };
        let planned = match per_invocation {
            Some(k) => parts_per_group_within(starts, k as usize, budget).map(split),
            None => whole(parts),
        };
        planned.unwrap_or_else(|| {
            // A part longer than the budget: the unsplit program in chained pieces.
            let cuts = chained_cuts(p.instructions.len(), budget);
            let longest = cuts.windows(2).map(|w| (w[1] - w[0]) as usize).max().unwrap_or(0);
            ExtCode {
                instructions: air.program.unsplit_instructions(),
                part_base: tab.chained_base,
                num_parts: cuts.len() - 1,
                parts_per_group: 1,
                max_group_instructions: longest,
                chained: true,
                num_slots: p.num_slots,
            }
        })
    }

    /// Upstream's `sumcheck_polys_eval(round, r_prev)`: `3 * airs` polynomials, per AIR LogUp's
    /// numerator and denominator, then per AIR the zerocheck's; each at 1..=d, or one value
    /// for an AIR whose variables are exhausted (LogUp's of an AIR without interactions are d
    /// zeros, as upstream). One submission and one read-back. Round 1 also evaluates x = 0,
    /// for [`ZerocheckMle::round0_consistency`].
    pub fn sumcheck_polys_eval(&mut self, ctx: &GpuContext, round: usize, r_prev: EF) -> Result<Vec<Vec<EF>>, WgpuProverError> {
        if round == 0 || round > self.eq_ns.len() {
            return Err(WgpuProverError::InvalidInput(format!("{OP}: round {round} after {} folds", self.eq_ns.len() - 1)));
        }
        let eq_r_acc = *self.eq_ns.last().expect("eq_ns starts with eq_r0");
        let eq_sharp_r_acc = *self.eq_sharp_ns.last().expect("eq_sharp_ns starts with eq_sharp_r0");
        let d = self.sp_deg;
        let x_first = usize::from(round != 1);
        // Per AIR: where its sums go, or None for multiplied tilde values.
        let mut plan: Vec<Option<AirRoundSums>> = Vec::with_capacity(self.airs.len());
        let mut total = 0;
        for (t, f) in self.folded.iter().enumerate() {
            let sums = if self.tables[t].logup { 3 } else { 1 };
            let num_x = if round <= f.n_lift {
                d + 1 - x_first
            } else if round == f.n_lift + 1 {
                1
            } else {
                self.zerocheck_tilde_evals[t] *= r_prev;
                for v in &mut self.logup_tilde_evals[t] {
                    *v *= r_prev;
                }
                plan.push(None);
                continue;
            };
            plan.push(Some(AirRoundSums { num_x, sums, base: total }));
            total += num_x * sums;
        }
        // Every sum in 0..total is written by its AIR's ext_column_sums.
        let sums_buf = ExtBuffer::uninit(ctx, OP, total.max(1))?;
        let PendingFold { encoder: mut enc, inputs: mut keep } = PendingFold::take_or_new(&mut self.pending_fold, ctx);
        for (t, step) in plan.iter().enumerate() {
            let Some(AirRoundSums { num_x, sums, base }) = *step else { continue };
            let (f, air, tab) = (&self.folded[t], self.airs[t], &self.tables[t]);
            let exhausted = round > f.n_lift;
            let num_y = if exhausted { 1 } else { 1usize << (f.n_lift - round) };
            let p = &air.program.program;
            let code = self.code(ctx, air, tab, num_x * num_y);
            let e = ExtEval {
                instructions: code.instructions,
                part_base: code.part_base,
                num_parts: code.num_parts,
                parts_per_group: code.parts_per_group,
                max_group_instructions: code.max_group_instructions,
                chained: code.chained,
                num_slots: code.num_slots,
                num_constraints: p.num_constraints,
                tables: &tab.tables,
                const_base: tab.const_base,
                public_base: tab.public_base,
                target_base: tab.target_base,
                weight_base: tab.weight_base,
                // evals_eq_hypercubes' segment for num_y points starts at num_y - 1.
                eq_base: tab.eq_base + num_y - 1,
                num_outputs: p.num_outputs,
                folded: &f.chunks,
                columns_per_chunk: f.columns_per_chunk,
                height: f.height,
                logup: tab.logup,
                num_x,
                x_first: if exhausted { 0 } else { x_first },
                num_y,
            };
            let partials = ExtBuffer::uninit(ctx, OP, num_x * sums * num_y * e.groups())?;
            keep.push(constraint_eval_ext::record(ctx, &mut enc, &e, &partials, self.options)?);
            let rows = Partials { buffer: &partials, base: 0, rows: num_y * e.groups(), columns: num_x * sums };
            ext_column_sums::record(ctx, &mut enc, &rows, &sums_buf, base)?;
            keep.push(partials);
        }
        // With nothing to read (total 0) this still submits the work.
        let values = from_ext4s(sums_buf.submit_and_read(ctx, OP, enc, 0..total)?)?;
        drop(keep);
        let mut round1_sums = Vec::new();
        let mut logup_polys = Vec::with_capacity(2 * plan.len());
        let mut zerocheck_polys = Vec::with_capacity(plan.len());
        for (t, step) in plan.iter().enumerate() {
            let tab = &self.tables[t];
            let at = |x: usize, s: usize| step.expect("planned").at(&values, x, s);
            let (zc, logup) = match *step {
                Some(AirRoundSums { num_x, .. }) if round <= self.folded[t].n_lift => {
                    if round == 1 {
                        let xi = self.xi[self.l_skip];
                        round1_sums.push((EF::ONE - xi) * at(0, 0) + xi * at(1, 0));
                    }
                    let xs = x_first.max(1) - x_first..num_x;
                    let zc = xs.clone().map(|x| at(x, 0)).collect();
                    let logup = tab.logup.then(|| [xs.clone().map(|x| at(x, 1) * tab.norm).collect(), xs.map(|x| at(x, 2)).collect()]);
                    (zc, logup)
                }
                Some(_) => {
                    if round == 1 {
                        round1_sums.push(at(0, 0));
                    }
                    self.zerocheck_tilde_evals[t] = eq_r_acc * at(0, 0);
                    if tab.logup {
                        self.logup_tilde_evals[t] = [eq_sharp_r_acc * at(0, 1) * tab.norm, eq_sharp_r_acc * at(0, 2)];
                    }
                    (vec![self.zerocheck_tilde_evals[t]], tab.logup.then(|| self.logup_tilde_evals[t].map(|v| vec![v])))
                }
                None => (vec![self.zerocheck_tilde_evals[t]], tab.logup.then(|| self.logup_tilde_evals[t].map(|v| vec![v]))),
            };
            logup_polys.extend(logup.unwrap_or_else(|| [vec![EF::ZERO; d], vec![EF::ZERO; d]]));
            zerocheck_polys.push(zc);
        }
        if round == 1 {
            self.round1_sums = Some(round1_sums);
        }
        logup_polys.extend(zerocheck_polys);
        Ok(logup_polys)
    }

    /// Whether each AIR's folded columns agree with its round-0 zerocheck polynomial
    /// `s'_{0,T}` (upstream's `sumcheck_uni_round0_polys`, evaluated at r_0 by the caller):
    /// round 1 gives Σ_x eq(ξ, x) C_T(r_0, x) over the hypercube exactly, while round 0 divided
    /// by the vanishing polynomial, which is exact only when C_T vanishes on every row. So a
    /// trace that violates a constraint disagrees here except with negligible probability.
    /// Runs round 1's evaluation (without changing the rounds' state) if it has not run yet.
    pub fn round0_consistency(&mut self, ctx: &GpuContext, s0_at_r0: &[EF]) -> Result<Vec<bool>, WgpuProverError> {
        if self.round1_sums.is_none() {
            let (zc, lu) = (self.zerocheck_tilde_evals.clone(), self.logup_tilde_evals.clone());
            self.sumcheck_polys_eval(ctx, 1, EF::ZERO)?;
            (self.zerocheck_tilde_evals, self.logup_tilde_evals) = (zc, lu);
        }
        let sums = self.round1_sums.as_ref().expect("round 1 evaluated");
        if s0_at_r0.len() != sums.len() {
            return Err(WgpuProverError::InvalidInput(format!("{OP}: {} round-0 values for {} AIRs", s0_at_r0.len(), sums.len())));
        }
        Ok(sums.iter().zip(s0_at_r0).map(|(a, b)| a == b).collect())
    }

    /// Upstream's `fold_mle_evals(round, r_round)`: folds every AIR's columns of more than one
    /// row at r_round and extends eq's products. The folds are recorded and submitted with the
    /// next round's evaluation (or the column openings).
    pub fn fold_mle_evals(&mut self, ctx: &GpuContext, round: usize, r_round: EF) -> Result<(), WgpuProverError> {
        if round == 0 || round != self.eq_ns.len() || self.l_skip + round > self.xi.len() || self.pending_fold.is_some() {
            return Err(WgpuProverError::InvalidInput(format!("{OP}: fold of round {round} after {} folds", self.eq_ns.len() - 1)));
        }
        let mut enc = ctx.encoder(OP);
        let mut old = Vec::new();
        for f in &mut self.folded {
            if f.height <= 1 {
                continue;
            }
            let (columns, half) = (f.columns(), f.height / 2);
            // Half the height: as many columns per chunk or more, so no more chunks.
            let per_chunk = columns_per_chunk(ctx, half, columns, self.max_chunk_bytes)?;
            let next = alloc(ctx, half, columns, per_chunk)?;
            let (src, dst) = (ChunkedColumns { first: 0, per_chunk: f.columns_per_chunk }, ChunkedColumns { first: 0, per_chunk });
            for run in column_runs(columns, src, dst) {
                ext_fold::record(
                    ctx,
                    &mut enc,
                    (&f.chunks[run.src_chunk], Columns::col_major(run.src_column * f.height, f.height)),
                    (&next[run.dst_chunk], Columns::col_major(run.dst_column * half, half)),
                    run.len,
                    half,
                    r_round,
                )?;
            }
            old.extend(std::mem::replace(&mut f.chunks, next));
            f.columns_per_chunk = per_chunk;
            f.height = half;
        }
        self.pending_fold = Some(PendingFold { encoder: enc, inputs: old });
        let xi = self.xi[self.l_skip + round - 1];
        let eq_r = eval_eq_mle(&[xi], &[r_round]);
        self.eq_ns.push(self.eq_ns[round - 1] * eq_r);
        self.eq_sharp_ns.push(self.eq_sharp_ns[round - 1] * eq_r);
        Ok(())
    }

    /// Submits a recorded fold (before the folded columns are read some other way).
    pub fn flush(&mut self, ctx: &GpuContext) -> Result<(), WgpuProverError> {
        if let Some(PendingFold { encoder, inputs }) = self.pending_fold.take() {
            ctx.submit_and_wait(OP, encoder)?;
            drop(inputs);
        }
        Ok(())
    }

    /// Upstream's `into_column_openings` after the last fold (every folded column one row):
    /// per AIR, per part (the common main first, then the preprocessed trace and the cached
    /// partitions), the columns' values, each followed by its rotation's when the AIR reads
    /// next rows. One submission and one read-back for all AIRs.
    pub fn column_openings(&mut self, ctx: &GpuContext) -> Result<Vec<Vec<Vec<EF>>>, WgpuProverError> {
        if let Some(f) = self.folded.iter().find(|f| f.height != 1) {
            return Err(WgpuProverError::InvalidInput(format!("{OP}: column openings with {} rows left to fold", f.height)));
        }
        let total: usize = self.folded.iter().map(|f| f.columns() - 3).sum();
        let out = ExtBuffer::uninit(ctx, OP, total.max(1))?;
        let PendingFold { encoder: mut enc, inputs: old } = PendingFold::take_or_new(&mut self.pending_fold, ctx);
        let mut at = 0;
        for f in &self.folded {
            // One row per column: a run of columns is a run of elements.
            let src = ChunkedColumns { first: 3, per_chunk: f.columns_per_chunk };
            for run in column_runs(f.columns() - 3, src, ChunkedColumns { first: at, per_chunk: total.max(1) }) {
                let chunk = &f.chunks[run.src_chunk];
                ctx.scoped(OP, || chunk.record_copy(&mut enc, run.src_column, &out, run.dst_column, run.len))?;
            }
            at += f.columns() - 3;
        }
        // With nothing to read (total 0) this still submits the work.
        let values = from_ext4s(out.submit_and_read(ctx, OP, enc, 0..total)?)?;
        drop(old);
        let mut rest = &values[..];
        let mut openings = Vec::with_capacity(self.folded.len());
        for f in &self.folded {
            // The matrices in upstream's view_mats order; with rotations paired as (m, m_rot).
            let mut mats: Vec<&[EF]> = Vec::with_capacity(f.widths.len());
            for &w in &f.widths {
                let (m, r) = rest.split_at(w);
                mats.push(m);
                rest = r;
            }
            let per_part = 1 + f.needs_next as usize;
            let mut parts: Vec<Vec<EF>> = mats
                .chunks_exact(per_part)
                .map(|pair| match pair {
                    [m, rot] => m.iter().zip(*rot).flat_map(|(&c, &r)| [c, r]).collect(),
                    [m] => m.to_vec(),
                    _ => unreachable!("chunks of one or two"),
                })
                .collect();
            // The common main is the last part; upstream puts it first.
            if let Some(common) = parts.pop() {
                parts.insert(0, common);
            }
            openings.push(parts);
        }
        Ok(openings)
    }
}

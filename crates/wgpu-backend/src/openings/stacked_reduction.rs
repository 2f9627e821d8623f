//! `prover.openings.stacked_reduction` on the GPU: the batch sumcheck that reduces the column
//! (and next-row rotation) opening claims of every committed trace to openings of the stacked
//! matrices' columns, matching upstream's `prove_stacked_opening_reduction` value for value.
//!
//! The stacked matrices stay where the commitment left them. Round 0 (univariate skip) sums each
//! height's trace columns on the skip domain D against the eq table; the host turns those
//! 3 * |D| values per height into s_0 (field arithmetic is exact, so this equals upstream's
//! per-row evaluation). The fold at u_0 turns the stacked columns into extension-field
//! multilinear evaluations, which the n_stack multilinear rounds fold in place on the device.
//! Per round one submission runs the previous fold and the round's sums, and two extension
//! elements come back; at the end the folded columns (one value each) are the stacked openings.
//!
//! [`StackedReductionGpu`] has the steps of upstream's `StackedReductionProver`
//! (`StackedReductionCpu`): `new`, `batch_sumcheck_uni_round0_poly`, `fold_ple_evals`,
//! `batch_sumcheck_poly_eval`, `fold_mle_evals`, `into_stacked_openings`. A fold is recorded
//! when its challenge is known and submitted with the next round's sums (or the openings).

use std::ops::Range;

use openvm_stark_backend::{
    poly_common::{eval_eq_uni, eval_eq_uni_at_one, eval_in_uni, UnivariatePoly},
    proof::StackingProof,
    prover::sumcheck::sumcheck_round0_deg,
    FiatShamirTranscript,
};
use openvm_wgpu_common::{kernel::require, limits::items_per_invocation_looping, GpuBuffer, GpuContext, GpuEncoder, GpuError, GpuResult};
use p3_field::{Field, PrimeCharacteristicRing, TwoAdicField};
use p3_matrix::dense::RowMajorMatrix;
use tracing::info_span;

use crate::{
    commit::stacked_pcs::StackedPcsData,
    device::SC,
    error::WgpuProverError,
    field::{as_ext4s, from_ext4s, Ext4, ExtBuffer, EF, F},
    kernels::{
        eq_table,
        ext_column_sums::{self, Partials},
        ext_fold::{self, Columns},
        fold_ple::{self, FoldColumns},
        stacked_reduction_mle_round::{self, MleRoundBuffers, MleRoundUnit},
        stacked_reduction_rotation::{self, RotationScales, RotationTables},
        stacked_reduction_round0::{self, Round0Unit, ViewRecord},
    },
};

const OP: &str = "stacked_reduction";

/// A trace column as the reduction sees it: where it lies in which stacked matrix, and λ's
/// powers for its claims.
#[derive(Clone, Copy, Debug)]
struct View {
    commit: usize,
    col: usize,
    row_idx: usize,
    log_height: usize,
    /// Index of the view's height table.
    table: usize,
    /// λ^(2k) for the column claim of view k, λ^(2k+1) for its rotation claim (zero without one).
    lambda: EF,
    lambda_rot: EF,
}

/// The eq (and, after round 0, rotation) table of one trace height.
#[derive(Clone, Copy, Debug)]
struct HeightTable {
    log_height: usize,
    n_lift: usize,
    base: usize,
    /// Which of the two table buffers holds the current values.
    current: usize,
}

/// What consecutive views must share to be one dispatch: commitment, chunk and height table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct RunKey {
    commit: usize,
    chunk: usize,
    table: usize,
}

/// A run of consecutive views (`views`) of one commitment, height and chunk.
#[derive(Clone, Debug)]
struct Run {
    key: RunKey,
    views: Range<usize>,
}

/// The folded stacked matrix of one commitment: extension elements, in two sets of chunks that
/// the rounds fold into each other (set 0 has columns 2^n_stack apart, set 1 half that).
struct Folded {
    columns_per_chunk: usize,
    chunk_columns: Vec<usize>,
    sets: [Vec<ExtBuffer>; 2],
    strides: [usize; 2],
}

impl Folded {
    /// Chunks of as many folded columns of `q_height` elements as a binding holds, for a
    /// stacked matrix of `width` columns.
    fn alloc(ctx: &GpuContext, width: usize, q_height: usize) -> GpuResult<Self> {
        let column_bytes = (size_of::<Ext4>() * q_height) as u64;
        let binding = ctx.limits.max_binding_bytes();
        if column_bytes > binding {
            return Err(GpuError::BufferTooLarge { op: format!("{OP}: a folded column"), needed: column_bytes, available: binding });
        }
        let per = ((binding / column_bytes) as usize).clamp(1, width.max(1));
        let chunk_columns: Vec<usize> = (0..width.div_ceil(per)).map(|k| per.min(width - k * per)).collect();
        let mut sets: [Vec<ExtBuffer>; 2] = [Vec::new(), Vec::new()];
        for (s, set) in sets.iter_mut().enumerate() {
            for &cols in &chunk_columns {
                set.push(ExtBuffer::uninit(ctx, OP, cols * (q_height >> s).max(1))?);
            }
        }
        Ok(Folded { columns_per_chunk: per, chunk_columns, sets, strides: [q_height, (q_height / 2).max(1)] })
    }
}

/// Views per slab and slabs for a run of views, within an invocation's loop limit
/// (`kernels::stacked_reduction_round0::loop_iterations`).
#[derive(Clone, Copy, Debug)]
struct Slabs {
    views_per_slab: usize,
    count: usize,
}

impl Slabs {
    /// The slabs of a run of `views` views over `rows` rows each.
    fn of(ctx: &GpuContext, views: usize, rows: usize) -> Self {
        use crate::kernels::stacked_reduction_round0::{LOOPS_BESIDES_VIEWS, LOOPS_PER_VIEW};
        let per = items_per_invocation_looping(&ctx.limits, (views * rows) as u64, LOOPS_PER_VIEW, LOOPS_BESIDES_VIEWS);
        let per = (per as usize).clamp(1, views.max(1));
        Slabs { views_per_slab: per, count: views.div_ceil(per) }
    }
}

/// Round 0's dispatch for one run of views.
struct Round0Job {
    key: RunKey,
    unit: Round0Unit,
}

/// Round 0's dispatches, grouped by height table; the partial rows each table's dispatches
/// write (one dispatch's rows follow the previous one's), and the rows in all.
struct Round0Plan {
    jobs: Vec<Round0Job>,
    rows_of_table: Vec<Range<usize>>,
    rows: usize,
}

/// A multilinear round's dispatch for one run of views, reading table set `table_set`.
struct MleRoundJob {
    key: RunKey,
    unit: MleRoundUnit,
    table_set: usize,
}

/// A multilinear round's dispatches, each writing its partials after the previous one's, and
/// the partials in all.
struct MleRoundPlan {
    jobs: Vec<MleRoundJob>,
    rows: usize,
}

/// Splits `views` into maximal runs with the same key.
fn runs(views: &[View], key: impl Fn(&View) -> RunKey) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    for (i, v) in views.iter().enumerate() {
        let k = key(v);
        match out.last_mut() {
            Some(r) if r.key == k => r.views.end = i + 1,
            _ => out.push(Run { key: k, views: i..i + 1 }),
        }
    }
    out
}

/// The Lagrange basis of the skip domain D = <omega>, |D| = 2^l, at `z`.
pub(crate) fn lagrange_weights(l: usize, z: EF) -> Vec<EF> {
    let n = 1usize << l;
    let omega = F::two_adic_generator(l);
    let points: Vec<F> = omega.powers().take(n).collect();
    if let Some(k) = points.iter().position(|&p| EF::from(p) == z) {
        return (0..n).map(|i| if i == k { EF::ONE } else { EF::ZERO }).collect();
    }
    // L_i(z) = (z^n - 1) / n * omega^i / (z - omega^i)
    let common = (z.exp_power_of_2(l) - EF::ONE) * F::from_usize(n).inverse();
    points.iter().map(|&p| common * p * (z - p).inverse()).collect()
}

/// `prove_stacked_opening_reduction` for commitments on the device: `commits[0]` is the common
/// main commitment, then each AIR's preprocessed and cached ones, with `need_rot_per_commit` as
/// upstream orders them. Returns the proof and u = (u_0, ..., u_{n_stack}). The transcript's
/// order is upstream's: λ, s_0, u_0, each round's evaluations and challenge, the openings.
pub fn prove_stacked_opening_reduction<TS: FiatShamirTranscript<SC>>(
    ctx: &GpuContext,
    transcript: &mut TS,
    l_skip: usize,
    n_stack: usize,
    commits: &[&StackedPcsData],
    need_rot_per_commit: &[Vec<bool>],
    r: &[EF],
) -> Result<(StackingProof<SC>, Vec<EF>), WgpuProverError> {
    let _span = info_span!("prover.openings.stacked_reduction").entered();
    let lambda = transcript.sample_ext();
    let mut prover = StackedReductionGpu::new(ctx, l_skip, n_stack, commits, need_rot_per_commit, r, lambda)?;
    let s_0 = prover.batch_sumcheck_uni_round0_poly()?;
    for &coeff in s_0.coeffs() {
        transcript.observe_ext(coeff);
    }
    let u_0 = transcript.sample_ext();
    let mut u_vec = vec![u_0];
    prover.fold_ple_evals(u_0)?;

    let mut sumcheck_round_polys = Vec::with_capacity(n_stack);
    {
        let _span = info_span!("prover.openings.stacked_reduction.mle_rounds").entered();
        for round in 1..=n_stack {
            let evals = prover.batch_sumcheck_poly_eval(round)?;
            for &e in &evals {
                transcript.observe_ext(e);
            }
            sumcheck_round_polys.push(evals);
            let u = transcript.sample_ext();
            u_vec.push(u);
            prover.fold_mle_evals(round, u)?;
        }
    }
    let stacking_openings = prover.into_stacked_openings()?;
    for claims in &stacking_openings {
        for &claim in claims {
            transcript.observe_ext(claim);
        }
    }
    let proof = StackingProof { univariate_round_coeffs: s_0.coeffs().to_vec(), sumcheck_round_polys, stacking_openings };
    Ok((proof, u_vec))
}

/// Refuses commitments of the wrong stacked height, rotation flags that do not match the
/// traces, and a point r too short for the tallest trace.
fn check_inputs(
    l_skip: usize,
    n_stack: usize,
    commits: &[&StackedPcsData],
    need_rot_per_commit: &[Vec<bool>],
    r: &[EF],
) -> Result<(), WgpuProverError> {
    let height = 1usize << (l_skip + n_stack);
    require(OP, !r.is_empty(), || "r has no values".into())?;
    for (c, d) in commits.iter().enumerate() {
        require(OP, d.matrix.height == height, || {
            format!("commitment {c} has stacked height {}, expected 2^(l_skip + n_stack) = {height}", d.matrix.height)
        })?;
        require(OP, need_rot_per_commit.get(c).is_some_and(|n| n.len() == d.layout.mat_starts.len()), || {
            format!("commitment {c}: rotation flags do not match its {} traces", d.layout.mat_starts.len())
        })?;
        for (_, _, slice) in &d.layout.sorted_cols {
            require(OP, slice.log_height().saturating_sub(l_skip) < r.len(), || format!("r has {} values, a trace needs more", r.len()))?;
        }
    }
    Ok(())
}

/// The views of every commitment in upstream's order, with λ^(2k) for the column claim and
/// λ^(2k+1) for the rotation claim of view k, and one eq table per height (`View::table`).
fn views_and_tables(
    l_skip: usize,
    commits: &[&StackedPcsData],
    need_rot_per_commit: &[Vec<bool>],
    lambda: EF,
) -> (Vec<View>, Vec<HeightTable>) {
    let mut views = Vec::new();
    let mut lambda_pow = EF::ONE;
    for (c, d) in commits.iter().enumerate() {
        for &(mat_idx, _, slice) in &d.layout.sorted_cols {
            let lambda_rot = if need_rot_per_commit[c][mat_idx] { lambda_pow * lambda } else { EF::ZERO };
            let log_height = slice.log_height();
            views.push(View {
                commit: c,
                col: slice.col_idx,
                row_idx: slice.row_idx,
                log_height,
                table: 0,
                lambda: lambda_pow,
                lambda_rot,
            });
            lambda_pow *= lambda.square();
        }
    }
    let mut tables: Vec<HeightTable> = Vec::new();
    for v in views.iter_mut() {
        v.table = match tables.iter().position(|t| t.log_height == v.log_height) {
            Some(i) => i,
            None => {
                let n_lift = v.log_height.saturating_sub(l_skip);
                let base = tables.last().map_or(0, |t| t.base + (1 << t.n_lift));
                tables.push(HeightTable { log_height: v.log_height, n_lift, base, current: 0 });
                tables.len() - 1
            }
        };
    }
    (views, tables)
}

/// The views as the round kernels read them.
fn view_records(commits: &[&StackedPcsData], folded: &[Folded], views: &[View]) -> Vec<ViewRecord> {
    let records = views.iter().map(|v| {
        let m = &commits[v.commit].matrix;
        ViewRecord {
            stacked_offset: ((v.col % m.columns_per_chunk) * m.height + v.row_idx) as u32,
            folded_column: (v.col % folded[v.commit].columns_per_chunk) as u32,
            row: v.row_idx as u32,
            log_height: v.log_height as u32,
            lambda: v.lambda.into(),
            lambda_rot: v.lambda_rot.into(),
            _pad: [0; 4],
        }
    });
    // No views still binds one record.
    records.chain(views.is_empty().then(ViewRecord::default)).collect()
}

/// Upstream's `StackedReductionCpu` on the device: the eq and rotation tables, the folded
/// matrices and the round buffers of one reduction.
pub struct StackedReductionGpu<'a> {
    ctx: &'a GpuContext,
    l_skip: usize,
    n_stack: usize,
    r_0: EF,
    commits: &'a [&'a StackedPcsData],
    views: Vec<View>,
    tables: Vec<HeightTable>,
    view_buf: GpuBuffer<ViewRecord>,
    /// The tables of every height, in two sets used in turn (`HeightTable::current`).
    eq: [ExtBuffer; 2],
    rot: [ExtBuffer; 2],
    /// r, from which round 0's eq tables are built.
    points: ExtBuffer,
    /// u_1, ..., u_{n_stack} in slots 1.., read by the multilinear rounds.
    challenges: ExtBuffer,
    folded: Vec<Folded>,
    /// Which set of every folded matrix holds the current values.
    current: usize,
    /// A multilinear round's two sums, and its partials (grown when a round needs more).
    sums: ExtBuffer,
    partials: ExtBuffer,
    /// Work recorded for the next submission: the last fold.
    enc: GpuEncoder,
    /// One value per stacked column, written by the last fold.
    openings: Option<Vec<ExtBuffer>>,
}

impl<'a> StackedReductionGpu<'a> {
    /// The views in upstream's order, one eq table per height, the folded matrices and every
    /// buffer the rounds use. Bad inputs are refused before any GPU work.
    pub fn new(
        ctx: &'a GpuContext,
        l_skip: usize,
        n_stack: usize,
        commits: &'a [&'a StackedPcsData],
        need_rot_per_commit: &[Vec<bool>],
        r: &[EF],
        lambda: EF,
    ) -> Result<Self, WgpuProverError> {
        check_inputs(l_skip, n_stack, commits, need_rot_per_commit, r)?;
        let (views, tables) = views_and_tables(l_skip, commits, need_rot_per_commit, lambda);
        let table_len = tables.last().map_or(1, |t| t.base + (1 << t.n_lift)).max(1);
        let table = || ExtBuffer::zeroed(ctx, OP, table_len);
        let (eq, rot) = ([table()?, table()?], [table()?, table()?]);
        let points = ExtBuffer::from_slice(ctx, OP, as_ext4s(r))?;
        let challenges = ExtBuffer::zeroed(ctx, OP, n_stack + 1)?;
        let q_height = 1usize << n_stack;
        let folded: Vec<Folded> = commits.iter().map(|d| Folded::alloc(ctx, d.matrix.width, q_height)).collect::<GpuResult<_>>()?;
        let view_buf = GpuBuffer::from_slice(ctx, OP, &view_records(commits, &folded, &views))?;
        Ok(StackedReductionGpu {
            ctx,
            l_skip,
            n_stack,
            r_0: r[0],
            commits,
            views,
            tables,
            view_buf,
            eq,
            rot,
            points,
            challenges,
            folded,
            current: 0,
            sums: ExtBuffer::zeroed(ctx, OP, 2)?,
            partials: ExtBuffer::uninit(ctx, OP, 2)?,
            enc: ctx.encoder(OP),
            openings: None,
        })
    }

    /// Round 0's dispatches: one per run of views in one stacked chunk and height.
    fn round0_plan(&self) -> GpuResult<Round0Plan> {
        let (ctx, l_skip, domain) = (self.ctx, self.l_skip, 1usize << self.l_skip);
        let mut units = runs(&self.views, |v| RunKey {
            commit: v.commit,
            chunk: v.col / self.commits[v.commit].matrix.columns_per_chunk,
            table: v.table,
        });
        units.sort_by_key(|u| u.key.table);
        let mut jobs = Vec::with_capacity(units.len());
        let mut rows_of_table = vec![0..0; self.tables.len()];
        let mut next_row = 0;
        for (i, u) in units.iter().enumerate() {
            let t = &self.tables[u.key.table];
            let x_count = 1usize << t.n_lift;
            let slabs = Slabs::of(ctx, u.views.len(), x_count * domain);
            let unit = Round0Unit {
                view_begin: u.views.start,
                view_end: u.views.end,
                views_per_slab: slabs.views_per_slab,
                slabs: slabs.count,
                log_skip: l_skip,
                x_count,
                eq_base: t.base,
                partial_row_base: next_row,
            };
            if i == 0 || units[i - 1].key.table != u.key.table {
                rows_of_table[u.key.table].start = next_row;
            }
            next_row += stacked_reduction_round0::split(ctx, l_skip, x_count * slabs.count)?.2;
            rows_of_table[u.key.table].end = next_row;
            jobs.push(Round0Job { key: u.key, unit });
        }
        Ok(Round0Plan { jobs, rows_of_table, rows: next_row })
    }

    /// Upstream's `batch_sumcheck_uni_round0_poly`: the eq tables of every height from r[1..],
    /// each height's sums A, B, C on the skip domain in one submission, and s_0 from them.
    pub fn batch_sumcheck_uni_round0_poly(&mut self) -> Result<UnivariatePoly<EF>, WgpuProverError> {
        let _span = info_span!("prover.openings.stacked_reduction.round0").entered();
        let (ctx, domain) = (self.ctx, 1usize << self.l_skip);
        let mut enc = std::mem::replace(&mut self.enc, ctx.encoder(OP));
        let eq_scratch = eq_table::scratch(ctx, OP, self.tables.iter().map(|t| t.n_lift).max().unwrap_or(0))?;
        for t in &self.tables {
            eq_table::record(ctx, &mut enc, &self.points, 1, t.n_lift, &self.eq[0], t.base, &eq_scratch)?;
        }
        let plan = self.round0_plan()?;
        let partials = ExtBuffer::uninit(ctx, OP, 3 * domain * plan.rows.max(1))?;
        let sums = ExtBuffer::zeroed(ctx, OP, 3 * domain * self.tables.len().max(1))?;
        for job in &plan.jobs {
            let chunk = &self.commits[job.key.commit].matrix.chunks[job.key.chunk];
            stacked_reduction_round0::record(ctx, &mut enc, &job.unit, chunk, &self.view_buf, &self.eq[0], &partials)?;
        }
        for (ti, rows) in plan.rows_of_table.iter().enumerate() {
            let block = Partials { buffer: &partials, base: 3 * domain * rows.start, rows: rows.len(), columns: 3 * domain };
            ext_column_sums::record(ctx, &mut enc, &block, &sums, 3 * domain * ti)?;
        }
        let values = from_ext4s(sums.submit_and_read(ctx, OP, enc, 0..3 * domain * self.tables.len())?)?;
        Ok(round0_poly(self.l_skip, self.r_0, &self.tables, &values))
    }

    /// Upstream's `fold_ple_evals(u_0)`: every stacked column folded at u_0 into set 0 of its
    /// folded matrix, and the eq tables given their univariate factor with the rotation tables
    /// formed from them. Recorded into the first multilinear round's submission.
    pub fn fold_ple_evals(&mut self, u_0: EF) -> Result<(), WgpuProverError> {
        let (ctx, l_skip) = (self.ctx, self.l_skip);
        let weights = ExtBuffer::from_slice(ctx, OP, as_ext4s(&lagrange_weights(l_skip, u_0)))?;
        for (d, f) in self.commits.iter().zip(&self.folded) {
            let m = &d.matrix;
            for (qk, &cols) in f.chunk_columns.iter().enumerate() {
                // Columns [a, b) of this folded chunk, taken from every stacked chunk they lie in.
                let (a, b) = (qk * f.columns_per_chunk, qk * f.columns_per_chunk + cols);
                let mut col = a;
                while col < b {
                    let sk = col / m.columns_per_chunk;
                    let end = ((sk + 1) * m.columns_per_chunk).min(b);
                    // Output columns are 2^n_stack = height >> l_skip apart, as set 0 lays them out.
                    let fc = FoldColumns {
                        columns: end - col,
                        height: m.height,
                        x_count: f.strides[0],
                        in_column: col - sk * m.columns_per_chunk,
                        out_column: col - a,
                        rot: false,
                    };
                    fold_ple::record(ctx, &mut self.enc, &m.chunks[sk], &weights, &f.sets[0][qk], l_skip, fc)?;
                    col = end;
                }
            }
        }
        // The weights must outlive the submission that reads them.
        let bytes = weights.bytes();
        self.enc.keep(weights, bytes);
        self.record_rotation_tables(u_0)
    }

    /// Multiplies each height's eq table by its univariate factor at u_0 and forms the
    /// rotation table from it, into table set 1.
    fn record_rotation_tables(&mut self, u_0: EF) -> Result<(), WgpuProverError> {
        let l_skip = self.l_skip;
        let omega_skip = F::two_adic_generator(l_skip);
        let eq_const = eval_eq_uni_at_one(l_skip, self.r_0 * omega_skip);
        let eq_uni_u01 = eval_eq_uni_at_one(l_skip, u_0);
        let tables = RotationTables { eq: &self.eq[0], eq_out: &self.eq[1], rot_out: &self.rot[1] };
        for t in self.tables.iter_mut() {
            let n = t.log_height as isize - l_skip as isize;
            let ind = eval_in_uni(l_skip, n, u_0);
            let uni = UniDomain::of(l_skip, n, omega_skip, self.r_0);
            let scales = RotationScales {
                scale_eq: ind * eval_eq_uni(uni.log_size, u_0, uni.r),
                scale_rot: ind * eval_eq_uni(uni.log_size, u_0, uni.r * uni.omega),
                scale_wrap: ind * eq_const * eq_uni_u01,
            };
            stacked_reduction_rotation::record(self.ctx, &mut self.enc, tables, t.base, 1 << t.n_lift, scales)?;
            t.current = 1;
        }
        Ok(())
    }

    /// A multilinear round's dispatches: one per run of views in one folded chunk and height.
    fn mle_round_plan(&self, round: usize) -> GpuResult<MleRoundPlan> {
        let q_units =
            runs(&self.views, |v| RunKey { commit: v.commit, chunk: v.col / self.folded[v.commit].columns_per_chunk, table: v.table });
        let mut jobs = Vec::with_capacity(q_units.len());
        let mut next = 0;
        for u in &q_units {
            let t = &self.tables[u.key.table];
            let is_folded = round > t.n_lift;
            let y_count = if is_folded { 1 } else { 1usize << (t.n_lift - round) };
            let slabs = Slabs::of(self.ctx, u.views.len(), y_count);
            let unit = MleRoundUnit {
                view_begin: u.views.start,
                view_end: u.views.end,
                views_per_slab: slabs.views_per_slab,
                slabs: slabs.count,
                y_count,
                folded: is_folded,
                log_skip: self.l_skip,
                round,
                n_lift: t.n_lift,
                log_height: t.log_height,
                q_stride: self.folded[u.key.commit].strides[self.current],
                table_base: t.base,
                partial_base: next,
            };
            next += stacked_reduction_mle_round::workgroups(self.ctx, &unit)?;
            jobs.push(MleRoundJob { key: u.key, unit, table_set: t.current });
        }
        Ok(MleRoundPlan { jobs, rows: next })
    }

    /// Upstream's `batch_sumcheck_poly_eval(round, u_prev)`: s(1), s(2) of round `round`, in one
    /// submission with the fold at u_prev recorded before it.
    pub fn batch_sumcheck_poly_eval(&mut self, round: usize) -> Result<[EF; 2], WgpuProverError> {
        let ctx = self.ctx;
        let MleRoundPlan { jobs, rows } = self.mle_round_plan(round)?;
        // The partials buffer is reused across rounds and grows only when a round needs more
        // (the previous round's submission has completed, so it may be replaced).
        if self.partials.len() < 2 * rows {
            self.partials = ExtBuffer::uninit(ctx, OP, 2 * rows)?;
        }
        for job in &jobs {
            let b = MleRoundBuffers {
                q_chunk: &self.folded[job.key.commit].sets[self.current][job.key.chunk],
                views: &self.view_buf,
                eq: &self.eq[job.table_set],
                rot: &self.rot[job.table_set],
                challenges: &self.challenges,
                partials: &self.partials,
            };
            stacked_reduction_mle_round::record(ctx, &mut self.enc, &job.unit, &b)?;
        }
        ext_column_sums::record(ctx, &mut self.enc, &Partials { buffer: &self.partials, base: 0, rows, columns: 2 }, &self.sums, 0)?;
        let enc = std::mem::replace(&mut self.enc, ctx.encoder(OP));
        let evals = from_ext4s(self.sums.submit_and_read(ctx, OP, enc, 0..2)?)?;
        Ok([evals[0], evals[1]])
    }

    /// Upstream's `fold_mle_evals(round, u_round)`: u_round goes to its challenge slot and the
    /// folds at it are recorded for the next submission: every folded matrix into its other set
    /// with the tables of more than one value, or, after the last round, into one value per
    /// column (the openings).
    pub fn fold_mle_evals(&mut self, round: usize, u_round: EF) -> Result<(), WgpuProverError> {
        let ctx = self.ctx;
        require(OP, (1..=self.n_stack).contains(&round), || format!("a fold after round {round} of {}", self.n_stack))?;
        self.challenges.write(ctx, round, &[Ext4::from(u_round)])?;
        let height = (1usize << self.n_stack) >> (round - 1);
        if round == self.n_stack {
            let openings = self.opening_buffers()?;
            record_folds(ctx, &mut self.enc, &self.folded, self.current, height, u_round, Some(&openings))?;
            self.openings = Some(openings);
            return Ok(());
        }
        record_folds(ctx, &mut self.enc, &self.folded, self.current, height, u_round, None)?;
        self.current = 1 - self.current;
        for t in self.tables.iter_mut() {
            let size = 1usize << t.n_lift.saturating_sub(round - 1);
            if size > 1 {
                for buf in [&self.eq, &self.rot] {
                    let from = (&buf[t.current], Columns::col_major(t.base, 0));
                    let to = (&buf[1 - t.current], Columns::col_major(t.base, 0));
                    ext_fold::record(ctx, &mut self.enc, from, to, 1, size / 2, u_round)?;
                }
                t.current = 1 - t.current;
            }
        }
        Ok(())
    }

    /// One value per column of every stacked matrix.
    fn opening_buffers(&self) -> GpuResult<Vec<ExtBuffer>> {
        self.commits.iter().map(|d| ExtBuffer::uninit(self.ctx, OP, d.matrix.width.max(1))).collect()
    }

    /// Upstream's `into_stacked_openings`: runs the last fold and reads the stacked openings
    /// back, per commitment. Without multilinear rounds the fold at u_0 already left one row,
    /// copied out here.
    pub fn into_stacked_openings(mut self) -> Result<Vec<Vec<EF>>, WgpuProverError> {
        let ctx = self.ctx;
        let openings = match self.openings.take() {
            Some(openings) => openings,
            None => {
                let openings = self.opening_buffers()?;
                for (f, out) in self.folded.iter().zip(&openings) {
                    for (qk, &cols) in f.chunk_columns.iter().enumerate() {
                        ctx.scoped(OP, || f.sets[0][qk].record_copy(&mut self.enc, 0, out, qk * f.columns_per_chunk, cols))?;
                    }
                }
                openings
            }
        };
        ctx.submit_and_wait(OP, self.enc)?;
        let mut stacking_openings = Vec::with_capacity(self.commits.len());
        for (d, out) in self.commits.iter().zip(&openings) {
            stacking_openings.push(from_ext4s(out.read_range(ctx, 0..d.matrix.width)?)?);
        }
        Ok(stacking_openings)
    }
}

/// Records the fold of every folded matrix from set `current` (columns of `height` values) at
/// `u`, into the other set, or, for the last fold, into one value per column of `openings`.
fn record_folds(
    ctx: &GpuContext,
    enc: &mut GpuEncoder,
    folded: &[Folded],
    current: usize,
    height: usize,
    u: EF,
    openings: Option<&[ExtBuffer]>,
) -> GpuResult<()> {
    for (c, f) in folded.iter().enumerate() {
        for (qk, &cols) in f.chunk_columns.iter().enumerate() {
            let from = (&f.sets[current][qk], Columns::col_major(0, f.strides[current]));
            let to = match openings {
                Some(out) => (&out[c], Columns::col_major(qk * f.columns_per_chunk, 1)),
                None => (&f.sets[1 - current][qk], Columns::col_major(0, f.strides[1 - current])),
            };
            ext_fold::record(ctx, enc, from, to, cols, height / 2, u)?;
        }
    }
    Ok(())
}

/// The univariate domain of a trace of height 2^(l_skip + n) (n < 0: a trace shorter than the
/// skip domain): its log size, its generator and the point r_0 lifted to it.
#[derive(Clone, Copy, Debug)]
struct UniDomain {
    log_size: usize,
    omega: F,
    r: EF,
}

impl UniDomain {
    fn of(l_skip: usize, n: isize, omega_skip: F, r_0: EF) -> Self {
        if n < 0 {
            let k = n.unsigned_abs();
            UniDomain { log_size: l_skip - k, omega: omega_skip.exp_power_of_2(k), r: r_0.exp_power_of_2(k) }
        } else {
            UniDomain { log_size: l_skip, omega: omega_skip, r: r_0 }
        }
    }
}

/// s_0 from each height's sums A, B, C on the skip domain (`values`: per table, 3 * 2^l_skip):
/// evaluated on the two cosets g D and g^2 D as upstream evaluates it, and interpolated there.
fn round0_poly(l_skip: usize, r_0: EF, tables: &[HeightTable], values: &[EF]) -> UnivariatePoly<EF> {
    let domain = 1usize << l_skip;
    let omega_skip = F::two_adic_generator(l_skip);
    let g = F::GENERATOR;
    let cosets = 2;
    let eq_const = eval_eq_uni_at_one(l_skip, r_0 * omega_skip);
    let mut evals = vec![EF::ZERO; cosets * domain];
    for (z_idx, omega_pow) in omega_skip.powers().take(domain).enumerate() {
        for (coset, shift) in g.powers().skip(1).take(cosets).enumerate() {
            let z = shift * omega_pow;
            let basis = lagrange_weights(l_skip, EF::from(z));
            let eq_uni_1 = eval_eq_uni_at_one(l_skip, z);
            let mut s = EF::ZERO;
            for (ti, t) in tables.iter().enumerate() {
                let at = |k: usize| -> EF {
                    let vals = &values[(3 * ti + k) * domain..(3 * ti + k + 1) * domain];
                    vals.iter().zip(&basis).map(|(&v, &w)| v * w).sum()
                };
                let n = t.log_height as isize - l_skip as isize;
                let uni = UniDomain::of(l_skip, n, omega_skip, r_0);
                let ind = eval_in_uni(l_skip, n, z);
                let eq_r = eval_eq_uni(uni.log_size, EF::from(z), uni.r);
                let eq_rot = eval_eq_uni(uni.log_size, EF::from(z), uni.r * uni.omega);
                s += (eq_r * at(0) + eq_rot * at(1) + eq_const * eq_uni_1 * at(2)) * ind;
            }
            evals[z_idx * cosets + coset] = s;
        }
    }
    let poly = UnivariatePoly::from_geometric_cosets_evals_idft(RowMajorMatrix::new(evals, cosets), g, g);
    let deg = sumcheck_round0_deg(l_skip, 2);
    UnivariatePoly::new(poly.coeffs().iter().copied().chain(std::iter::repeat(EF::ZERO)).take(deg + 1).collect())
}

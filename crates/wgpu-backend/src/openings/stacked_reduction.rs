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

use openvm_stark_backend::{
    poly_common::{eval_eq_uni, eval_eq_uni_at_one, eval_in_uni, UnivariatePoly},
    proof::StackingProof,
    prover::sumcheck::sumcheck_round0_deg,
    FiatShamirTranscript,
};
use openvm_wgpu_common::{kernel::require, limits::items_per_invocation_looping, GpuBuffer, GpuContext, GpuError, GpuResult};
use p3_field::{Field, PrimeCharacteristicRing, TwoAdicField};
use p3_matrix::dense::RowMajorMatrix;
use tracing::info_span;

use crate::{
    commit::stacked_pcs::StackedPcsData,
    device::SC,
    error::WgpuProverError,
    field::{ext_as_words, ext_from_words, EF, F},
    kernels::{
        eq_table,
        ext_column_sums::{self, Partials},
        ext_fold::{self, Columns},
        fold_ple::{self, FoldColumns},
        stacked_reduction_mle_round::{self, MleRoundBuffers, MleRoundUnit},
        stacked_reduction_rotation::{self, RotationScales},
        stacked_reduction_round0::{self, Round0Unit},
    },
};

const OP: &str = "stacked_reduction";
/// Words per view record (see the round kernels' `views` binding).
const VIEW_WORDS: usize = 16;

/// A trace column as the reduction sees it: where it lies in which stacked matrix.
#[derive(Clone, Copy, Debug)]
struct View {
    commit: usize,
    col: usize,
    row_idx: usize,
    log_height: usize,
    /// Index of the view's height table.
    table: usize,
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

/// A run of consecutive views of one commitment, height and chunk.
#[derive(Clone, Copy, Debug)]
struct Run {
    commit: usize,
    chunk: usize,
    table: usize,
    begin: usize,
    end: usize,
}

/// The folded stacked matrix of one commitment: extension elements, in two sets of chunks that
/// the rounds fold into each other (set 0 has columns 2^n_stack apart, set 1 half that).
struct Folded {
    columns_per_chunk: usize,
    chunk_columns: Vec<usize>,
    sets: [Vec<GpuBuffer<u32>>; 2],
    strides: [usize; 2],
}

/// Splits `views[begin..end]`-style index ranges into maximal runs with the same key.
fn runs(views: &[View], key: impl Fn(&View) -> (usize, usize, usize)) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    for (i, v) in views.iter().enumerate() {
        let (commit, chunk, table) = key(v);
        match out.last_mut() {
            Some(r) if r.commit == commit && r.chunk == chunk && r.table == table => r.end = i + 1,
            _ => out.push(Run { commit, chunk, table, begin: i, end: i + 1 }),
        }
    }
    out
}

/// Views per slab and slabs for a run of `views` views over `rows` rows each, within an
/// invocation's loop limit (`kernels::stacked_reduction_round0::loop_iterations`).
fn slabs(ctx: &GpuContext, views: usize, rows: usize) -> (usize, usize) {
    use crate::kernels::stacked_reduction_round0::{LOOPS_BESIDES_VIEWS, LOOPS_PER_VIEW};
    let per = items_per_invocation_looping(&ctx.limits, (views * rows) as u64, LOOPS_PER_VIEW, LOOPS_BESIDES_VIEWS);
    let per = (per as usize).clamp(1, views.max(1));
    (per, views.div_ceil(per))
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
/// upstream orders them. Returns the proof and u = (u_0, ..., u_{n_stack}).
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
    // Checks before any GPU work.
    let height = 1usize << (l_skip + n_stack);
    for (c, d) in commits.iter().enumerate() {
        require(OP, d.matrix.height == height, || {
            format!("commitment {c} has stacked height {}, expected 2^(l_skip + n_stack) = {height}", d.matrix.height)
        })?;
        require(OP, need_rot_per_commit.get(c).is_some_and(|n| n.len() == d.layout.mat_starts.len()), || {
            format!("commitment {c}: rotation flags do not match its {} traces", d.layout.mat_starts.len())
        })?;
    }
    let lambda = transcript.sample_ext();

    // Views in upstream's order, with lambda^(2k) for the column claim and lambda^(2k+1) for the
    // rotation claim of view k.
    let mut views = Vec::new();
    let mut lambdas = Vec::new();
    let mut lambda_pow = EF::ONE;
    for (c, d) in commits.iter().enumerate() {
        for &(mat_idx, _, slice) in &d.layout.sorted_cols {
            let log_height = slice.log_height();
            require(OP, log_height.saturating_sub(l_skip) < r.len(), || format!("r has {} values, a trace needs more", r.len()))?;
            views.push(View { commit: c, col: slice.col_idx, row_idx: slice.row_idx, log_height, table: 0 });
            let rot = if need_rot_per_commit[c][mat_idx] { lambda_pow * lambda } else { EF::ZERO };
            lambdas.push((lambda_pow, rot));
            lambda_pow *= lambda.square();
        }
    }

    // One eq table per height, built on the device from r[1..].
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
    let table_len = tables.last().map_or(1, |t| t.base + (1 << t.n_lift));
    let words = |elements: usize| 4 * elements.max(1);
    let eq = [GpuBuffer::<u32>::zeroed(ctx, OP, words(table_len))?, GpuBuffer::<u32>::zeroed(ctx, OP, words(table_len))?];
    let rot = [GpuBuffer::<u32>::zeroed(ctx, OP, words(table_len))?, GpuBuffer::<u32>::zeroed(ctx, OP, words(table_len))?];
    let points = GpuBuffer::from_slice(ctx, OP, ext_as_words(if r.is_empty() { &[EF::ZERO] } else { r }))?;
    let challenges = GpuBuffer::<u32>::zeroed(ctx, OP, words(n_stack + 1))?;

    // Folded matrices: chunks of as many columns as a binding holds.
    let q_height = 1usize << n_stack;
    let q_column_bytes = 16 * q_height as u64;
    let binding = ctx.limits.max_binding_bytes();
    if q_column_bytes > binding {
        return Err(GpuError::BufferTooLarge { op: format!("{OP}: a folded column"), needed: q_column_bytes, available: binding }.into());
    }
    let mut folded = Vec::with_capacity(commits.len());
    for d in commits {
        let width = d.matrix.width;
        let per = ((binding / q_column_bytes) as usize).clamp(1, width.max(1));
        let chunk_columns: Vec<usize> = (0..width.div_ceil(per)).map(|k| per.min(width - k * per)).collect();
        let mut sets: [Vec<GpuBuffer<u32>>; 2] = [Vec::new(), Vec::new()];
        for (s, set) in sets.iter_mut().enumerate() {
            for &cols in &chunk_columns {
                set.push(GpuBuffer::<u32>::uninit(ctx, OP, 4 * cols * (q_height >> s).max(1))?);
            }
        }
        folded.push(Folded { columns_per_chunk: per, chunk_columns, sets, strides: [q_height, (q_height / 2).max(1)] });
    }

    // View records: offset in the stacked chunk, column in the folded chunk, row, height, lambdas.
    let mut records = vec![0u32; VIEW_WORDS * views.len().max(1)];
    for (k, (v, &(le, lr))) in views.iter().zip(&lambdas).enumerate() {
        let m = &commits[v.commit].matrix;
        let rec = &mut records[k * VIEW_WORDS..(k + 1) * VIEW_WORDS];
        rec[0] = ((v.col % m.columns_per_chunk) * m.height + v.row_idx) as u32;
        rec[1] = (v.col % folded[v.commit].columns_per_chunk) as u32;
        rec[2] = v.row_idx as u32;
        rec[3] = v.log_height as u32;
        rec[4..8].copy_from_slice(ext_as_words(&[le]));
        rec[8..12].copy_from_slice(ext_as_words(&[lr]));
    }
    let view_buf = GpuBuffer::from_slice(ctx, OP, &records)?;

    // Round 0.
    let domain = 1usize << l_skip;
    let s_0 = {
        let _span = info_span!("prover.openings.stacked_reduction.round0").entered();
        let mut enc = ctx.encoder(OP);
        let eq_scratch = eq_table::scratch(ctx, OP, tables.iter().map(|t| t.n_lift).max().unwrap_or(0))?;
        for t in &tables {
            eq_table::record(ctx, &mut enc, &points, 1, t.n_lift, &eq[0], t.base, &eq_scratch)?;
        }
        let mut units = runs(&views, |v| (v.commit, v.col / commits[v.commit].matrix.columns_per_chunk, v.table));
        units.sort_by_key(|u| u.table);
        let mut plan = Vec::with_capacity(units.len());
        let mut rows_of_table = vec![(0usize, 0usize); tables.len()];
        let mut next_row = 0;
        for (i, u) in units.iter().enumerate() {
            let t = &tables[u.table];
            let x_count = 1usize << t.n_lift;
            let (per, n_slabs) = slabs(ctx, u.end - u.begin, x_count * domain);
            let unit = Round0Unit {
                view_begin: u.begin,
                view_end: u.end,
                views_per_slab: per,
                slabs: n_slabs,
                log_skip: l_skip,
                x_count,
                eq_base: t.base,
                partial_row_base: next_row,
            };
            let rows = stacked_reduction_round0::split(ctx, l_skip, x_count * n_slabs)?.2;
            if i == 0 || units[i - 1].table != u.table {
                rows_of_table[u.table].0 = next_row;
            }
            next_row += rows;
            rows_of_table[u.table].1 = next_row;
            plan.push((u, unit));
        }
        let partials = GpuBuffer::<u32>::uninit(ctx, OP, 4 * 3 * domain * next_row.max(1))?;
        let sums = GpuBuffer::<u32>::zeroed(ctx, OP, 4 * 3 * domain * tables.len().max(1))?;
        for (u, unit) in &plan {
            let chunk = &commits[u.commit].matrix.chunks[u.chunk];
            stacked_reduction_round0::record(ctx, &mut enc, unit, chunk, &view_buf, &eq[0], &partials)?;
        }
        for (ti, &(first, last)) in rows_of_table.iter().enumerate() {
            let block = Partials { buffer: &partials, base: 3 * domain * first, rows: last - first, columns: 3 * domain };
            ext_column_sums::record(ctx, &mut enc, &block, &sums, 3 * domain * ti)?;
        }
        let values = ext_from_words(sums.submit_and_read(ctx, OP, enc, 0..4 * 3 * domain * tables.len())?)?;
        round0_poly(l_skip, r[0], &tables, &values)
    };
    for &coeff in s_0.coeffs() {
        transcript.observe_ext(coeff);
    }
    let u_0 = transcript.sample_ext();
    let mut u_vec = vec![u_0];

    // The fold at u_0, recorded into round 1's submission.
    let mut enc = ctx.encoder(OP);
    let weights = GpuBuffer::from_slice(ctx, OP, ext_as_words(&lagrange_weights(l_skip, u_0)))?;
    for (d, f) in commits.iter().zip(&folded) {
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
                fold_ple::record(ctx, &mut enc, &m.chunks[sk], &weights, &f.sets[0][qk], l_skip, fc)?;
                col = end;
            }
        }
    }
    let omega_skip = F::two_adic_generator(l_skip);
    let r_0 = r[0];
    let eq_const = eval_eq_uni_at_one(l_skip, r_0 * omega_skip);
    let eq_uni_u01 = eval_eq_uni_at_one(l_skip, u_0);
    for t in tables.iter_mut() {
        let n = t.log_height as isize - l_skip as isize;
        let ind = eval_in_uni(l_skip, n, u_0);
        let (l, omega, r_uni) = uni_params(l_skip, n, omega_skip, r_0);
        let scales = RotationScales {
            scale_eq: ind * eval_eq_uni(l, u_0, r_uni),
            scale_rot: ind * eval_eq_uni(l, u_0, r_uni * omega),
            scale_wrap: ind * eq_const * eq_uni_u01,
        };
        stacked_reduction_rotation::record(ctx, &mut enc, (&eq[0], &eq[1], &rot[1]), t.base, 1 << t.n_lift, scales)?;
        t.current = 1;
    }

    // Rounds 1..=n_stack.
    let mut round_polys = Vec::with_capacity(n_stack);
    let mut current = 0;
    let sums = GpuBuffer::<u32>::zeroed(ctx, OP, 8)?;
    let mut partials = GpuBuffer::<u32>::uninit(ctx, OP, 8)?;
    {
        let _span = info_span!("prover.openings.stacked_reduction.mle_rounds").entered();
        let q_units = runs(&views, |v| (v.commit, v.col / folded[v.commit].columns_per_chunk, v.table));
        for round in 1..=n_stack {
            if round > 1 {
                let u = u_vec[round - 1];
                record_folds(ctx, &mut enc, &folded, current, q_height >> (round - 2), u, None)?;
                current = 1 - current;
                for t in tables.iter_mut() {
                    let size = 1usize << t.n_lift.saturating_sub(round - 2);
                    if size > 1 {
                        for buf in [&eq, &rot] {
                            let from = (&buf[t.current], Columns::col_major(t.base, 0));
                            let to = (&buf[1 - t.current], Columns::col_major(t.base, 0));
                            ext_fold::record(ctx, &mut enc, from, to, 1, size / 2, u)?;
                        }
                        t.current = 1 - t.current;
                    }
                }
            }
            let mut plan = Vec::with_capacity(q_units.len());
            let mut next = 0;
            for u in &q_units {
                let t = &tables[u.table];
                let is_folded = round > t.n_lift;
                let y_count = if is_folded { 1 } else { 1usize << (t.n_lift - round) };
                let (per, n_slabs) = slabs(ctx, u.end - u.begin, y_count);
                let unit = MleRoundUnit {
                    view_begin: u.begin,
                    view_end: u.end,
                    views_per_slab: per,
                    slabs: n_slabs,
                    y_count,
                    folded: is_folded,
                    log_skip: l_skip,
                    round,
                    n_lift: t.n_lift,
                    log_height: t.log_height,
                    q_stride: folded[u.commit].strides[current],
                    table_base: t.base,
                    partial_base: next,
                };
                next += stacked_reduction_mle_round::workgroups(ctx, &unit)?;
                plan.push((u, unit, t.current));
            }
            // The partials buffer is reused across rounds and grows only when a round needs more
            // (the previous round's submission has completed, so it may be replaced).
            if partials.len() < 8 * next {
                partials = GpuBuffer::<u32>::uninit(ctx, OP, 8 * next)?;
            }
            for (u, unit, table_set) in &plan {
                let b = MleRoundBuffers {
                    q_chunk: &folded[u.commit].sets[current][u.chunk],
                    views: &view_buf,
                    eq: &eq[*table_set],
                    rot: &rot[*table_set],
                    challenges: &challenges,
                    partials: &partials,
                };
                stacked_reduction_mle_round::record(ctx, &mut enc, unit, &b)?;
            }
            ext_column_sums::record(ctx, &mut enc, &Partials { buffer: &partials, base: 0, rows: next, columns: 2 }, &sums, 0)?;
            let evals = ext_from_words(sums.submit_and_read(ctx, OP, std::mem::replace(&mut enc, ctx.encoder(OP)), 0..8)?)?;
            let evals: [EF; 2] = [evals[0], evals[1]];
            for &e in &evals {
                transcript.observe_ext(e);
            }
            round_polys.push(evals);
            let u = transcript.sample_ext();
            challenges.write(ctx, 4 * round, ext_as_words(&[u]))?;
            u_vec.push(u);
        }
    }

    // The last fold leaves one value per column: the stacked openings.
    let openings: Vec<GpuBuffer<u32>> =
        commits.iter().map(|d| GpuBuffer::<u32>::uninit(ctx, OP, 4 * d.matrix.width.max(1))).collect::<GpuResult<_>>()?;
    let last_u = *u_vec.last().unwrap_or(&u_0);
    if n_stack > 0 {
        record_folds(ctx, &mut enc, &folded, current, 2, last_u, Some(&openings))?;
    } else {
        // No multilinear rounds: the folded matrices already have one row.
        for (f, out) in folded.iter().zip(&openings) {
            for (qk, &cols) in f.chunk_columns.iter().enumerate() {
                let bytes = (16 * cols) as u64;
                ctx.scoped(OP, || {
                    enc.copy_buffer_to_buffer(&f.sets[0][qk].buffer, 0, &out.buffer, (16 * qk * f.columns_per_chunk) as u64, bytes)
                })?;
            }
        }
    }
    ctx.submit_and_wait(OP, enc)?;
    let mut stacking_openings = Vec::with_capacity(commits.len());
    for (d, out) in commits.iter().zip(&openings) {
        let claims = ext_from_words(out.read_range(ctx, 0..4 * d.matrix.width)?)?;
        for &claim in &claims {
            transcript.observe_ext(claim);
        }
        stacking_openings.push(claims);
    }
    let proof = StackingProof { univariate_round_coeffs: s_0.coeffs().to_vec(), sumcheck_round_polys: round_polys, stacking_openings };
    Ok((proof, u_vec))
}

/// Records the fold of every folded matrix from set `current` (columns of `height` values) at
/// `u`, into the other set, or, for the last fold, into one value per column of `openings`.
fn record_folds(
    ctx: &GpuContext,
    enc: &mut openvm_wgpu_common::GpuEncoder,
    folded: &[Folded],
    current: usize,
    height: usize,
    u: EF,
    openings: Option<&[GpuBuffer<u32>]>,
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

/// The univariate domain, its generator and the point r_0 lifted to it, for a trace of height
/// 2^(l_skip + n) (n < 0: a trace shorter than the skip domain).
fn uni_params(l_skip: usize, n: isize, omega_skip: F, r_0: EF) -> (usize, F, EF) {
    if n < 0 {
        let k = n.unsigned_abs();
        (l_skip - k, omega_skip.exp_power_of_2(k), r_0.exp_power_of_2(k))
    } else {
        (l_skip, omega_skip, r_0)
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
                let (l, omega, r_uni) = uni_params(l_skip, n, omega_skip, r_0);
                let ind = eval_in_uni(l_skip, n, z);
                let eq_r = eval_eq_uni(l, EF::from(z), r_uni);
                let eq_rot = eval_eq_uni(l, EF::from(z), r_uni * omega);
                s += (eq_r * at(0) + eq_rot * at(1) + eq_const * eq_uni_1 * at(2)) * ind;
            }
            evals[z_idx * cosets + coset] = s;
        }
    }
    let poly = UnivariatePoly::from_geometric_cosets_evals_idft(RowMajorMatrix::new(evals, cosets), g, g);
    let deg = sumcheck_round0_deg(l_skip, 2);
    UnivariatePoly::new(poly.coeffs().iter().copied().chain(std::iter::repeat(EF::ZERO)).take(deg + 1).collect())
}

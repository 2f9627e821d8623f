//! Round 0 of the batched zerocheck on the GPU (upstream's
//! `LogupZerocheckCpu::sumcheck_uni_round0_polys`, openvm-stark-backend
//! prover/logup_zerocheck/cpu.rs, span `prover.rap_constraints.round0`).
//!
//! Upstream, per AIR `T` of height `h` (lifted to `2^{l_skip + ñ}` rows, `ñ = max(log h - l_skip,
//! 0)`) and of constraint degree `d`: for every block `x` of `2^l_skip` rows, every column's
//! values on the skip domain `D = <ω>` are interpolated and evaluated on the `d - 1` cosets
//! `g^{c+1} D` (`g` the field's generator), so are the selectors of its lifted selector matrix
//! and the next-row columns; the constraints are evaluated there, batched with the powers of λ,
//! weighted by `eq(ξ[l_skip..l_skip + ñ], x)` and summed over the blocks; divided by the
//! vanishing polynomial `Z^{2^l_skip} - 1` they are the evaluations of `q` on the cosets, which
//! `UnivariatePoly::from_geometric_cosets_evals_idft` interpolates; `s'_0 = (Z^{2^l_skip} - 1) q`.
//!
//! On the device, in chunks of blocks: `zerocheck_round0_expand` writes the virtual columns,
//! every trace variable (this row and next) and selector the AIR's program reads, on the virtual
//! rows (block, point), each the block's column interpolated on the skip domain and evaluated
//! at the point through a Lagrange table (algebraically the inverse NTT then coset NTT upstream
//! does, so the values are identical); the `constraint_eval` interpreter's virtual-row entry
//! point runs the program on them; `zerocheck_round0_batch` batches
//! the constraint values with λ's powers and eq per group of blocks and `ext_column_sums` adds
//! the groups (a two-pass reduction), in chunks of blocks sized to one storage binding. Every
//! AIR is planned on the host first; then all of them are recorded into one encoder, submitted
//! AIR by AIR without a host wait between them (the virtual columns and values buffers, sized
//! for the largest AIR, are reused in turn), and every chunk's sums come back in one read. The
//! host adds the chunks' sums (one extension element per point and chunk), divides by the
//! vanishing polynomial (constant on each coset) and interpolates as upstream does.
//!
//! LogUp's input-layer polynomials (numerator and denominator per AIR with interactions, on
//! `d` cosets, no vanishing polynomial) come from the same evaluation: their sums weight the
//! interaction counts, and the message fields, with `eq(ξ_3, b_{T,σ})` and the powers of β; the
//! denominators' constant part `β^{len} (bus + 1)` is added on the host, times the sum of the
//! eq weights. [`sumcheck_uni_round0_polys`] returns upstream's whole output,
//! [`zerocheck_round0_polys`] only the zerocheck part.

use openvm_stark_backend::{poly_common::UnivariatePoly, prover::sumcheck::sumcheck_round0_deg};
use std::iter::zip;

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuEncoder, GpuError};
use p3_field::{Field, PrimeCharacteristicRing, PrimeField32, TwoAdicField};
use p3_matrix::dense::RowMajorMatrix;
use tracing::info_span;

use crate::{
    constraints::{ConstraintTraces, DeviceConstraintProgram, EvalOptions, VirtualLayout},
    error::WgpuProverError,
    field::{as_ext4s, from_ext4s, Ext4, ExtBuffer, EF, F},
    kernels::{
        constraint_eval::{self, keep_buffer, VirtualRows},
        eq_table, ext_column_sums, zerocheck_round0_batch,
        zerocheck_round0_expand::{self, ExpandRows},
        PENDING_SCRATCH_BYTES,
    },
    logup_zerocheck::gkr_input::{beta_powers, logup_weights, InteractionsLayout, LogupWeights, OutputWeight},
};

const OP: &str = "zerocheck_round0";

/// One AIR of the proving context (in its order): its compiled program on the device, its
/// traces with public values, and upstream's `vk.max_constraint_degree`.
pub struct Round0Air<'a> {
    pub program: &'a DeviceConstraintProgram,
    pub traces: ConstraintTraces<'a>,
    pub constraint_degree: usize,
}

impl Round0Air<'_> {
    /// The AIR's trace height (its common main trace's).
    pub fn height(&self) -> Result<usize, WgpuProverError> {
        self.traces.height(OP)
    }
}

/// Tuning of round 0.
#[derive(Clone, Copy, Debug, Default)]
pub struct Round0Options {
    /// The constraint interpreter's options.
    pub eval: EvalOptions,
    /// Caps the blocks of 2^l_skip rows evaluated per chunk (otherwise as many as one storage
    /// binding holds).
    pub max_chunk_blocks: Option<usize>,
}

/// LogUp's inputs to round 0: upstream's interactions layout
/// ([`crate::logup_zerocheck::gkr_input::interactions_layout`], as `logup_input_layer` returns it, with
/// `n_logup`) and LogUp's β (the denominators here exclude α, as upstream's).
#[derive(Clone, Copy, Debug)]
pub struct LogupChallenges<'a> {
    pub layout: &'a InteractionsLayout,
    pub beta: EF,
}

/// Upstream's `sumcheck_uni_round0_polys`: per AIR the LogUp numerator and denominator
/// polynomials (empty for an AIR without interactions), then per AIR the zerocheck polynomial
/// (`3 * airs.len()` polynomials), in coefficient form. `xi` is upstream's full ξ
/// (`l_skip + max(n_max, n_logup)` elements) and `lambda` the batching challenge.
pub fn sumcheck_uni_round0_polys(
    ctx: &GpuContext,
    airs: &[Round0Air<'_>],
    l_skip: usize,
    logup: LogupChallenges<'_>,
    xi: &[EF],
    lambda: EF,
    options: Round0Options,
) -> Result<Vec<UnivariatePoly<EF>>, WgpuProverError> {
    let _span = info_span!("zerocheck_round0").entered();
    let beta_pows = beta_powers(airs.iter().map(|a| &a.program.program), logup.beta);
    let lambda_pows = lambda_powers(airs, lambda);
    let mut logups = Vec::with_capacity(2 * airs.len());
    let mut zerochecks = Vec::with_capacity(airs.len());
    let logup = LogupTerms { layout: logup.layout, beta_pows: &beta_pows };
    for AirPolys { logup, zerocheck } in airs_polys(ctx, airs, l_skip, xi, &lambda_pows, Some(logup), options)? {
        logups.extend(logup.unwrap_or_else(|| [UnivariatePoly::new(vec![]), UnivariatePoly::new(vec![])]));
        zerochecks.push(zerocheck);
    }
    logups.extend(zerochecks);
    Ok(logups)
}

/// The zerocheck part of upstream's `sumcheck_uni_round0_polys`: per AIR, `s'_0` in coefficient
/// form (upstream's last `airs.len()` polynomials).
pub fn zerocheck_round0_polys(
    ctx: &GpuContext,
    airs: &[Round0Air<'_>],
    l_skip: usize,
    xi: &[EF],
    lambda: EF,
    options: Round0Options,
) -> Result<Vec<UnivariatePoly<EF>>, WgpuProverError> {
    let _span = info_span!("zerocheck_round0").entered();
    let lambda_pows = lambda_powers(airs, lambda);
    Ok(airs_polys(ctx, airs, l_skip, xi, &lambda_pows, None, options)?.into_iter().map(|p| p.zerocheck).collect())
}

/// What LogUp's sums of round 0 need: the interactions layout and β's powers.
#[derive(Clone, Copy)]
struct LogupTerms<'a> {
    layout: &'a InteractionsLayout,
    beta_pows: &'a [EF],
}

/// One AIR's round-0 polynomials: LogUp's numerator and denominator (when wanted and the AIR
/// has interactions) and the zerocheck's.
struct AirPolys {
    logup: Option<[UnivariatePoly<EF>; 2]>,
    zerocheck: UnivariatePoly<EF>,
}

fn lambda_powers(airs: &[Round0Air<'_>], lambda: EF) -> Vec<EF> {
    let max_constraints = airs.iter().map(|a| a.program.program.num_constraints).max().unwrap_or(0);
    lambda.powers().take(max_constraints).collect()
}

/// The points of the `cosets` cosets `g^{c+1} D` (point `c * 2^l + i` is `g^{c+1} ω^i`) and the
/// Lagrange table of `D` at them: `table[p * 2^l + k] = L_k(z_p) = ω^k (z_p^{2^l} - 1) /
/// (2^l (z_p - ω^k))`.
fn lagrange_table(l_skip: usize, cosets: usize) -> Vec<F> {
    let n = 1usize << l_skip;
    let omega = F::two_adic_generator(l_skip);
    let omega_pows: Vec<F> = omega.powers().take(n).collect();
    let n_inv = F::from_usize(n).inverse();
    let mut table = Vec::with_capacity(cosets * n * n);
    let mut shift = F::GENERATOR;
    for _ in 0..cosets {
        let vanishing = shift.exp_power_of_2(l_skip) - F::ONE;
        for &w in &omega_pows {
            let z = shift * w;
            for &wk in &omega_pows {
                table.push(wk * vanishing * n_inv * (z - wk).inverse());
            }
        }
        shift *= F::GENERATOR;
    }
    table
}

/// One weighted sum of a program's outputs over the first `points` points (see
/// `zerocheck_round0_batch`), plus `constant` times eq at every point.
struct WeightedSum {
    points: usize,
    terms: Vec<OutputWeight>,
    constant: EF,
}

/// Interpolates per-point sums (point `c * 2^l + i` on coset `c`) on `cosets` cosets, as
/// upstream's `sumcheck_uni_round0_poly` does.
fn interpolate(l_skip: usize, cosets: usize, sums: &[EF]) -> UnivariatePoly<EF> {
    let n = 1usize << l_skip;
    if cosets == 0 {
        return UnivariatePoly::new(vec![]);
    }
    let mut evals = vec![EF::ZERO; cosets * n];
    for c in 0..cosets {
        for i in 0..n {
            evals[i * cosets + c] = sums[c * n + i];
        }
    }
    UnivariatePoly::from_geometric_cosets_evals_idft(RowMajorMatrix::new(evals, cosets), F::GENERATOR, F::GENERATOR)
}

/// One AIR's round 0, planned on the host before any GPU work: its weighted sums, their
/// totals so far (the constant parts), and the device work that adds the rest.
struct AirPlan {
    deg: usize,
    zc_cosets: usize,
    lu_cosets: usize,
    /// The LogUp polynomials are wanted (given and the AIR has interactions).
    logup: bool,
    log_height: usize,
    sums: Vec<WeightedSum>,
    totals: Vec<Vec<EF>>,
    device: Option<DevicePlan>,
}

/// The chunks of blocks an AIR's evaluation runs in, and where its sums land.
struct DevicePlan {
    blocks: usize,
    chunk: usize,
    num_chunks: usize,
    points: usize,
    /// Cosets the evaluation covers (the Lagrange table's, shared by AIRs with as many).
    eval_cosets: usize,
    /// eq(ξ[l_skip..l_skip + n_lift], x) over the blocks x, built on the device.
    n_lift: usize,
    layout: VirtualLayout,
    /// The sums evaluated on the device (with points and terms).
    active: Vec<usize>,
    /// Each active sum's first element in the AIR's region of the sums buffer.
    sum_bases: Vec<usize>,
    /// Extension elements of the AIR's region: per active sum, one per point and chunk.
    sum_len: usize,
}

impl DevicePlan {
    fn values_words(&self, program: &crate::constraints::ConstraintProgram) -> usize {
        program.num_outputs * self.chunk * self.points
    }

    fn virtual_words(&self) -> usize {
        self.layout.columns() * self.chunk * self.points
    }
}

#[allow(clippy::too_many_arguments)]
fn plan_air(
    ctx: &GpuContext,
    t: usize,
    air: &Round0Air<'_>,
    l_skip: usize,
    xi: &[EF],
    lambda_pows: &[EF],
    logup: Option<LogupTerms<'_>>,
    options: Round0Options,
) -> Result<AirPlan, WgpuProverError> {
    let height = air.height()?;
    if !height.is_power_of_two() {
        return Err(WgpuProverError::InvalidInput(format!("{OP}: AIR {t} has height {height}, not a power of two")));
    }
    if l_skip > F::TWO_ADICITY || l_skip > 20 {
        return Err(WgpuProverError::InvalidInput(format!("{OP}: l_skip = {l_skip} is too large")));
    }
    let program = &air.program.program;
    let deg = air.constraint_degree;
    let n = 1usize << l_skip;
    let log_height = height.trailing_zeros() as usize;
    let n_lift = log_height.saturating_sub(l_skip);
    if xi.len() < l_skip + n_lift {
        return Err(WgpuProverError::InvalidInput(format!(
            "{OP}: AIR {t} needs {} elements of xi, {} were given",
            l_skip + n_lift,
            xi.len()
        )));
    }
    // The sums: the zerocheck on deg - 1 cosets, LogUp's numerator and denominator on deg.
    let zc_cosets = deg.saturating_sub(1);
    let mut sums = vec![WeightedSum {
        points: zc_cosets * n,
        terms: (0..program.num_constraints).map(|k| OutputWeight { output: k as u32, weight: lambda_pows[k] }).collect(),
        constant: EF::ZERO,
    }];
    let logup = logup.filter(|_| !program.interactions.is_empty());
    let lu_cosets = if logup.is_some() { deg } else { 0 };
    if let Some(LogupTerms { layout, beta_pows }) = logup {
        let LogupWeights { numer, denom, constant } = logup_weights(t, program, layout, xi, l_skip, n_lift, beta_pows)?;
        sums.push(WeightedSum { points: lu_cosets * n, terms: numer, constant: EF::ZERO });
        sums.push(WeightedSum { points: lu_cosets * n, terms: denom, constant });
    }
    let eval_cosets = zc_cosets.max(lu_cosets);
    let points = eval_cosets * n;
    let mut totals: Vec<Vec<EF>> = sums.iter().map(|s| vec![EF::ZERO; s.points]).collect();
    let mut device = None;
    if points > 0 && deg > 0 {
        let blocks = 1usize << n_lift;
        // The constant parts, times the sum of eq over the blocks, which is 1 (the product over
        // the variables of (1 - r) + r).
        for (s, total) in sums.iter().zip(&mut totals) {
            for v in total.iter_mut() {
                *v = s.constant;
            }
        }
        // Blocks per chunk: the outputs and the interpreter's spilled slots fit one binding.
        let max_words = ctx.limits.max_binding_bytes() / 4;
        let g = constraint_eval::geometry(&ctx.limits, program.num_slots, options.eval);
        let wg = g.shape.workgroup_size[0] as u64;
        let mut rows = max_words / program.num_outputs.max(1) as u64;
        if g.spill_slots > 0 {
            rows = rows.min((max_words / g.spill_slots as u64) / wg * wg);
        }
        let layout = VirtualLayout::of(program);
        rows = rows.min(max_words / layout.columns() as u64).min(u32::MAX as u64);
        let mut chunk = ((rows / points as u64) as usize).min(blocks);
        if let Some(cap) = options.max_chunk_blocks {
            chunk = chunk.min(cap);
        }
        if chunk == 0 {
            return Err(WgpuProverError::InvalidInput(format!(
                "{OP}: AIR {t}: the {} outputs or spilled slots of one block's {points} points do not fit one storage binding",
                program.num_outputs
            )));
        }
        let num_chunks = blocks.div_ceil(chunk);
        let active: Vec<usize> = (0..sums.len()).filter(|&s| sums[s].points > 0 && !sums[s].terms.is_empty()).collect();
        if program.num_outputs > 0 && !active.is_empty() {
            let mut sum_bases = Vec::with_capacity(active.len());
            let mut sum_len = 0;
            for &s in &active {
                sum_bases.push(sum_len);
                sum_len += num_chunks * sums[s].points;
            }
            device = Some(DevicePlan { blocks, chunk, num_chunks, points, eval_cosets, n_lift, layout, active, sum_bases, sum_len });
        }
    }
    Ok(AirPlan { deg, zc_cosets, lu_cosets, logup: logup.is_some(), log_height, sums, totals, device })
}

/// The shared working buffers of every AIR's chunks: the virtual columns and the program's
/// values, sized for the largest AIR and reused in turn (the GPU runs the AIRs in order).
struct SharedBuffers<'a> {
    values: &'a GpuBuffer<u32>,
    virtual_rows: &'a GpuBuffer<u32>,
    /// Every AIR's sums, the AIR's region from element `base`.
    sums: &'a ExtBuffer,
    /// ξ, and the eq tables' scratch.
    xi: &'a ExtBuffer,
    eq_scratch: &'a ExtBuffer,
}

/// Records one AIR's chunks (expansion, evaluation, batching, column sums) into `enc`, which
/// keeps the buffers made until its submission completes.
#[allow(clippy::too_many_arguments)]
fn record_air(
    ctx: &GpuContext,
    enc: &mut GpuEncoder,
    air: &Round0Air<'_>,
    plan: &AirPlan,
    dev: &DevicePlan,
    shared: &SharedBuffers<'_>,
    base: usize,
    l_skip: usize,
    lagrange: &[F],
    options: Round0Options,
) -> Result<(), WgpuProverError> {
    // eq at the blocks: bit j of block x goes with ξ[l_skip + j] (upstream's
    // evals_eq_hypercubes over the reversed ξ, whose last level this is).
    let eq_buf = ExtBuffer::uninit(ctx, "round0 eq", 1 << dev.n_lift)?;
    eq_table::record(ctx, enc, shared.xi, l_skip, dev.n_lift, &eq_buf, 0, shared.eq_scratch)?;
    let descs = GpuBuffer::from_slice(ctx, "round0 virtual column descriptors", &dev.layout.descs)?;
    let mut term_bufs = Vec::new();
    let mut partials = Vec::new();
    for &s in &dev.active {
        let sum = &plan.sums[s];
        let outputs: Vec<u32> = sum.terms.iter().map(|t| t.output).collect();
        let coeffs: Vec<Ext4> = sum.terms.iter().map(|t| t.weight.into()).collect();
        term_bufs.push((
            GpuBuffer::from_slice(ctx, "round0 term outputs", &outputs)?,
            ExtBuffer::from_slice(ctx, "round0 term coefficients", &coeffs)?,
        ));
        let rows = zerocheck_round0_batch::partial_rows(ctx, dev.chunk, sum.terms.len())?;
        partials.push(ExtBuffer::uninit(ctx, "round0 partials", rows * sum.points)?);
    }
    for c in 0..dev.num_chunks {
        let start = c * dev.chunk;
        let count = dev.chunk.min(dev.blocks - start);
        let expand = ExpandRows { blocks: start..start + count, log_skip: l_skip as u32, points: dev.points, lagrange };
        zerocheck_round0_expand::record(ctx, enc, &air.traces, &dev.layout, &descs, &expand, shared.virtual_rows)?;
        let rows = VirtualRows {
            buffer: shared.virtual_rows,
            rows: count * dev.points,
            partition_bases: &dev.layout.partition_bases,
            next_stride: dev.layout.next_stride,
        };
        air.program.record_virtual_into(ctx, &air.traces, rows, shared.values, options.eval, enc)?;
        for (a, &s) in dev.active.iter().enumerate() {
            let sum = &plan.sums[s];
            let batch = zerocheck_round0_batch::Batch {
                points: sum.points,
                stride_points: dev.points,
                blocks: count,
                block_start: start,
                num_terms: sum.terms.len(),
            };
            let terms = zerocheck_round0_batch::Terms { outputs: &term_bufs[a].0, coeffs: &term_bufs[a].1 };
            zerocheck_round0_batch::record(ctx, enc, &batch, shared.values, &terms, &eq_buf, &partials[a])?;
            let p = ext_column_sums::Partials {
                buffer: &partials[a],
                base: 0,
                rows: zerocheck_round0_batch::partial_rows(ctx, count, sum.terms.len())?,
                columns: sum.points,
            };
            ext_column_sums::record(ctx, enc, &p, shared.sums, base + dev.sum_bases[a] + c * sum.points)?;
        }
    }
    keep_buffer(enc, descs);
    for b in [eq_buf].into_iter().chain(partials) {
        keep_buffer(enc, b);
    }
    for (outputs, coeffs) in term_bufs {
        keep_buffer(enc, outputs);
        keep_buffer(enc, coeffs);
    }
    Ok(())
}

/// Every AIR's round 0 on the device: planned, recorded into one encoder (submitted AIR by
/// AIR so the GPU starts at once, without host waits between them), the sums read back once.
/// Returns per AIR its LogUp polynomials (when `logup` is given and the AIR has interactions)
/// and its zerocheck polynomial.
fn airs_polys(
    ctx: &GpuContext,
    airs: &[Round0Air<'_>],
    l_skip: usize,
    xi: &[EF],
    lambda_pows: &[EF],
    logup: Option<LogupTerms<'_>>,
    options: Round0Options,
) -> Result<Vec<AirPolys>, WgpuProverError> {
    let mut plans: Vec<AirPlan> = info_span!("round0_plan").in_scope(|| {
        airs.iter().enumerate().map(|(t, air)| plan_air(ctx, t, air, l_skip, xi, lambda_pows, logup, options)).collect::<Result<_, _>>()
    })?;
    let mut bases = Vec::with_capacity(plans.len());
    let mut sum_len = 0;
    for plan in &plans {
        bases.push(sum_len);
        sum_len += plan.device.as_ref().map_or(0, |d| d.sum_len);
    }
    if sum_len > 0 {
        let values_words = zip(airs, &plans).filter_map(|(a, p)| p.device.as_ref().map(|d| d.values_words(&a.program.program))).max();
        let virtual_words = plans.iter().filter_map(|p| p.device.as_ref().map(DevicePlan::virtual_words)).max();
        let values = GpuBuffer::<u32>::uninit(ctx, "round0 program values", values_words.unwrap_or(1).max(1))?;
        let virtual_rows = GpuBuffer::<u32>::uninit(ctx, "round0 virtual columns", virtual_words.unwrap_or(1).max(1))?;
        let sums = ExtBuffer::uninit(ctx, "round0 sums", sum_len)?;
        let xi_buf = ExtBuffer::from_slice(ctx, "round0 xi", as_ext4s(xi))?;
        let max_lift = plans.iter().filter_map(|p| p.device.as_ref().map(|d| d.n_lift)).max().unwrap_or(0);
        let eq_scratch = eq_table::scratch(ctx, OP, max_lift)?;
        let shared = SharedBuffers { values: &values, virtual_rows: &virtual_rows, sums: &sums, xi: &xi_buf, eq_scratch: &eq_scratch };
        // One Lagrange table per number of cosets.
        let mut lagrange: std::collections::BTreeMap<usize, Vec<F>> = Default::default();
        for dev in plans.iter().filter_map(|p| p.device.as_ref()) {
            lagrange.entry(dev.eval_cosets).or_insert_with(|| lagrange_table(l_skip, dev.eval_cosets));
        }
        let mut enc = ctx.encoder(OP);
        {
            let _span = info_span!("round0_record").entered();
            for ((air, plan), &base) in zip(zip(airs, &plans), &bases) {
                if let Some(dev) = &plan.device {
                    record_air(ctx, &mut enc, air, plan, dev, &shared, base, l_skip, &lagrange[&dev.eval_cosets], options)?;
                    // The interpreter's spill scratch is per AIR: past a bound, wait and free.
                    ctx.flush_keeping_at_most(OP, &mut enc, PENDING_SCRATCH_BYTES)?;
                }
            }
        }
        let sums = info_span!("round0_wait").in_scope(|| sums.submit_and_read(ctx, OP, enc, 0..sum_len))?;
        if let Some(bad) = sums.iter().flat_map(|e| e.0).find(|&w| w >= F::ORDER_U32) {
            return Err(GpuError::invalid(OP, format!("non-canonical word {bad:#x} from the GPU")).into());
        }
        let all = from_ext4s(sums)?;
        for (plan, &base) in zip(&mut plans, &bases) {
            let Some(dev) = &plan.device else { continue };
            for (a, &s) in dev.active.iter().enumerate() {
                let pts = plan.sums[s].points;
                let at = base + dev.sum_bases[a];
                for row in all[at..at + dev.num_chunks * pts].chunks_exact(pts) {
                    for (v, &x) in plan.totals[s].iter_mut().zip(row) {
                        *v += x;
                    }
                }
            }
        }
    }
    Ok(info_span!("round0_finish").in_scope(|| plans.into_iter().map(|plan| finish_air(l_skip, plan)).collect()))
}

/// An AIR's polynomials from its totals, as upstream interpolates them.
fn finish_air(l_skip: usize, plan: AirPlan) -> AirPolys {
    let AirPlan { deg, zc_cosets, lu_cosets, logup, log_height, mut totals, .. } = plan;
    let n = 1usize << l_skip;
    // Zerocheck: q on the cosets is the sum divided by the vanishing polynomial (constant on a
    // coset); s'_0 = (Z^{2^l_skip} - 1) q, as upstream.
    let zerocheck = if deg == 0 {
        UnivariatePoly::new(vec![])
    } else {
        let mut zc = std::mem::take(&mut totals[0]);
        let mut shift = F::GENERATOR;
        for c in 0..zc_cosets {
            let inv = (shift.exp_power_of_2(l_skip) - F::ONE).inverse();
            for v in &mut zc[c * n..(c + 1) * n] {
                *v *= inv;
            }
            shift *= F::GENERATOR;
        }
        let q = interpolate(l_skip, zc_cosets, &zc);
        let sp_0_deg = sumcheck_round0_deg(l_skip, deg);
        let coeffs = (0..=sp_0_deg)
            .map(|i| {
                let mut c = -*q.coeffs().get(i).unwrap_or(&EF::ZERO);
                if i >= n {
                    c += q.coeffs()[i - n];
                }
                c
            })
            .collect();
        UnivariatePoly::new(coeffs)
    };
    let logup = logup.then(|| {
        let mut numer = interpolate(l_skip, lu_cosets, &totals[1]);
        let denom = interpolate(l_skip, lu_cosets, &totals[2]);
        // Lifted traces: counts divided by the repetition, as upstream.
        let norm = F::from_usize(1 << l_skip.saturating_sub(log_height)).inverse();
        for c in numer.coeffs_mut() {
            *c *= norm;
        }
        [numer, denom]
    });
    AirPolys { logup, zerocheck }
}

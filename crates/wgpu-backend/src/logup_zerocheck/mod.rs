//! `prover.rap_constraints` on the GPU: LogUp's GKR and the batched zerocheck, with the same
//! transcript interactions as upstream's `prove_zerocheck_and_logup` (openvm-stark-backend,
//! prover/logup_zerocheck/mod.rs), so the proof is byte for byte upstream's:
//!
//! 1. `prover.rap_constraints.logup_gkr`: the LogUp proof-of-work ([`crate::openings::grinding`]), α and β;
//!    the GKR input layer ([`gkr_input`]) and the fractional-sum GKR ([`fractional`]); ξ extended to
//!    `l_skip + max(n_max, n_logup)`.
//! 2. `prover.rap_constraints.round0`: λ; round 0 of every AIR ([`round0`]); the host
//!    batches those small polynomials with eq and μ as upstream does, observes them and samples
//!    r_0; the traces are folded at r_0 ([`mle_round`]).
//! 3. `prover.rap_constraints.mle_rounds`: each round's polynomials of every AIR come back in
//!    one read-back ([`mle_round`]); the host batches them into the round's message, samples
//!    the challenge, and the device folds. The column openings end the phase.
//!
//! Two checks refuse bad witnesses before a proof exists: a nonzero LogUp sum (the
//! interactions do not balance; the error names the buses and their AIRs), and an AIR whose
//! round-0 polynomial disagrees with its folded trace (it violates a constraint;
//! `ZerocheckMle::round0_consistency`).

//! Device-side transcript rounds of the GKR sumchecks are in [`device_transcript`].

pub mod device_transcript;
pub mod fractional;
pub mod gkr_input;
pub mod mle_round;
pub mod round0;

use std::iter::zip;

use itertools::Itertools;
use openvm_stark_backend::{
    air_builders::symbolic::SymbolicConstraintsDag,
    dft::Radix2BowersSerial,
    poly_common::{eq_uni_poly, UnivariatePoly},
    proof::{column_openings_by_rot, BatchConstraintProof, GkrProof},
    prover::{
        poly::eq_sharp_uni_poly, sumcheck::sumcheck_round0_deg, DeviceMultiStarkProvingKey, LogupZerocheckError, MatrixDimensions,
        MultiRapProver, ProvingContext,
    },
    FiatShamirTranscript,
};
use openvm_wgpu_common::{ColumnMatrix, GpuContext};
use p3_dft::TwoAdicSubgroupDft;
use p3_field::{Field, PrimeCharacteristicRing};
use p3_matrix::dense::RowMajorMatrix;
use tracing::info_span;

use crate::{
    backend::{WgpuBackend, WgpuPcsData},
    constraints::{first_violation, ConstraintTraces, DeviceConstraintProgram, HostColumns, HostTraces},
    device::{WgpuDevice, SC},
    error::WgpuProverError,
    field::{from_words, EF, F},
    logup_zerocheck::fractional::{fractional_sumcheck, FracInput},
    logup_zerocheck::gkr_input::{logup_input_layer, InteractionsLayout, LogupAir},
    logup_zerocheck::mle_round::{MleChallenges, MleOptions, ZerocheckMle},
    logup_zerocheck::round0::{sumcheck_uni_round0_polys, LogupChallenges, Round0Air, Round0Options},
    openings::grinding::grind,
};

impl<TS: FiatShamirTranscript<SC> + 'static> MultiRapProver<WgpuBackend, TS> for WgpuDevice {
    type PartialProof = (GkrProof<SC>, BatchConstraintProof<SC>);
    type Artifacts = Vec<EF>;
    type Error = WgpuProverError;

    fn prove_rap_constraints(
        &self,
        transcript: &mut TS,
        mpk: &DeviceMultiStarkProvingKey<WgpuBackend>,
        ctx: &ProvingContext<WgpuBackend>,
        _common_main_pcs_data: &WgpuPcsData,
    ) -> Result<(Self::PartialProof, Self::Artifacts), WgpuProverError> {
        let _span = info_span!("prover.rap_constraints", phase = "prover").entered();
        let (gkr, batch, r) = prove_zerocheck_and_logup(&self.ctx, transcript, mpk, ctx)?;
        Ok(((gkr, batch), r))
    }
}

/// The device data of the proving context's AIRs, in its order.
struct Airs<'a> {
    names: Vec<(usize, &'a str)>,
    programs: Vec<&'a DeviceConstraintProgram>,
    preprocessed: Vec<Option<&'a ColumnMatrix>>,
    mains: Vec<Vec<&'a ColumnMatrix>>,
    degrees: Vec<usize>,
    /// Upstream's constraints, for the host's diagnosis of a refused trace.
    dags: Vec<&'a SymbolicConstraintsDag<F>>,
    public_values: Vec<&'a [F]>,
}

impl<'a> Airs<'a> {
    fn new(mpk: &'a DeviceMultiStarkProvingKey<WgpuBackend>, ctx: &'a ProvingContext<WgpuBackend>) -> Result<Self, WgpuProverError> {
        let mut airs = Airs {
            names: vec![],
            programs: vec![],
            preprocessed: vec![],
            mains: vec![],
            degrees: vec![],
            dags: vec![],
            public_values: vec![],
        };
        for (air_idx, trace) in &ctx.per_trace {
            let pk = mpk.per_air.get(*air_idx).ok_or_else(|| {
                WgpuProverError::InvalidInput(format!("AIR index {air_idx} is not in the proving key ({} AIRs)", mpk.per_air.len()))
            })?;
            let program = pk.other_data.get(&pk.air_name)?;
            if program.program.needs_next != pk.vk.params.need_rot {
                return Err(WgpuProverError::InvalidInput(format!(
                    "AIR {air_idx} ({}): the verifying key's need_rot ({}) disagrees with its constraints' next-row reads",
                    pk.air_name, pk.vk.params.need_rot
                )));
            }
            airs.names.push((*air_idx, pk.air_name.as_str()));
            airs.programs.push(program);
            airs.preprocessed.push(pk.preprocessed_data.as_ref().map(|d| d.trace.device()).transpose()?);
            airs.mains.push(trace.cached_mains.iter().map(|c| c.trace.device()).chain([trace.common_main.device()]).try_collect()?);
            airs.degrees.push(pk.vk.max_constraint_degree as usize);
            airs.dags.push(&pk.vk.symbolic_constraints);
            airs.public_values.push(&trace.public_values);
        }
        Ok(airs)
    }

    fn traces(&self, ctx: &'a ProvingContext<WgpuBackend>, t: usize) -> ConstraintTraces<'_> {
        ConstraintTraces { preprocessed: self.preprocessed[t], mains: &self.mains[t], public_values: &ctx.per_trace[t].1.public_values }
    }
}

/// What `prover.rap_constraints` produces: the GKR proof, the batch constraint proof and the
/// sumcheck's challenges r (`n_max + 1` of them), which the openings use.
pub type RapConstraintsProof = (GkrProof<SC>, BatchConstraintProof<SC>, Vec<EF>);

/// Upstream's `prove_zerocheck_and_logup` on the device.
pub fn prove_zerocheck_and_logup<TS: FiatShamirTranscript<SC> + 'static>(
    gpu: &GpuContext,
    transcript: &mut TS,
    mpk: &DeviceMultiStarkProvingKey<WgpuBackend>,
    ctx: &ProvingContext<WgpuBackend>,
) -> Result<RapConstraintsProof, WgpuProverError> {
    let l_skip = mpk.params.l_skip;
    let constraint_degree = mpk.max_constraint_degree;
    let num_traces = ctx.per_trace.len();
    let Some((_, first)) = ctx.per_trace.first() else {
        return Err(WgpuProverError::InvalidInput("the proving context has no trace".into()));
    };
    // Traces are sorted by height, tallest first.
    let n_max = (first.common_main.height().trailing_zeros() as usize).saturating_sub(l_skip);
    let device = Airs::new(mpk, ctx)?;

    let gkr_span = info_span!("prover.rap_constraints.logup_gkr", phase = "prover").entered();
    let logup_pow_witness = grind(gpu, transcript, mpk.params.logup.pow_bits)?;
    let alpha = transcript.sample_ext();
    let beta = transcript.sample_ext();
    let logup_airs: Vec<LogupAir<'_>> =
        (0..num_traces).map(|t| LogupAir { program: device.programs[t], traces: device.traces(ctx, t) }).collect();
    let (input, layout) = logup_input_layer(gpu, &logup_airs, l_skip, alpha, beta, Default::default())?;
    let (frac_sum_proof, mut xi) = match fractional_sumcheck(gpu, transcript, &input, true) {
        Err(WgpuProverError::LogupZerocheck(LogupZerocheckError::NonZeroRootSum)) => {
            return Err(unbalanced_interactions(gpu, &input, &layout, &device));
        }
        other => other?,
    };
    drop(input);
    let n_global = n_max.max(layout.n_logup);
    while xi.len() != l_skip + n_global {
        xi.push(transcript.sample_ext());
    }
    drop(gkr_span);

    let round0_span = info_span!("prover.rap_constraints.round0", phase = "prover").entered();
    let lambda = transcript.sample_ext();
    let airs: Vec<Round0Air<'_>> = (0..num_traces)
        .map(|t| Round0Air { program: device.programs[t], traces: device.traces(ctx, t), constraint_degree: device.degrees[t] })
        .collect();
    let logup = LogupChallenges { layout: &layout, beta };
    let sp_0_polys = sumcheck_uni_round0_polys(gpu, &airs, l_skip, logup, &xi, lambda, Round0Options::default())?;
    let round0 = batch_round0(transcript, l_skip, constraint_degree, &xi, &sp_0_polys)?;
    let mut r = Vec::with_capacity(n_max + 1);
    let r_0 = transcript.sample_ext();
    r.push(r_0);
    let mut prev_s_eval = round0.s_0.eval_at_point(r_0);
    let challenges = MleChallenges { xi: &xi, lambda, r_0, logup: Some(logup) };
    let mut mle = ZerocheckMle::new(gpu, &airs, l_skip, challenges, constraint_degree, MleOptions::default())?;
    drop(round0_span);

    let mle_span = info_span!("prover.rap_constraints.mle_rounds", phase = "prover").entered();
    let s0_at_r0: Vec<EF> = sp_0_polys[2 * num_traces..].iter().map(|p| p.eval_at_point(r_0)).collect();
    let s_deg = constraint_degree + 1;
    let n_lifts: Vec<usize> = mle.folded(gpu)?.iter().map(|f| f.n_lift).collect();
    let mut sumcheck_round_polys = Vec::with_capacity(n_max);
    for round in 1..=n_max {
        let sp_round_evals = mle.sumcheck_polys_eval(gpu, round, r[round - 1])?;
        if round == 1 {
            check_constraints(gpu, &mut mle, &s0_at_r0, &device)?;
        }
        let (eq_ns, eq_sharp_ns) = mle.eq_factors();
        let (eq_n, eq_sharp_n) = (eq_ns[round - 1], eq_sharp_ns[round - 1]);
        // AIRs whose variables are exhausted sit at the end (heights decrease).
        let tail_start = n_lifts.iter().position(|&n| round > n).unwrap_or(num_traces);
        let mut sp_head_zc = vec![EF::ZERO; constraint_degree];
        let mut sp_head_logup = vec![EF::ZERO; constraint_degree];
        let mut sp_tail = EF::ZERO;
        let mu = &round0.mu_pows;
        for t in 0..num_traces {
            let AirPolyIndices { zc, numer, denom } = AirPolyIndices::of(num_traces, t);
            if t < tail_start {
                for i in 0..constraint_degree {
                    sp_head_zc[i] += mu[zc] * sp_round_evals[zc][i];
                    sp_head_logup[i] += mu[numer] * sp_round_evals[numer][i] + mu[denom] * sp_round_evals[denom][i];
                }
            } else {
                sp_tail += mu[zc] * sp_round_evals[zc][0] + mu[numer] * sp_round_evals[numer][0] + mu[denom] * sp_round_evals[denom][0];
            }
        }
        let mut sp_head_evals = vec![EF::ZERO; s_deg];
        for i in 0..constraint_degree {
            sp_head_evals[i + 1] = eq_n * sp_head_zc[i] + eq_sharp_n * sp_head_logup[i];
        }
        let xi_cur = xi[l_skip + round - 1];
        sp_head_evals[0] = (prev_s_eval - xi_cur * sp_head_evals[1] - sp_tail) * (EF::ONE - xi_cur).inverse();
        let sp_head = UnivariatePoly::lagrange_interpolate(&(0..s_deg).map(F::from_usize).collect_vec(), &sp_head_evals);
        // Multiply by eq(xi_cur, X) and add the tail's linear term.
        let batch_s = {
            let mut coeffs = sp_head.into_coeffs();
            coeffs.push(EF::ZERO);
            let b = EF::ONE - xi_cur;
            let a = xi_cur - b;
            for i in (0..s_deg).rev() {
                coeffs[i + 1] = a * coeffs[i] + b * coeffs[i + 1];
            }
            coeffs[0] *= b;
            coeffs[1] += sp_tail;
            UnivariatePoly::new(coeffs)
        };
        let batch_s_evals = (1..=s_deg).map(|i| batch_s.eval_at_point(EF::from_usize(i))).collect_vec();
        for &eval in &batch_s_evals {
            transcript.observe_ext(eval);
        }
        sumcheck_round_polys.push(batch_s_evals);
        let r_round = transcript.sample_ext();
        r.push(r_round);
        prev_s_eval = batch_s.eval_at_point(r_round);
        mle.fold_mle_evals(gpu, round, r_round)?;
    }
    if n_max == 0 {
        check_constraints(gpu, &mut mle, &s0_at_r0, &device)?;
    }
    let column_openings = mle.column_openings(gpu)?;
    drop(mle_span);

    // Common main openings of every AIR first, then the other parts'.
    let need_rot: Vec<bool> = device.programs.iter().map(|p| p.program.needs_next).collect();
    for (openings, &rot) in zip(&column_openings, &need_rot) {
        for (claim, claim_rot) in column_openings_by_rot(&openings[0], rot) {
            transcript.observe_ext(claim);
            transcript.observe_ext(claim_rot);
        }
    }
    for (openings, &rot) in zip(&column_openings, &need_rot) {
        for part in &openings[1..] {
            for (claim, claim_rot) in column_openings_by_rot(part, rot) {
                transcript.observe_ext(claim);
                transcript.observe_ext(claim_rot);
            }
        }
    }

    let batch_constraint_proof = BatchConstraintProof::<SC> {
        numerator_term_per_air: round0.numerator_terms,
        denominator_term_per_air: round0.denominator_terms,
        univariate_round_coeffs: round0.s_0.into_coeffs(),
        sumcheck_round_polys,
        column_openings,
    };
    let gkr_proof = GkrProof::<SC> {
        logup_pow_witness,
        q0_claim: frac_sum_proof.fractional_sum.1,
        claims_per_layer: frac_sum_proof.claims_per_layer,
        sumcheck_polys: frac_sum_proof.sumcheck_polys,
    };
    Ok((gkr_proof, batch_constraint_proof, r))
}

/// Where AIR `t`'s polynomials sit among the `3 * num_traces` of each round (and their μ
/// powers): LogUp's numerator and denominator of every AIR first, then every zerocheck.
struct AirPolyIndices {
    zc: usize,
    numer: usize,
    denom: usize,
}

impl AirPolyIndices {
    fn of(num_traces: usize, t: usize) -> Self {
        AirPolyIndices { zc: 2 * num_traces + t, numer: 2 * t, denom: 2 * t + 1 }
    }
}

/// Round 0's message after the device's per-AIR polynomials.
struct Round0 {
    numerator_terms: Vec<EF>,
    denominator_terms: Vec<EF>,
    mu_pows: Vec<EF>,
    s_0: UnivariatePoly<EF>,
}

/// Upstream's batching of the round-0 polynomials (small, on the host): LogUp's polynomials
/// times eq#(ξ[..l_skip], Z) give each AIR's numerator and denominator sums (observed), μ is
/// sampled, the zerocheck polynomials times eq(ξ_0, Z) are batched with μ's powers, and the
/// batched polynomial's coefficients are observed.
fn batch_round0<TS: FiatShamirTranscript<SC>>(
    transcript: &mut TS,
    l_skip: usize,
    constraint_degree: usize,
    xi: &[EF],
    sp_0_polys: &[UnivariatePoly<EF>],
) -> Result<Round0, WgpuProverError> {
    let num_traces = sp_0_polys.len() / 3;
    if sp_0_polys.len() != 3 * num_traces || xi.len() < l_skip.max(1) {
        return Err(WgpuProverError::InvalidInput(format!("round 0: {} polynomials, {} elements of xi", sp_0_polys.len(), xi.len())));
    }
    let sp_0_deg = sumcheck_round0_deg(l_skip, constraint_degree);
    let s_0_deg = sumcheck_round0_deg(l_skip, constraint_degree + 1);
    let large_uni_domain = (s_0_deg + 1).next_power_of_two();
    let dft = Radix2BowersSerial;
    let s_0_logup_polys = {
        let mut eq_coeffs = eq_sharp_uni_poly(&xi[..l_skip]).into_coeffs();
        eq_coeffs.resize(large_uni_domain, EF::ZERO);
        let eq_evals = dft.dft(eq_coeffs);
        let width = 2 * num_traces;
        let mut sp_coeffs = EF::zero_vec(width * large_uni_domain);
        for (i, poly) in sp_0_polys[..width].iter().enumerate() {
            for (j, &c) in poly.coeffs().iter().enumerate().take(sp_0_deg + 1) {
                sp_coeffs[j * width + i] = c;
            }
        }
        let mut s_evals = dft.dft_batch(RowMajorMatrix::new(sp_coeffs, width));
        for (eq, row) in zip(eq_evals, s_evals.values.chunks_mut(width)) {
            for x in row {
                *x *= eq;
            }
        }
        dft.idft_batch(s_evals)
    };
    let skip_domain_size = F::from_usize(1 << l_skip);
    let (numerator_terms, denominator_terms): (Vec<EF>, Vec<EF>) = (0..num_traces)
        .map(|t| {
            let [p, q] = [0, 1].map(|is_denom| {
                (0..=s_0_deg).step_by(1 << l_skip).map(|j| s_0_logup_polys.values[j * 2 * num_traces + 2 * t + is_denom]).sum::<EF>()
                    * skip_domain_size
            });
            transcript.observe_ext(p);
            transcript.observe_ext(q);
            (p, q)
        })
        .unzip();
    let mu = transcript.sample_ext();
    let mu_pows = mu.powers().take(3 * num_traces).collect_vec();
    let s_0_zc = {
        let mut eq_coeffs = eq_uni_poly::<F, _>(l_skip, xi[0]).into_coeffs();
        eq_coeffs.resize(large_uni_domain, EF::ZERO);
        let eq_evals = dft.dft(eq_coeffs);
        let mut sp_coeffs = EF::zero_vec(large_uni_domain);
        for (j, c) in sp_coeffs.iter_mut().enumerate().take(sp_0_deg + 1) {
            for (&mu, poly) in zip(&mu_pows[2 * num_traces..], &sp_0_polys[2 * num_traces..]) {
                *c += mu * *poly.coeffs().get(j).unwrap_or(&EF::ZERO);
            }
        }
        let mut s_evals = dft.dft(sp_coeffs);
        for (eq, x) in zip(eq_evals, &mut s_evals) {
            *x *= eq;
        }
        dft.idft(s_evals)
    };
    let s_0 = UnivariatePoly::new(
        zip(s_0_logup_polys.values.chunks_exact(2 * num_traces), s_0_zc)
            .take(s_0_deg + 1)
            .map(|(logup_row, zc)| {
                let coeff = zc + zip(&mu_pows, logup_row).map(|(&mu, &x)| mu * x).sum::<EF>();
                transcript.observe_ext(coeff);
                coeff
            })
            .collect(),
    );
    Ok(Round0 { numerator_terms, denominator_terms, mu_pows, s_0 })
}

/// Refuses a trace that violates its AIR's constraints (see `ZerocheckMle::round0_consistency`).
fn check_constraints(gpu: &GpuContext, mle: &mut ZerocheckMle<'_>, s0_at_r0: &[EF], airs: &Airs<'_>) -> Result<(), WgpuProverError> {
    let consistent = mle.round0_consistency(gpu, s0_at_r0)?;
    match consistent.iter().position(|&ok| !ok) {
        None => Ok(()),
        Some(t) => {
            let (index, name) = airs.names[t];
            // Which constraint fails, and where: the AIR evaluated on the host over its traces,
            // read back on this error path only.
            let read = |m: &ColumnMatrix| -> Result<HostColumns, WgpuProverError> {
                Ok(HostColumns { height: m.height, values: from_words(m.read_col_major(gpu)?)? })
            };
            let preprocessed = airs.preprocessed[t].map(read).transpose()?;
            let mains: Vec<HostColumns> = airs.mains[t].iter().map(|m| read(m)).try_collect()?;
            let traces = HostTraces { preprocessed: preprocessed.as_ref(), mains: &mains, public_values: airs.public_values[t] };
            Err(match first_violation(airs.dags[t], &traces) {
                Some((constraint, row)) => WgpuProverError::ConstraintsNotSatisfied { index, air: name.to_string(), constraint, row },
                None => WgpuProverError::DeviceFault { index, air: name.to_string() },
            })
        }
    }
}

/// The error for a nonzero LogUp sum, naming each bus whose fractions do not cancel and the
/// AIRs that interact on it. Reads the GKR input layer back (only on this error path).
fn unbalanced_interactions(gpu: &GpuContext, input: &FracInput, layout: &InteractionsLayout, airs: &Airs<'_>) -> WgpuProverError {
    let detail = (|| -> Result<String, WgpuProverError> {
        let fracs = input.read(gpu)?;
        // Per bus: the sum of p / q over every interaction on it, and the AIRs using it.
        let mut buses: std::collections::BTreeMap<u16, (EF, Vec<usize>)> = Default::default();
        for &(t, i, slice) in &layout.layout.sorted_cols {
            let inter = &airs.programs[t].program.interactions[i];
            let rows = &fracs[2 * slice.row_idx..2 * (slice.row_idx + slice.len(0))];
            let sum: EF =
                rows.chunks_exact(2).filter(|pq| pq[0] != EF::ZERO).map(|pq| pq[0] * pq[1].try_inverse().unwrap_or(EF::ZERO)).sum();
            let entry = buses.entry(inter.bus_index).or_default();
            entry.0 += sum;
            if !entry.1.contains(&t) {
                entry.1.push(t);
            }
        }
        let named = |ts: &[usize]| ts.iter().map(|&t| airs.names[t]).sorted().map(|(index, name)| format!("{index} ({name})")).join(", ");
        let bad: Vec<String> =
            buses.iter().filter(|(_, (sum, _))| *sum != EF::ZERO).map(|(bus, (_, ts))| format!("bus {bus} (AIRs {})", named(ts))).collect();
        Ok(if bad.is_empty() { String::new() } else { format!(" on {}", bad.join("; ")) })
    })();
    WgpuProverError::UnbalancedInteractions { detail: detail.unwrap_or_else(|e| format!(" (reading the fractions back failed: {e})")) }
}

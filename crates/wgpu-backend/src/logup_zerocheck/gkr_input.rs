//! LogUp's GKR input layer on the GPU: for every AIR, interaction and row, the fraction
//! (count, α-shifted fingerprint of the message with the bus index), laid out exactly as
//! upstream's `prove_zerocheck_and_logup` (openvm-stark-backend,
//! prover/logup_zerocheck/mod.rs) builds the input it hands to `fractional_sumcheck`.
//!
//! Upstream's construction, which this module reproduces:
//! - The AIRs are taken in the proving context's order (sorted by height, tallest first). AIR
//!   `t` of height `h_t` is lifted to `2^{max(log h_t, l_skip)}` rows; it contributes one slice
//!   of that length per interaction, in `vk.symbolic_constraints.interactions` order.
//! - `n_logup = calculate_n_logup(l_skip, Σ_t interactions_t · lifted_t)`, and the slices are
//!   placed one after another by `StackedLayout::new(0, l_skip + n_logup, ..)` (width one) in a
//!   table of `2^{l_skip + n_logup}` fractions; the sum is below that, so there is always padding.
//! - On row `i` of AIR `t`, interaction `k` (bus `b`, message `m_0 .. m_{L-1}`, count `c`) gives
//!   `p = c / (lifted_t / h_t)` and `q = β^L (b + 1) + Σ_j β^j m_j + α` (`EvalHelper::
//!   eval_interactions`, then `q += α`); a lifted trace repeats its `h_t` fractions cyclically.
//! - The rest of the table is padding `(0, α)` (upstream's `Frac::default()` plus α).
//!
//! Before the layer is built upstream grinds `params.logup.pow_bits` and samples α then β from
//! the transcript (`transcript.grind`, `sample_ext`, `sample_ext`); the caller does that and
//! passes α and β here. With no interaction at all upstream's input is empty, and so is this one.
//!
//! On the device: per AIR with interactions, the `constraint_eval` interpreter evaluates the
//! AIR's program (constraints, then per interaction count and message fields) on chunks of rows
//! sized to one storage binding, and the `logup_fractions` kernel turns each chunk's interaction
//! outputs into fractions written straight into the input buffer (two halves when one binding
//! does not hold it, four past two: `FracInput`); one more `logup_fractions` dispatch writes the padding. Every
//! AIR is recorded into one encoder, one wait at the end. Nothing is read back.

use openvm_stark_backend::{calculate_n_logup, poly_common::eval_eq_mle, prover::stacked_pcs::StackedLayout};
use openvm_wgpu_common::{kernel::require, GpuBuffer, GpuContext};
use p3_field::{Field, PrimeCharacteristicRing};
use tracing::info_span;

use crate::{
    constraints::{ConstraintTraces, DeviceConstraintProgram, EvalOptions, VirtualLayout},
    error::WgpuProverError,
    field::{ext_words, word, EF, F},
    kernels::{constraint_eval, logup_fractions, PENDING_SCRATCH_BYTES},
    logup_zerocheck::fractional::FracInput,
};

const OP: &str = "logup_input";

/// One AIR of the proving context: its compiled program on the device and its traces (with its
/// public values), all of one height.
pub struct LogupAir<'a> {
    pub program: &'a DeviceConstraintProgram,
    pub traces: ConstraintTraces<'a>,
}

impl LogupAir<'_> {
    /// The AIR's trace height (its common main trace's, upstream's `common_main.height()`).
    pub fn height(&self) -> Result<usize, WgpuProverError> {
        self.traces.height(OP)
    }
}

/// Where the fractions go: upstream's `n_logup` and its `interactions_layout`.
#[derive(Clone, Debug)]
pub struct InteractionsLayout {
    pub n_logup: usize,
    /// `sorted_cols[j] = (air, interaction, slice)`: the slice's `row_idx` is where the
    /// interaction's `2^{slice.log_height()}` fractions start.
    pub layout: StackedLayout,
}

impl InteractionsLayout {
    /// Fractions in the input layer: `2^{l_skip + n_logup}`, or 0 without interactions.
    pub fn len(&self) -> usize {
        if self.layout.sorted_cols.is_empty() {
            0
        } else {
            self.layout.height()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What the interactions layout needs of one AIR: its number of interactions and its trace
/// height.
#[derive(Clone, Copy, Debug)]
pub struct AirInteractions {
    pub interactions: usize,
    pub height: usize,
}

/// Upstream's interactions layout for `airs`, in the proving context's order (heights must not
/// increase).
pub fn interactions_layout(l_skip: usize, airs: &[AirInteractions]) -> Result<InteractionsLayout, WgpuProverError> {
    let mut meta = Vec::with_capacity(airs.len());
    let mut total: u64 = 0;
    for (t, &AirInteractions { interactions: num_interactions, height }) in airs.iter().enumerate() {
        if !height.is_power_of_two() {
            return Err(WgpuProverError::InvalidInput(format!("{OP}: AIR {t} has height {height}, not a power of two")));
        }
        let log_lifted = (height.trailing_zeros() as usize).max(l_skip);
        if let Some(&(_, prev)) = meta.last() {
            if log_lifted > prev {
                return Err(WgpuProverError::InvalidInput(format!(
                    "{OP}: AIR {t} is taller than the AIR before it; upstream sorts the proving context by height, tallest first"
                )));
            }
        }
        total = (num_interactions as u64)
            .checked_shl(log_lifted as u32)
            .and_then(|n| total.checked_add(n))
            .ok_or_else(|| WgpuProverError::InvalidInput(format!("{OP}: the number of interaction rows overflows 64 bits")))?;
        meta.push((num_interactions, log_lifted));
    }
    let n_logup = calculate_n_logup(l_skip, total);
    let layout = StackedLayout::new(0, l_skip + n_logup, meta)
        .map_err(|e| WgpuProverError::InvalidInput(format!("{OP}: interactions layout: {e}")))?;
    Ok(InteractionsLayout { n_logup, layout })
}

/// Tuning of [`logup_input_layer`].
#[derive(Clone, Copy, Debug, Default)]
pub struct LogupInputOptions {
    /// The constraint interpreter's options.
    pub eval: EvalOptions,
    /// Caps the rows evaluated per chunk (otherwise as many as one storage binding holds).
    pub max_chunk_rows: Option<usize>,
    /// Splits the input layer over two buffers past this many fractions per buffer (otherwise
    /// past what one storage binding holds).
    pub max_buffer_fractions: Option<usize>,
}

/// Builds LogUp's GKR input layer on the device from the AIRs (in the proving context's order),
/// the skip length `l_skip` and the challenges α, β (sampled as upstream does, after the LogUp
/// grind). Returns the input, ready for [`crate::logup_zerocheck::fractional::fractional_sumcheck`], and the layout.
///
/// Errors (before any GPU work) when heights are not powers of two or not sorted, when the
/// programs' reads do not match the traces, or when the input layer does not fit four storage
/// bindings.
pub fn logup_input_layer(
    ctx: &GpuContext,
    airs: &[LogupAir<'_>],
    l_skip: usize,
    alpha: EF,
    beta: EF,
    options: LogupInputOptions,
) -> Result<(FracInput, InteractionsLayout), WgpuProverError> {
    let LogupInputOptions { eval: options, max_chunk_rows, max_buffer_fractions } = options;
    let _span = info_span!("logup_input_layer").entered();
    let heights: Vec<usize> = airs.iter().map(LogupAir::height).collect::<Result<_, _>>()?;
    let shape: Vec<AirInteractions> = airs
        .iter()
        .zip(&heights)
        .map(|(a, &height)| AirInteractions { interactions: a.program.program.interactions.len(), height })
        .collect();
    let layout = interactions_layout(l_skip, &shape)?;
    let len = layout.len();
    if len == 0 {
        return Ok((FracInput::empty(ctx, OP)?, layout));
    }
    // Over two or four bindings when one does not hold it; refused past four (before any GPU
    // work).
    let input = FracInput::uninit_split_past(ctx, OP, len, max_buffer_fractions)?;

    // The table (four words per entry, as the kernel reads it): alpha, the powers of beta, then
    // two entries per interaction of every AIR, its record (count output, first message output,
    // message length, first fraction) and its bus term. Words and extension elements mixed.
    let beta_pows = beta_powers(airs.iter().map(|a| &a.program.program), beta);
    // logup_fractions loops once per message field of an invocation's interaction.
    openvm_wgpu_common::limits::check_loop_iterations("logup_fractions", beta_pows.len() as u64, &ctx.limits)
        .map_err(openvm_wgpu_common::GpuError::from)?;
    let mut table: Vec<[u32; 4]> = vec![ext_words(alpha)];
    table.extend(beta_pows.iter().map(|&b| ext_words(b)));
    let mut table_bases = Vec::with_capacity(airs.len());
    for (t, air) in airs.iter().enumerate() {
        table_bases.push(table.len());
        let slices = &layout.layout.sorted_cols[layout.layout.mat_starts[t]..];
        for (k, i) in air.program.program.interactions.iter().enumerate() {
            let (_, _, slice) = slices[k];
            let len = i.message.len();
            table.push([i.count as u32, i.message.start as u32, len as u32, slice.row_idx as u32]);
            let b = F::from_u32(i.bus_index as u32 + 1);
            table.push(ext_words(beta_pows[len] * b + alpha));
        }
    }
    let table_words: Vec<u32> = table.into_iter().flatten().collect();
    let table = GpuBuffer::from_slice(ctx, "logup fraction table", &table_words)?;
    let out = input.layer();

    // The slices fill the layer from its start; the rest is padding.
    let used = layout.layout.sorted_cols.iter().map(|(_, _, s)| s.row_idx + (1usize << s.log_height())).max().unwrap_or(0);
    let max_words = ctx.limits.max_binding_bytes() / 4;
    // Every AIR is recorded into one encoder, submitted AIR by AIR without waiting; the encoder
    // keeps each AIR's values buffer until a wait.
    let mut enc = ctx.encoder(OP);
    for (t, air) in airs.iter().enumerate() {
        let program = &air.program.program;
        let num_interactions = program.interactions.len();
        if num_interactions == 0 {
            continue;
        }
        let height = heights[t];
        let lifted = 1usize << (height.trailing_zeros() as usize).max(l_skip);
        let norm = F::from_usize(lifted / height).inverse();

        // Rows per chunk: the outputs of a chunk fit one binding, and so does the interpreter's
        // scratch for its spilled slots (one slot per invocation, rounded up to workgroups).
        let g = constraint_eval::geometry(&ctx.limits, program.num_slots, options);
        let wg = g.shape.workgroup_size[0] as u64;
        let mut chunk = (max_words / program.num_outputs.max(1) as u64).min(height as u64);
        if let Some(cap) = max_chunk_rows {
            chunk = chunk.min(cap as u64);
        }
        if g.spill_slots > 0 {
            let scratch_rows = (max_words / g.spill_slots as u64) / wg * wg;
            chunk = chunk.min(scratch_rows);
        }
        // Traces over more buffers than the interpreter binds are gathered per chunk first
        // (DeviceConstraintProgram::evaluate_into); those columns fit one binding too.
        if air.traces.buffers() > constraint_eval::TRACE_BINDINGS {
            chunk = chunk.min(max_words / VirtualLayout::of(program).columns() as u64);
        }
        // The invocations of one fraction dispatch stay within 32 bits.
        chunk = chunk.min((u32::MAX as u64) / (num_interactions * (lifted / height)) as u64);
        require(OP, chunk > 0, || {
            format!("AIR {t}: one row's {} outputs or spilled slots do not fit one storage binding", program.num_outputs)
        })?;
        let chunk = chunk as usize;
        let values = GpuBuffer::<u32>::uninit(ctx, "logup interaction values", (program.num_outputs * chunk).max(1))?;
        let mut row = 0;
        while row < height {
            let rows = chunk.min(height - row);
            air.program.record_into(ctx, &air.traces, row..row + rows, &values, options, &mut enc)?;
            let num_fracs = num_interactions * (lifted / height) * rows;
            let params = logup_fractions::Params {
                count: num_fracs as u32,
                num_fracs: num_fracs as u32,
                rows: rows as u32,
                row_start: row as u32,
                height: height as u32,
                lifted: lifted as u32,
                table_base: table_bases[t] as u32,
                norm: word(norm),
                ..Default::default()
            };
            // The values buffer is reused by the next chunk (the GPU runs them in order).
            logup_fractions::record(ctx, &mut enc, &values, &table, out, &params)?;
            row += rows;
        }
        constraint_eval::keep_buffer(&mut enc, values);
        ctx.flush_keeping_at_most(OP, &mut enc, PENDING_SCRATCH_BYTES)?;
    }
    // Padding (0, alpha) after the last slice.
    let padding = len - used;
    if padding > 0 {
        let params = logup_fractions::Params {
            count: padding as u32,
            num_fracs: 0,
            rows: 1,
            height: 1,
            lifted: 1,
            out_base: used as u32,
            ..Default::default()
        };
        logup_fractions::record(ctx, &mut enc, &table, &table, out, &params)?;
    }
    ctx.submit_and_wait(OP, enc)?;
    Ok((input, layout))
}

/// One output of a constraint program and the extension element it is weighted with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OutputWeight {
    pub output: u32,
    pub weight: EF,
}

/// One AIR's LogUp sums as weighted sums of its program's outputs, for the zerocheck rounds
/// (upstream's `eq_3b_per_trace` with β's powers, `EvalHelper::acc_interactions`): the
/// numerator is Σ_σ eq(ξ_3, b_σ) count_σ, the denominator (without α) Σ_σ eq(ξ_3, b_σ)
/// (β^len (bus + 1) + Σ_j β^j field_j), where `b_σ` are the bits of interaction σ's slice
/// position above `l_skip + ñ` in the interactions layout.
pub(crate) struct LogupWeights {
    /// Each interaction's count, weighted.
    pub numer: Vec<OutputWeight>,
    /// Each message field, weighted.
    pub denom: Vec<OutputWeight>,
    /// The denominators' constant part.
    pub constant: EF,
}

/// [`LogupWeights`] of AIR `t` (in the proving context's order) with `n_lift` = ñ multilinear
/// variables, for upstream's full ξ and β's powers (at least one more than the longest message).
pub(crate) fn logup_weights(
    t: usize,
    program: &crate::constraints::ConstraintProgram,
    layout: &InteractionsLayout,
    xi: &[EF],
    l_skip: usize,
    n_lift: usize,
    beta_pows: &[EF],
) -> Result<LogupWeights, WgpuProverError> {
    let n_logup = layout.n_logup;
    if xi.len() < l_skip + n_logup || n_logup < n_lift {
        return Err(WgpuProverError::InvalidInput(format!(
            "{OP}: AIR {t}: xi has {} elements, n_logup = {n_logup}, the AIR's n = {n_lift}",
            xi.len()
        )));
    }
    let mut w = LogupWeights { numer: Vec::new(), denom: Vec::new(), constant: EF::ZERO };
    for (i, inter) in program.interactions.iter().enumerate() {
        let slice = layout.layout.get(t, i).ok_or_else(|| {
            WgpuProverError::InvalidInput(format!("{OP}: the interactions layout has no slice for AIR {t}, interaction {i}"))
        })?;
        let mut b_int = slice.row_idx >> (l_skip + n_lift);
        let b: Vec<F> = (0..n_logup - n_lift)
            .map(|_| {
                let bit = F::from_bool(b_int & 1 == 1);
                b_int >>= 1;
                bit
            })
            .collect();
        let eq_3b: EF = eval_eq_mle(&xi[l_skip + n_lift..l_skip + n_logup], &b);
        let len = inter.message.len();
        if beta_pows.len() <= len {
            return Err(WgpuProverError::InvalidInput(format!("{OP}: {} powers of beta for a message of {len}", beta_pows.len())));
        }
        w.numer.push(OutputWeight { output: inter.count as u32, weight: eq_3b });
        for (j, o) in inter.message.clone().enumerate() {
            w.denom.push(OutputWeight { output: o as u32, weight: eq_3b * beta_pows[j] });
        }
        w.constant += eq_3b * beta_pows[len] * F::from_u32(inter.bus_index as u32 + 1);
    }
    Ok(w)
}

/// β's powers up to the longest message of `programs` (upstream's `beta_pows`).
pub(crate) fn beta_powers<'a>(programs: impl IntoIterator<Item = &'a crate::constraints::ConstraintProgram>, beta: EF) -> Vec<EF> {
    let max_len = programs.into_iter().flat_map(|p| p.interactions.iter().map(|i| i.message.len())).max().unwrap_or(0);
    beta.powers().take(max_len + 1).collect()
}

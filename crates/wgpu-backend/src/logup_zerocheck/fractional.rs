//! `prover.rap_constraints.logup_gkr` on the GPU: the fractional-sum GKR of LogUp, matching
//! upstream's `fractional_sumcheck` (openvm-stark-backend,
//! prover/logup_zerocheck/fractional_sumcheck_gkr.rs) value for value and transcript interaction
//! for transcript interaction.
//!
//! The input layer (2^n fractions p/q of extension elements, in upstream's `Frac` layout: p then
//! q, four words each) is already in device memory. One submission builds every layer of the
//! fractional-sum tree (`gkr_layer`: node i of a layer is the projective sum of nodes 2i, 2i + 1
//! of the layer below) and reads back only the root and the two nodes of layer 1. Then, for each
//! layer j = 2..=n from the root down, the batched sumcheck of
//! eq(ξ, Y) (p_j(0,Y) q_j(1,Y) + p_j(1,Y) q_j(0,Y) + λ q_j(0,Y) q_j(1,Y)) runs on the device:
//! layer j read two fractions at a time is already the row-major matrix of the four columns
//! (p_j0, q_j0, p_j1, q_j1), so round 0 reads the tree layer in place. The eq table is built on
//! the device (`eq_table`); each round is the partial sums fused with the fold of the previous
//! round's challenge (`gkr_sumcheck_round`, folding the four columns and eq into a second set of
//! buffers, the two sets used in turn) and the second pass, which writes s(1), s(2), s(3) and
//! with the sponge on the device also observes them and samples the next challenge
//! (`transcript_sponge`, through `RoundTranscript::reduce_step`). After the last round
//! `gkr_layer_claims` folds at the last challenge.
//! Every layer is recorded ahead of its challenges (device_transcript.rs): with the sponge on
//! the device all layers run without a host wait and the messages are read back once;
//! otherwise each round waits for its messages and the host samples. With the sponge on the
//! device, the rounds small enough for one workgroup (`gkr_small_rounds::small_round_pairs`
//! pairs of rows) run inside one: the small layers 1..=K whole in one dispatch (their tree
//! layers copied side by side), and each larger layer's last rounds with its claims, μ and the
//! next layer's λ in one.

use openvm_stark_backend::{
    proof::GkrLayerClaims,
    prover::{
        fractional_sumcheck_gkr::{Frac, FracSumcheckProof},
        LogupZerocheckError,
    },
    FiatShamirTranscript,
};
use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuError};
use p3_field::PrimeCharacteristicRing;
use tracing::info_span;

use crate::{
    device::SC,
    error::WgpuProverError,
    field::{ext_as_words, ext_from_words, EF},
    kernels::{
        eq_table,
        ext_column_sums::Partials,
        gkr_layer::{self, FracLayer},
        gkr_layer_claims,
        gkr_small_rounds::{self, SmallRoundBuffers, SmallRounds},
        gkr_sumcheck_round::{self, RoundBuffers},
    },
    logup_zerocheck::device_transcript::{RoundTranscript, SpongePlacement},
};

const OP: &str = "logup_gkr";
/// Words of one fraction (p, q): two extension elements.
const FRAC_WORDS: usize = 8;

/// The input layer of the fractional sumcheck in device memory: `len` fractions, fraction i at
/// words 8i..8i + 8 (p_i, then q_i; upstream's `Frac<EF>` layout) of `lo`, or, for a layer
/// larger than one storage binding, fractions from `split` on in `hi` (from its start). Two
/// bindings are the most: the tree layer above must fit one.
pub struct FracInput {
    lo: GpuBuffer<u32>,
    hi: Option<GpuBuffer<u32>>,
    split: usize,
    len: usize,
}

impl FracInput {
    /// The first `len` fractions of `buffer`.
    pub fn new(buffer: GpuBuffer<u32>, len: usize) -> Result<Self, WgpuProverError> {
        let words = len.checked_mul(FRAC_WORDS).filter(|&w| w <= buffer.len());
        if words.is_none() {
            return Err(WgpuProverError::InvalidInput(format!(
                "{OP}: {len} fractions need {} words, the buffer has {}",
                len.saturating_mul(FRAC_WORDS),
                buffer.len()
            )));
        }
        Ok(FracInput { lo: buffer, hi: None, split: len, len })
    }

    /// Device memory for `len` fractions (a power of two, or 0), contents unspecified: one
    /// buffer when it fits one storage binding, else two halves; refused past two bindings.
    pub fn uninit(ctx: &GpuContext, op: &str, len: usize) -> Result<Self, WgpuProverError> {
        Self::uninit_split_past(ctx, op, len, None)
    }

    /// [`FracInput::uninit`], split into halves already past `max_fractions` per buffer when
    /// given (tests force the split this way).
    pub fn uninit_split_past(ctx: &GpuContext, op: &str, len: usize, max_fractions: Option<usize>) -> Result<Self, WgpuProverError> {
        let device_fracs = (ctx.limits.max_binding_bytes() / (4 * FRAC_WORDS as u64)) as usize;
        let binding_fracs = max_fractions.map_or(device_fracs, |m| m.min(device_fracs));
        if len <= binding_fracs {
            return Self::new(GpuBuffer::uninit(ctx, op, (len * FRAC_WORDS).max(FRAC_WORDS))?, len);
        }
        let half = len / 2;
        if half > device_fracs || !len.is_power_of_two() {
            return Err(GpuError::BufferTooLargeIn {
                op: op.to_string(),
                needed: (len * FRAC_WORDS * 4) as u64,
                available: 2 * ctx.limits.max_binding_bytes(),
                note: " (LogUp's GKR input layer spans at most two storage bindings)".to_string(),
            }
            .into());
        }
        let lo = GpuBuffer::uninit(ctx, op, half * FRAC_WORDS)?;
        let hi = GpuBuffer::uninit(ctx, op, half * FRAC_WORDS)?;
        Ok(FracInput { lo, hi: Some(hi), split: half, len })
    }

    /// Uploads host fractions.
    pub fn from_host(ctx: &GpuContext, evals: &[Frac<EF>]) -> Result<Self, WgpuProverError> {
        if evals.is_empty() {
            return FracInput::new(GpuBuffer::<u32>::zeroed(ctx, OP, FRAC_WORDS)?, 0);
        }
        let input = FracInput::uninit(ctx, OP, evals.len())?;
        let flat: Vec<EF> = evals.iter().flat_map(|f| [f.p, f.q]).collect();
        let words = ext_as_words(&flat);
        let at = input.split * FRAC_WORDS;
        input.lo.write(ctx, 0, &words[..at.min(words.len())])?;
        if let Some(hi) = &input.hi {
            hi.write(ctx, 0, &words[at..])?;
        }
        Ok(input)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the layer spans two buffers.
    pub fn is_split(&self) -> bool {
        self.hi.is_some()
    }

    /// The layer as the kernels bind it.
    pub fn layer(&self) -> FracLayer<'_> {
        match &self.hi {
            Some(hi) => FracLayer { lo: &self.lo, hi, split: self.split as u32 },
            None => FracLayer::whole(&self.lo),
        }
    }

    /// The fractions in one new buffer (the halves copied side by side), for a split layer that
    /// fits one binding.
    fn joined(&self, ctx: &GpuContext) -> Result<GpuBuffer<u32>, WgpuProverError> {
        let out = GpuBuffer::<u32>::uninit(ctx, OP, self.len * FRAC_WORDS)?;
        let lo_bytes = (self.split * FRAC_WORDS * 4) as u64;
        let mut enc = ctx.encoder(OP);
        ctx.scoped(OP, || {
            enc.copy_buffer_to_buffer(&self.lo.buffer, 0, &out.buffer, 0, lo_bytes);
            if let Some(hi) = &self.hi {
                enc.copy_buffer_to_buffer(&hi.buffer, 0, &out.buffer, lo_bytes, ((self.len - self.split) * FRAC_WORDS * 4) as u64);
            }
        })?;
        ctx.submit_and_wait(OP, enc)?;
        Ok(out)
    }

    /// Reads the fractions back, as words (8 per fraction).
    pub fn read_words(&self, ctx: &GpuContext) -> Result<Vec<u32>, WgpuProverError> {
        let mut words = self.lo.read_range(ctx, 0..FRAC_WORDS * self.split.min(self.len))?;
        if let Some(hi) = &self.hi {
            words.extend(hi.read_range(ctx, 0..FRAC_WORDS * (self.len - self.split))?);
        }
        Ok(words)
    }
}

/// Upstream's `fractional_sumcheck` on the device: the proof (root fraction, the four claims of
/// every layer j >= 1, each layer's sumcheck round polynomials at {1, 2, 3}) and the final
/// evaluation point ξ, with the same transcript interactions. `assert_zero`: the root's
/// numerator must be zero (an error otherwise) and is not observed.
///
/// An empty input gives upstream's empty proof. A single fraction (2^0) is refused: upstream's
/// function indexes past its tree there, and the verifier needs at least one layer. The input
/// may span two storage bindings ([`FracInput`]); one whose tree's largest layer (half of it)
/// exceeds one binding is refused with its size.
pub fn fractional_sumcheck<TS: FiatShamirTranscript<SC> + 'static>(
    ctx: &GpuContext,
    transcript: &mut TS,
    input: &FracInput,
    assert_zero: bool,
) -> Result<(FracSumcheckProof<SC>, Vec<EF>), WgpuProverError> {
    fractional_sumcheck_with(ctx, transcript, input, assert_zero, SpongePlacement::of(ctx))
}

/// [`fractional_sumcheck`] with the challenges sampled where `placement` says.
pub fn fractional_sumcheck_with<TS: FiatShamirTranscript<SC> + 'static>(
    ctx: &GpuContext,
    transcript: &mut TS,
    input: &FracInput,
    assert_zero: bool,
    placement: SpongePlacement,
) -> Result<(FracSumcheckProof<SC>, Vec<EF>), WgpuProverError> {
    let _span = info_span!("fractional_sumcheck").entered();
    let len = input.len;
    if len == 0 {
        let proof = FracSumcheckProof { fractional_sum: (EF::ZERO, EF::ONE), claims_per_layer: vec![], sumcheck_polys: vec![] };
        return Ok((proof, vec![]));
    }
    if !len.is_power_of_two() {
        return Err(WgpuProverError::InvalidInput(format!("{OP}: {len} fractions is not a power of two")));
    }
    if len == 1 {
        return Err(WgpuProverError::InvalidInput(format!(
            "{OP}: a single fraction has no GKR layer (upstream's fractional_sumcheck and verify_gkr need at least 2)"
        )));
    }
    let total_rounds = len.trailing_zeros() as usize;
    // The tree's largest layer (half the input) must fit one binding; the input may span two.
    let bytes = (len / 2 * FRAC_WORDS * 4) as u64;
    if bytes > ctx.limits.max_binding_bytes() {
        return Err(GpuError::BufferTooLargeIn {
            op: OP.to_string(),
            needed: 2 * bytes,
            available: 2 * ctx.limits.max_binding_bytes(),
            note: " (LogUp's GKR input layer spans at most two storage bindings)".to_string(),
        }
        .into());
    }

    // The tree: layers[k] holds layer k (2^k fractions) for k < n; layer n is the input.
    let tree_span = info_span!("gkr_tree").entered();
    let mut enc = ctx.encoder(OP);
    let layers: Vec<GpuBuffer<u32>> =
        (0..total_rounds).map(|k| GpuBuffer::<u32>::uninit(ctx, OP, FRAC_WORDS << k)).collect::<Result<_, _>>()?;
    // Layer k as the kernels bind it; only the input (layer n) may span two buffers. Rounds in
    // one workgroup, tree-layer copies and the claims read one buffer: a split input that fits
    // one binding (tests force such splits) is joined first; a larger one's layer always starts
    // with device-wide rounds (checked below).
    let joined = match input.is_split() && len * FRAC_WORDS * 4 <= ctx.limits.max_binding_bytes() as usize {
        true => Some(input.joined(ctx)?),
        false => None,
    };
    let input_layer = joined.as_ref().map_or_else(|| input.layer(), FracLayer::whole);
    let frac_layer = |k: usize| if k == total_rounds { input_layer } else { FracLayer::whole(&layers[k]) };
    let layer = |k: usize| frac_layer(k).lo;
    for k in (0..total_rounds).rev() {
        gkr_layer::record(ctx, &mut enc, frac_layer(k + 1), &layers[k], 1 << k)?;
    }
    // Layer 1's two fractions, then the root.
    let top = GpuBuffer::<u32>::uninit(ctx, OP, 3 * FRAC_WORDS)?;
    ctx.scoped(OP, || {
        enc.copy_buffer_to_buffer(&layer(1).buffer, 0, &top.buffer, 0, (2 * FRAC_WORDS * 4) as u64);
        enc.copy_buffer_to_buffer(&layers[0].buffer, 0, &top.buffer, (2 * FRAC_WORDS * 4) as u64, (FRAC_WORDS * 4) as u64);
    })?;
    let top = ext_from_words(top.submit_and_read(ctx, OP, enc, 0..3 * FRAC_WORDS)?)?;
    let frac_sum = (top[4], top[5]);
    if assert_zero {
        if frac_sum.0 != EF::ZERO {
            return Err(LogupZerocheckError::NonZeroRootSum.into());
        }
    } else {
        transcript.observe_ext(frac_sum.0);
    }
    transcript.observe_ext(frac_sum.1);

    drop(tree_span);
    let claims_0 = observe_claims(transcript, &top[..4]);
    let mu = transcript.sample_ext();

    // Challenge slots: layer L's point ξ_L = (μ_L, ρ_L,0, ..., ρ_L,L-1) at L(L+1)/2 (layer 0's
    // is (μ_0)), so the eq table of layer L + 1 reads it in place; λ_L after every point.
    // Message slots: layer L's rounds (s(1), s(2), s(3) each), then its four claims.
    let challenge_slots = lambda_slot(total_rounds, total_rounds);
    let mut rt = RoundTranscript::new(ctx, OP, transcript, placement, message_slot(total_rounds), challenge_slots)?;
    rt.set_challenge(point_slot(0), mu)?;

    // Working buffers sized for the largest layer (n - 1, over 2^(n-1) rows), reused by every
    // layer: folded copies used in turn (rows of four extension elements, and eq values).
    let top_m = 1usize << (total_rounds - 1);
    let eq = GpuBuffer::<u32>::uninit(ctx, OP, 4 * top_m)?;
    let eq_scratch = eq_table::scratch(ctx, OP, total_rounds)?;
    let pq_sets = [GpuBuffer::<u32>::uninit(ctx, OP, 8 * top_m)?, GpuBuffer::<u32>::uninit(ctx, OP, 8 * top_m)?];
    let eq_sets = [GpuBuffer::<u32>::uninit(ctx, OP, 2 * top_m)?, GpuBuffer::<u32>::uninit(ctx, OP, 2 * top_m)?];
    // The most workgroups any round writes (not always a layer's first round's: the items per
    // invocation grow in steps).
    let most = (1..total_rounds)
        .flat_map(|layer| (0..layer).map(move |s| ((1usize << layer) >> s) / 2))
        .try_fold(1, |a, half| gkr_sumcheck_round::workgroups(ctx, half).map(|w| a.max(w)))?;
    let partials = GpuBuffer::<u32>::uninit(ctx, OP, 12 * most)?;

    // With the sponge on the device, rounds of at most `small` pairs of rows run inside one
    // workgroup: layers 1..=small_layers whole in one dispatch, and each larger layer's last
    // rounds in one dispatch. With the host sampling every round waits for the host anyway.
    let small = gkr_small_rounds::small_round_pairs(ctx)?;
    let on_device = rt.on_device();
    // Round s of layer L has 2^(L - 1 - s) pairs; the first round from which all are small.
    let first_small_round =
        |layer: usize| if on_device { (0..layer).find(|&s| (1usize << (layer - 1 - s)) <= small).unwrap_or(layer) } else { layer };
    let small_layers = (1..total_rounds).take_while(|&layer| first_small_round(layer) == 0).last().unwrap_or(0);
    // The one-workgroup rounds' buffers: the small layers' tree layers 2..=small_layers + 1
    // side by side, and two sets of folded rows (the largest such round folds into 2 small
    // rows; a small layer's eq table has 2^L <= 2 small entries).
    let work_rows = (2 * small).min(top_m).max(2);
    let work = GpuBuffer::<u32>::uninit(ctx, OP, 4 * gkr_small_rounds::work_elements(work_rows))?;
    let small_tree = GpuBuffer::<u32>::uninit(ctx, OP, (FRAC_WORDS << (small_layers + 2)).saturating_sub(4 * FRAC_WORDS).max(FRAC_WORDS))?;

    let record_span = info_span!("gkr_layers").entered();
    let mut enc = ctx.encoder(OP);
    if small_layers > 0 {
        ctx.scoped(OP, || {
            for k in 2..=small_layers + 1 {
                let (at, bytes) = ((FRAC_WORDS * ((1 << k) - 4) * 4) as u64, (FRAC_WORDS << k) as u64 * 4);
                enc.copy_buffer_to_buffer(&layer(k).buffer, 0, &small_tree.buffer, at, bytes);
            }
        })?;
        let buffers = SmallRoundBuffers {
            sponge: rt.sponge(),
            tree: &small_tree,
            pq_in: &small_tree,
            eq_in: &small_tree,
            work: &work,
            messages: rt.messages(),
            challenges: rt.challenges(),
        };
        // Runs of whole layers within an invocation's loop limit, one dispatch each; a run
        // samples its first layer's λ, the last run also the next layer's.
        let next_lambda = small_layers + 1 < total_rounds;
        for layers in gkr_small_rounds::layer_runs(ctx, 1..=small_layers)? {
            let last = *layers.end() == small_layers;
            let job = SmallRounds { layers, first_round: 0, total_layers: total_rounds, work_rows, next_lambda: last && next_lambda };
            gkr_small_rounds::record(ctx, &mut enc, &buffers, &job)?;
        }
        rt.record_steps((1..=small_layers).flat_map(|layer| layer_steps(layer, 0, total_rounds, layer == small_layers && next_lambda)))?;
        rt.flush(&mut enc)?;
    }
    for round in small_layers + 1..total_rounds {
        let m = 1usize << round;
        let (messages, point) = (message_slot(round), point_slot(round));
        // On the device the previous layer's last dispatch sampled λ.
        if !on_device {
            rt.step(&mut enc, 0..0, lambda_slot(total_rounds, round), 1)?;
        }
        eq_table::record(ctx, &mut enc, rt.challenges(), point_slot(round - 1), round, &eq, 0, &eq_scratch)?;
        let mut pq_cur = frac_layer(round + 1);
        let mut eq_cur = &eq;
        let tail = first_small_round(round);
        if pq_cur.is_split() && (tail < 2 || round < 2) {
            return Err(WgpuProverError::InvalidInput(format!("{OP}: layer {round} over two bindings needs two device-wide rounds")));
        }
        for s in 0..tail {
            let half = (m >> s) / 2;
            // From the second round on, the round folds the previous one's matrix at its
            // challenge ρ_(s-1) into the other set of buffers; the first reads the tree layer
            // and eq.
            let fold = (s > 0).then(|| point + s);
            let (pq_out, eq_out) = (&pq_sets[s % 2], &eq_sets[s % 2]);
            let buffers = RoundBuffers { pq_in: pq_cur, eq_in: eq_cur, pq_out, eq_out, partials: &partials, challenges: rt.challenges() };
            gkr_sumcheck_round::record(ctx, &mut enc, &buffers, half, lambda_slot(total_rounds, round), fold)?;
            if fold.is_some() {
                (pq_cur, eq_cur) = (FracLayer::whole(pq_out), eq_out);
            }
            let rows = gkr_sumcheck_round::workgroups(ctx, half)?;
            let at = messages + 3 * s;
            rt.reduce_step(&mut enc, &Partials { buffer: &partials, base: 0, rows, columns: 3 }, at, point + 1 + s, 1)?;
        }
        if tail < round {
            // The small last rounds, the claims and μ (and the next layer's λ) in one dispatch.
            let job = SmallRounds {
                layers: round..=round,
                first_round: tail,
                total_layers: total_rounds,
                work_rows,
                next_lambda: round + 1 < total_rounds,
            };
            let buffers = SmallRoundBuffers {
                sponge: rt.sponge(),
                tree: pq_cur.lo,
                pq_in: pq_cur.lo,
                eq_in: eq_cur,
                work: &work,
                messages: rt.messages(),
                challenges: rt.challenges(),
            };
            gkr_small_rounds::record(ctx, &mut enc, &buffers, &job)?;
            rt.record_steps(layer_steps(round, tail, total_rounds, job.next_lambda))?;
        } else {
            // The last fold leaves one row: the layer's claims; then μ.
            let at = messages + 3 * round;
            gkr_layer_claims::record(ctx, &mut enc, pq_cur.lo, rt.challenges(), point + round, rt.messages(), at)?;
            rt.step(&mut enc, at..at + 4, point, 1)?;
        }
        rt.flush(&mut enc)?;
    }
    drop(record_span);
    let (messages, challenges) = info_span!("gkr_finish").in_scope(|| rt.finish(enc))?;

    let mut claims_per_layer = Vec::with_capacity(total_rounds);
    claims_per_layer.push(claims_0);
    let mut sumcheck_polys = Vec::with_capacity(total_rounds);
    for round in 1..total_rounds {
        let at = message_slot(round);
        sumcheck_polys.push((0..round).map(|s| [0, 1, 2].map(|k| messages[at + 3 * s + k])).collect());
        claims_per_layer.push(layer_claims(&messages[at + 3 * round..at + 3 * round + 4]));
    }
    let last = total_rounds - 1;
    let xi = challenges[point_slot(last)..point_slot(last) + last + 1].to_vec();
    let proof = FracSumcheckProof { fractional_sum: frac_sum, claims_per_layer, sumcheck_polys };
    Ok((proof, xi))
}

/// Layer L's point ξ_L = (μ_L, ρ_L,0, ..., ρ_L,L-1) starts at this challenge slot.
fn point_slot(layer: usize) -> usize {
    layer * (layer + 1) / 2
}

/// λ of layer L, after every point.
fn lambda_slot(total_layers: usize, layer: usize) -> usize {
    point_slot(total_layers) + layer
}

/// Layer L's round messages (s(1), s(2), s(3) per round), then its four claims, start here.
fn message_slot(layer: usize) -> usize {
    (1..layer).map(|k| 3 * k + 4).sum()
}

/// The transcript steps of layer `layer` from round `first_round` on, as `gkr_small_rounds`
/// takes them: λ (when the layer starts there), each round's messages then its challenge, the
/// claims then μ, and with `next_lambda` the next layer's λ.
fn layer_steps(layer: usize, first_round: usize, total_layers: usize, next_lambda: bool) -> Vec<(std::ops::Range<usize>, usize, usize)> {
    let (at, point) = (message_slot(layer), point_slot(layer));
    let mut steps = Vec::new();
    if first_round == 0 {
        steps.push((0..0, lambda_slot(total_layers, layer), 1));
    }
    steps.extend((first_round..layer).map(|s| (at + 3 * s..at + 3 * s + 3, point + 1 + s, 1)));
    steps.push((at + 3 * layer..at + 3 * layer + 4, point, 1));
    if next_lambda {
        steps.push((0..0, lambda_slot(total_layers, layer + 1), 1));
    }
    steps
}

fn layer_claims(c: &[EF]) -> GkrLayerClaims<SC> {
    GkrLayerClaims { p_xi_0: c[0], q_xi_0: c[1], p_xi_1: c[2], q_xi_1: c[3] }
}

/// The claims (p_0, q_0, p_1, q_1) of a layer, observed in upstream's order.
fn observe_claims<TS: FiatShamirTranscript<SC>>(transcript: &mut TS, c: &[EF]) -> GkrLayerClaims<SC> {
    for &e in &c[..4] {
        transcript.observe_ext(e);
    }
    layer_claims(c)
}

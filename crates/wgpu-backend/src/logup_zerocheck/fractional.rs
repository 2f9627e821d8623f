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
//! Every layer is recorded ahead of its challenges (`device_transcript`): with the sponge on
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
use openvm_wgpu_common::{GpuContext, GpuEncoder, GpuError};
use p3_field::PrimeCharacteristicRing;
use tracing::info_span;

use crate::{
    device::SC,
    error::WgpuProverError,
    field::{as_ext4s, from_ext4s, Ext4, ExtBuffer, EF},
    kernels::{
        eq_table,
        ext_column_sums::Partials,
        gkr_layer::{self, FracLayer, MAX_PARTS},
        gkr_layer_claims,
        gkr_small_rounds::{self, SmallRoundBuffers, SmallRounds},
        gkr_sumcheck_round::{self, RoundBuffers, RoundOffsets},
    },
    logup_zerocheck::device_transcript::{RoundTranscript, SpongePlacement, TranscriptStep},
};

const OP: &str = "logup_gkr";
/// Extension elements of one fraction (p, q).
const FRAC_LEN: usize = 2;
/// Bytes of one fraction.
const FRAC_BYTES: usize = FRAC_LEN * size_of::<Ext4>();

/// The input layer of the fractional sumcheck in device memory: `len` fractions, fraction i at
/// elements 2i, 2i + 1 (p_i, then q_i; upstream's `Frac<EF>` layout), in one buffer or, for a
/// layer larger than one storage binding, over 2 or 4 buffers of `part_len` fractions each
/// (fraction i in part i / part_len). Four are the most: the tree layer above must fit two, and
/// the layer's eq table one.
pub struct FracInput {
    parts: Vec<ExtBuffer>,
    part_len: usize,
    len: usize,
}

/// The most fractions an input layer of `ctx` holds: [`MAX_PARTS`] bindings of a power of two
/// fractions each.
pub fn max_input_fractions(ctx: &GpuContext) -> usize {
    let per_binding = (ctx.limits.max_binding_bytes() / FRAC_BYTES as u64) as usize;
    if per_binding == 0 {
        return 0;
    }
    MAX_PARTS << per_binding.ilog2()
}

impl FracInput {
    /// The first `len` fractions of `buffer`.
    pub fn new(buffer: ExtBuffer, len: usize) -> Result<Self, WgpuProverError> {
        let elements = len.checked_mul(FRAC_LEN).filter(|&e| e <= buffer.len());
        if elements.is_none() {
            return Err(WgpuProverError::InvalidInput(format!(
                "{OP}: {len} fractions need {} extension elements, the buffer has {}",
                len.saturating_mul(FRAC_LEN),
                buffer.len()
            )));
        }
        Ok(FracInput { parts: vec![buffer], part_len: len, len })
    }

    /// An empty input (one fraction's memory, to bind).
    pub fn empty(ctx: &GpuContext, op: &str) -> Result<Self, WgpuProverError> {
        Self::new(ExtBuffer::zeroed(ctx, op, FRAC_LEN)?, 0)
    }

    /// Device memory for `len` fractions (a power of two, or 0), contents unspecified: one
    /// buffer when it fits one storage binding, else the fewest parts (2 or 4) that fit;
    /// refused past four bindings.
    pub fn uninit(ctx: &GpuContext, op: &str, len: usize) -> Result<Self, WgpuProverError> {
        Self::uninit_split_past(ctx, op, len, None)
    }

    /// [`FracInput::uninit`], split already past `max_fractions` per buffer when given (tests
    /// force splits this way).
    pub fn uninit_split_past(ctx: &GpuContext, op: &str, len: usize, max_fractions: Option<usize>) -> Result<Self, WgpuProverError> {
        let device_fracs = (ctx.limits.max_binding_bytes() / FRAC_BYTES as u64) as usize;
        let binding_fracs = max_fractions.map_or(device_fracs, |m| m.min(device_fracs));
        if len <= binding_fracs {
            return Self::new(ExtBuffer::uninit(ctx, op, (len * FRAC_LEN).max(FRAC_LEN))?, len);
        }
        // The fewest parts that fit; a forced split past two takes four.
        let parts = if len / 2 <= binding_fracs { 2 } else { MAX_PARTS };
        if !len.is_power_of_two() || len / parts > device_fracs {
            return Err(GpuError::BufferTooLargeIn {
                op: op.to_string(),
                needed: (len * FRAC_BYTES) as u64,
                available: MAX_PARTS as u64 * ctx.limits.max_binding_bytes(),
                note: format!(
                    " (LogUp's GKR input layer spans at most {MAX_PARTS} storage bindings, in parts of a power of two fractions)"
                ),
            }
            .into());
        }
        let part_len = len / parts;
        let parts = (0..parts).map(|_| ExtBuffer::uninit(ctx, op, part_len * FRAC_LEN)).collect::<Result<_, _>>()?;
        Ok(FracInput { parts, part_len, len })
    }

    /// Uploads host fractions.
    pub fn from_host(ctx: &GpuContext, evals: &[Frac<EF>]) -> Result<Self, WgpuProverError> {
        if evals.is_empty() {
            return FracInput::empty(ctx, OP);
        }
        let input = FracInput::uninit(ctx, OP, evals.len())?;
        let flat: Vec<EF> = evals.iter().flat_map(|f| [f.p, f.q]).collect();
        for (part, elements) in input.parts.iter().zip(as_ext4s(&flat).chunks(input.part_len * FRAC_LEN)) {
            part.write(ctx, 0, elements)?;
        }
        Ok(input)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many buffers the layer spans.
    pub fn num_parts(&self) -> usize {
        self.parts.len()
    }

    /// Whether the layer spans more than one buffer.
    pub fn is_split(&self) -> bool {
        self.parts.len() > 1
    }

    /// The layer as the kernels bind it.
    pub fn layer(&self) -> FracLayer<'_> {
        let parts: Vec<&ExtBuffer> = self.parts.iter().collect();
        FracLayer::over(&parts, self.part_len)
    }

    /// The fractions in one new buffer (the parts copied side by side), for a split layer that
    /// fits one binding.
    fn joined(&self, ctx: &GpuContext) -> Result<ExtBuffer, WgpuProverError> {
        let out = ExtBuffer::uninit(ctx, OP, self.len * FRAC_LEN)?;
        let mut enc = ctx.encoder(OP);
        ctx.scoped(OP, || {
            for (j, part) in self.parts.iter().enumerate() {
                part.record_copy(&mut enc, 0, &out, j * self.part_len * FRAC_LEN, self.part_len * FRAC_LEN);
            }
        })?;
        ctx.submit_and_wait(OP, enc)?;
        Ok(out)
    }

    /// Reads the fractions back: p_i, q_i for each fraction i.
    pub fn read(&self, ctx: &GpuContext) -> Result<Vec<EF>, WgpuProverError> {
        let mut elements = Vec::with_capacity(self.len * FRAC_LEN);
        for (j, part) in self.parts.iter().enumerate() {
            let n = self.part_len.min(self.len - j * self.part_len);
            elements.extend(part.read_range(ctx, 0..FRAC_LEN * n)?);
        }
        Ok(from_ext4s(elements)?)
    }
}

/// Upstream's `fractional_sumcheck` on the device: the proof (root fraction, the four claims of
/// every layer j >= 1, each layer's sumcheck round polynomials at {1, 2, 3}) and the final
/// evaluation point ξ, with the same transcript interactions. `assert_zero`: the root's
/// numerator must be zero (an error otherwise) and is not observed.
///
/// An empty input gives upstream's empty proof. A single fraction (2^0) is refused: upstream's
/// function indexes past its tree there, and the verifier needs at least one layer. The input
/// may span up to four storage bindings ([`FracInput`]); a larger one is refused with its size.
pub fn fractional_sumcheck<TS: FiatShamirTranscript<SC> + 'static>(
    ctx: &GpuContext,
    transcript: &mut TS,
    input: &FracInput,
    assert_zero: bool,
) -> Result<(FracSumcheckProof<SC>, Vec<EF>), WgpuProverError> {
    fractional_sumcheck_with(ctx, transcript, input, assert_zero, SpongePlacement::of(ctx))
}

/// [`fractional_sumcheck`] with the challenges sampled where `placement` says. Upstream's steps
/// in order: the segment tree and its root, layer 1's claims and μ, then each layer's batched
/// sumcheck (recorded ahead of its challenges), and the proof from the messages read back.
pub fn fractional_sumcheck_with<TS: FiatShamirTranscript<SC> + 'static>(
    ctx: &GpuContext,
    transcript: &mut TS,
    input: &FracInput,
    assert_zero: bool,
    placement: SpongePlacement,
) -> Result<(FracSumcheckProof<SC>, Vec<EF>), WgpuProverError> {
    let _span = info_span!("fractional_sumcheck").entered();
    if input.is_empty() {
        let proof = FracSumcheckProof { fractional_sum: (EF::ZERO, EF::ONE), claims_per_layer: vec![], sumcheck_polys: vec![] };
        return Ok((proof, vec![]));
    }
    let total_rounds = check_input(ctx, input.len)?;

    let tree_span = info_span!("gkr_tree").entered();
    let (tree, top) = GkrTree::build(ctx, input, total_rounds)?;
    let frac_sum = observe_root(transcript, top.root, assert_zero)?;
    drop(tree_span);
    let claims_0 = observe_claims(transcript, &top.layer_one);
    let mu = transcript.sample_ext();

    let mut rt = layers_transcript(ctx, transcript, placement, total_rounds, mu)?;
    let layers = LayerSumchecks::new(ctx, &tree, rt.on_device())?;
    let record_span = info_span!("gkr_layers").entered();
    let mut enc = ctx.encoder(OP);
    layers.record_small_layers(&mut rt, &mut enc)?;
    for round in layers.schedule.small_layers + 1..total_rounds {
        layers.record_layer(&mut rt, &mut enc, round)?;
    }
    drop(record_span);
    let (messages, challenges) = info_span!("gkr_finish").in_scope(|| rt.finish(enc))?;
    Ok(collect_proof(total_rounds, frac_sum, claims_0, &messages, &challenges))
}

/// The number of GKR layers of a non-empty input of `len` fractions, refusing what upstream
/// cannot prove (not a power of two, a single fraction) and an input past what
/// [`max_input_fractions`] allows (its tree's largest layer then fits two bindings, its eq
/// table one).
fn check_input(ctx: &GpuContext, len: usize) -> Result<usize, WgpuProverError> {
    if !len.is_power_of_two() {
        return Err(WgpuProverError::InvalidInput(format!("{OP}: {len} fractions is not a power of two")));
    }
    if len == 1 {
        return Err(WgpuProverError::InvalidInput(format!(
            "{OP}: a single fraction has no GKR layer (upstream's fractional_sumcheck and verify_gkr need at least 2)"
        )));
    }
    if len > max_input_fractions(ctx) {
        return Err(GpuError::BufferTooLargeIn {
            op: OP.to_string(),
            needed: (len * FRAC_BYTES) as u64,
            available: MAX_PARTS as u64 * ctx.limits.max_binding_bytes(),
            note: format!(" (LogUp's GKR input layer spans at most {MAX_PARTS} storage bindings)"),
        }
        .into());
    }
    Ok(len.trailing_zeros() as usize)
}

/// The top of the segment tree, read back: layer 1's two fractions (p_0, q_0, p_1, q_1) and the
/// root (p, q).
struct TreeTop {
    layer_one: [EF; 4],
    root: (EF, EF),
}

/// Upstream's segment tree on the device: `layers[k]` holds layer k (2^k fractions) for k < n,
/// in one buffer or two halves when it exceeds one binding (only layer n - 1 of an input over
/// four); layer n is the input.
struct GkrTree<'a> {
    input: &'a FracInput,
    /// The input in one buffer, when it was split but fits one binding.
    joined: Option<ExtBuffer>,
    layers: Vec<FracInput>,
    total_rounds: usize,
}

impl<'a> GkrTree<'a> {
    /// Builds every layer in one submission (node i of a layer is the projective sum of nodes
    /// 2i, 2i + 1 of the layer below; a layer in parts is written one part per dispatch) and
    /// reads back only the top.
    fn build(ctx: &GpuContext, input: &'a FracInput, total_rounds: usize) -> Result<(Self, TreeTop), WgpuProverError> {
        let layers = (0..total_rounds).map(|k| FracInput::uninit(ctx, OP, 1 << k)).collect::<Result<_, _>>()?;
        // Rounds in one workgroup, tree-layer copies and the claims read one buffer: a split
        // input that fits one binding (tests force such splits) is joined first; a larger one's
        // layer always starts with device-wide rounds (checked in `record_layer`).
        let joined = match input.is_split() && input.len * FRAC_BYTES <= ctx.limits.max_binding_bytes() as usize {
            true => Some(input.joined(ctx)?),
            false => None,
        };
        let tree = GkrTree { input, joined, layers, total_rounds };
        let mut enc = ctx.encoder(OP);
        for k in (0..total_rounds).rev() {
            let out = &tree.layers[k];
            for (j, part) in out.parts.iter().enumerate() {
                let at = j * out.part_len;
                gkr_layer::record(ctx, &mut enc, tree.frac_layer(k + 1), part, out.part_len.min((1 << k) - at), at)?;
            }
        }
        // Layer 1's two fractions, then the root.
        let top = ExtBuffer::uninit(ctx, OP, 3 * FRAC_LEN)?;
        ctx.scoped(OP, || {
            tree.layer(1).record_copy(&mut enc, 0, &top, 0, 2 * FRAC_LEN);
            tree.layer(0).record_copy(&mut enc, 0, &top, 2 * FRAC_LEN, FRAC_LEN);
        })?;
        let top = from_ext4s(top.submit_and_read(ctx, OP, enc, 0..3 * FRAC_LEN)?)?;
        Ok((tree, TreeTop { layer_one: [top[0], top[1], top[2], top[3]], root: (top[4], top[5]) }))
    }

    /// Layer k as the kernels bind it; only layer n - 1 and the input (layer n) may be split.
    fn frac_layer(&self, k: usize) -> FracLayer<'_> {
        if k < self.total_rounds {
            return self.layers[k].layer();
        }
        self.joined.as_ref().map_or_else(|| self.input.layer(), FracLayer::whole)
    }

    /// The buffer of layer k (the first part of a split layer).
    fn layer(&self, k: usize) -> &ExtBuffer {
        self.frac_layer(k).lo()
    }
}

/// Observes the root as upstream does: its numerator unless it must be zero (then refused when
/// it is not), then its denominator.
fn observe_root<TS: FiatShamirTranscript<SC>>(transcript: &mut TS, root: (EF, EF), assert_zero: bool) -> Result<(EF, EF), WgpuProverError> {
    if assert_zero {
        if root.0 != EF::ZERO {
            return Err(LogupZerocheckError::NonZeroRootSum.into());
        }
    } else {
        transcript.observe_ext(root.0);
    }
    transcript.observe_ext(root.1);
    Ok(root)
}

/// Which rounds run inside one workgroup. With the sponge on the device, rounds of at most
/// `small` pairs of rows do: layers 1..=small_layers whole in one dispatch, and each larger
/// layer's last rounds in one dispatch. With the host sampling every round waits for the host
/// anyway, so none does.
struct RoundSchedule {
    total_layers: usize,
    small: usize,
    on_device: bool,
    small_layers: usize,
    /// Rows of each working set of the one-workgroup rounds.
    work_rows: usize,
}

impl RoundSchedule {
    fn new(ctx: &GpuContext, total_layers: usize, on_device: bool) -> Result<Self, WgpuProverError> {
        let small = gkr_small_rounds::small_round_pairs(ctx)?;
        let mut schedule = RoundSchedule { total_layers, small, on_device, small_layers: 0, work_rows: 0 };
        schedule.small_layers = (1..total_layers).take_while(|&layer| schedule.first_small_round(layer) == 0).last().unwrap_or(0);
        // The largest one-workgroup round folds into 2 small rows; a small layer's eq table has
        // 2^L <= 2 small entries.
        let top_m = 1usize << (total_layers - 1);
        schedule.work_rows = (2 * small).min(top_m).max(2);
        Ok(schedule)
    }

    /// The first round of `layer` from which every round is small (round s of layer L has
    /// 2^(L - 1 - s) pairs); `layer` when none is.
    fn first_small_round(&self, layer: usize) -> usize {
        if !self.on_device {
            return layer;
        }
        (0..layer).find(|&s| (1usize << (layer - 1 - s)) <= self.small).unwrap_or(layer)
    }
}

/// The layers' working buffers, sized for the largest layer (n - 1, over 2^(n-1) rows) and
/// reused by every layer.
struct GkrBuffers {
    eq: ExtBuffer,
    eq_scratch: ExtBuffer,
    /// Folded copies used in turn: rows of four extension elements (two fractions, so a set
    /// is a layer of fractions, the first in two parts past one binding), and eq values. Round
    /// s of a layer writes set s % 2: the first fold (odd) half the largest layer's rows, the
    /// second (even) a quarter.
    pq_sets: [FracInput; 2],
    eq_sets: [ExtBuffer; 2],
    partials: ExtBuffer,
    /// The one-workgroup rounds' buffers: two sets of folded rows, and the small layers' tree
    /// layers 2..=small_layers + 1 side by side.
    work: ExtBuffer,
    small_tree: ExtBuffer,
}

impl GkrBuffers {
    fn new(ctx: &GpuContext, s: &RoundSchedule) -> Result<Self, WgpuProverError> {
        let total_rounds = s.total_layers;
        let top_m = 1usize << (total_rounds - 1);
        let (odd, even) = ((top_m / 2).max(1), (top_m / 4).max(1));
        let pq_sets = [FracInput::uninit(ctx, OP, 2 * even)?, FracInput::uninit(ctx, OP, 2 * odd)?];
        let eq_sets = [ExtBuffer::uninit(ctx, OP, even)?, ExtBuffer::uninit(ctx, OP, odd)?];
        // The most workgroups any round writes (not always a layer's first round's: the items
        // per invocation grow in steps), a triple each; a round in two dispatches writes both's.
        let most = (1..total_rounds).flat_map(|layer| (0..layer).map(move |s| ((1usize << layer) >> s) / 2)).try_fold(1, |a, half| {
            let split = gkr_sumcheck_round::workgroups(ctx, (half / 2).max(1))?;
            gkr_sumcheck_round::workgroups(ctx, half).map(|w| a.max(w).max(2 * split))
        })?;
        let small_tree = (FRAC_LEN << (s.small_layers + 2)).saturating_sub(4 * FRAC_LEN).max(FRAC_LEN);
        Ok(GkrBuffers {
            eq: ExtBuffer::uninit(ctx, OP, top_m)?,
            eq_scratch: eq_table::scratch(ctx, OP, total_rounds)?,
            pq_sets,
            eq_sets,
            partials: ExtBuffer::uninit(ctx, OP, 3 * most)?,
            work: ExtBuffer::uninit(ctx, OP, gkr_small_rounds::work_elements(s.work_rows))?,
            small_tree: ExtBuffer::uninit(ctx, OP, small_tree)?,
        })
    }
}

/// The transcript of every layer's sumcheck, with μ_0 in place.
///
/// Challenge slots: layer L's point ξ_L = (μ_L, ρ_L,0, ..., ρ_L,L-1) at L(L+1)/2 (layer 0's
/// is (μ_0)), so the eq table of layer L + 1 reads it in place; λ_L after every point.
/// Message slots: layer L's rounds (s(1), s(2), s(3) each), then its four claims.
fn layers_transcript<'a, TS: FiatShamirTranscript<SC> + 'static>(
    ctx: &'a GpuContext,
    transcript: &'a mut TS,
    placement: SpongePlacement,
    total_rounds: usize,
    mu: EF,
) -> Result<RoundTranscript<'a, TS>, WgpuProverError> {
    let challenge_slots = lambda_slot(total_rounds, total_rounds);
    let mut rt = RoundTranscript::new(ctx, OP, transcript, placement, message_slot(total_rounds), challenge_slots)?;
    rt.set_challenge(point_slot(0), mu)?;
    Ok(rt)
}

/// The matrix (a tree layer read as rows of two fractions, or a folded copy) and the eq column
/// a round reads.
#[derive(Clone, Copy)]
struct RoundInput<'b> {
    pq: FracLayer<'b>,
    eq: &'b ExtBuffer,
}

/// Every layer's batched sumcheck of eq(ξ, Y) (p_j(0,Y) q_j(1,Y) + p_j(1,Y) q_j(0,Y) + λ
/// q_j(0,Y) q_j(1,Y)), recorded ahead of its challenges into the transcript's slots. Layer j
/// read two fractions at a time is already the row-major matrix of the four columns (p_j0,
/// q_j0, p_j1, q_j1), so its first round reads the tree layer in place.
struct LayerSumchecks<'a> {
    ctx: &'a GpuContext,
    tree: &'a GkrTree<'a>,
    schedule: RoundSchedule,
    buffers: GkrBuffers,
}

impl<'a> LayerSumchecks<'a> {
    fn new(ctx: &'a GpuContext, tree: &'a GkrTree<'a>, on_device: bool) -> Result<Self, WgpuProverError> {
        let schedule = RoundSchedule::new(ctx, tree.total_rounds, on_device)?;
        let buffers = GkrBuffers::new(ctx, &schedule)?;
        Ok(LayerSumchecks { ctx, tree, schedule, buffers })
    }

    /// Layers 1..=small_layers whole inside one workgroup, from their tree layers copied side
    /// by side (on the device only; none otherwise).
    fn record_small_layers<TS: FiatShamirTranscript<SC> + 'static>(
        &self,
        rt: &mut RoundTranscript<'_, TS>,
        enc: &mut GpuEncoder,
    ) -> Result<(), WgpuProverError> {
        let (ctx, s) = (self.ctx, &self.schedule);
        if s.small_layers == 0 {
            return Ok(());
        }
        let small_tree = &self.buffers.small_tree;
        ctx.scoped(OP, || {
            for k in 2..=s.small_layers + 1 {
                self.tree.layer(k).record_copy(enc, 0, small_tree, FRAC_LEN * ((1 << k) - 4), FRAC_LEN << k);
            }
        })?;
        let b = SmallRoundBuffers {
            sponge: rt.sponge(),
            tree: small_tree,
            pq_in: small_tree,
            eq_in: small_tree,
            work: &self.buffers.work,
            messages: rt.messages(),
            challenges: rt.challenges(),
        };
        // Runs of whole layers within an invocation's loop limit, one dispatch each; a run
        // samples its first layer's λ, the last run also the next layer's.
        let next_lambda = s.small_layers + 1 < s.total_layers;
        for layers in gkr_small_rounds::layer_runs(ctx, 1..=s.small_layers)? {
            let last = *layers.end() == s.small_layers;
            let job = SmallRounds {
                layers,
                first_round: 0,
                total_layers: s.total_layers,
                work_rows: s.work_rows,
                next_lambda: last && next_lambda,
            };
            gkr_small_rounds::record(ctx, enc, &b, &job)?;
        }
        rt.record_steps(
            (1..=s.small_layers).flat_map(|layer| layer_steps(layer, 0, s.total_layers, layer == s.small_layers && next_lambda)),
        )?;
        rt.flush(enc)
    }

    /// Layer `round`'s sumcheck: its λ (on the device the previous layer's last dispatch
    /// sampled it), its eq table at the previous layer's point, the device-wide rounds, then
    /// the small last rounds or the last fold, with the claims and μ.
    fn record_layer<TS: FiatShamirTranscript<SC> + 'static>(
        &self,
        rt: &mut RoundTranscript<'_, TS>,
        enc: &mut GpuEncoder,
        round: usize,
    ) -> Result<(), WgpuProverError> {
        let s = &self.schedule;
        if !s.on_device {
            rt.step(enc, 0..0, lambda_slot(s.total_layers, round), 1)?;
        }
        let b = &self.buffers;
        eq_table::record(self.ctx, enc, rt.challenges(), point_slot(round - 1), round, &b.eq, 0, &b.eq_scratch)?;
        let tail = s.first_small_round(round);
        let input = RoundInput { pq: self.tree.frac_layer(round + 1), eq: &b.eq };
        // Each fold halves the parts a matrix spans; the rounds past the device-wide ones read
        // one buffer.
        let needed = 1 + input.pq.num_parts.trailing_zeros() as usize;
        if input.pq.is_split() && (tail < needed || round < needed) {
            return Err(WgpuProverError::InvalidInput(format!(
                "{OP}: layer {round} over {} bindings needs {needed} device-wide rounds",
                input.pq.num_parts
            )));
        }
        let last = self.record_device_rounds(rt, enc, round, tail, input)?;
        self.record_layer_end(rt, enc, round, tail, last)?;
        rt.flush(enc)
    }

    /// Rounds 0..tail of layer `round` over the whole device, each fused with the fold of the
    /// previous round's challenge and followed by the step that sums its partials into its
    /// messages and samples its challenge. Returns what the last of them left to read.
    fn record_device_rounds<'s, TS: FiatShamirTranscript<SC> + 'static>(
        &'s self,
        rt: &mut RoundTranscript<'_, TS>,
        enc: &mut GpuEncoder,
        round: usize,
        tail: usize,
        input: RoundInput<'s>,
    ) -> Result<RoundInput<'s>, WgpuProverError> {
        let (messages, point, m) = (message_slot(round), point_slot(round), 1usize << round);
        let b = &self.buffers;
        let mut cur = input;
        for s in 0..tail {
            let half = (m >> s) / 2;
            // From the second round on, the round folds the previous one's matrix at its
            // challenge ρ_(s-1) into the other set of buffers; the first reads the tree layer
            // and eq.
            let fold = (s > 0).then(|| point + s);
            let (pq_out, eq_out) = (&b.pq_sets[s % 2], &b.eq_sets[s % 2]);
            // A matrix over more than two buffers (the largest input) runs one pair of parts per
            // dispatch: pair j holds a block of rows, folded into part j of the output.
            let pairs = cur.pq.num_parts.div_ceil(2);
            if fold.is_some() && pairs > pq_out.num_parts() {
                return Err(WgpuProverError::InvalidInput(format!(
                    "{OP}: layer {round}, round {s}: a matrix over {} bindings folds into {}",
                    cur.pq.num_parts,
                    pq_out.num_parts()
                )));
            }
            let per = half / pairs;
            let mut rows = 0;
            for j in 0..pairs {
                let buffers = RoundBuffers {
                    pq_in: if pairs == 1 { cur.pq } else { cur.pq.pair(j) },
                    eq_in: cur.eq,
                    // Without a fold the output is bound but not written.
                    pq_out: &pq_out.parts[if fold.is_some() { j } else { 0 }],
                    eq_out,
                    partials: &b.partials,
                    challenges: rt.challenges(),
                };
                let rows_in = if fold.is_some() { 4 * per } else { 2 * per };
                let offsets = RoundOffsets { eq_in: j * rows_in, eq_out: j * 2 * per, partial: rows };
                gkr_sumcheck_round::record(self.ctx, enc, &buffers, per, lambda_slot(self.schedule.total_layers, round), fold, offsets)?;
                rows += gkr_sumcheck_round::workgroups(self.ctx, per)?;
            }
            if fold.is_some() {
                let parts: Vec<&ExtBuffer> = pq_out.parts[..pairs].iter().collect();
                cur = RoundInput { pq: FracLayer::over(&parts, pq_out.part_len), eq: eq_out };
            }
            let at = messages + 3 * s;
            rt.reduce_step(enc, &Partials { buffer: &b.partials, base: 0, rows, columns: 3 }, at, point + 1 + s, 1)?;
        }
        Ok(cur)
    }

    /// The end of layer `round` from what its device-wide rounds left: the small last rounds,
    /// the claims and μ (and the next layer's λ) in one dispatch; or, when every round ran
    /// device-wide, the last fold (the layer's claims, one row) and μ.
    fn record_layer_end<TS: FiatShamirTranscript<SC> + 'static>(
        &self,
        rt: &mut RoundTranscript<'_, TS>,
        enc: &mut GpuEncoder,
        round: usize,
        tail: usize,
        cur: RoundInput<'_>,
    ) -> Result<(), WgpuProverError> {
        let s = &self.schedule;
        if tail < round {
            let next_lambda = round + 1 < s.total_layers;
            let job =
                SmallRounds { layers: round..=round, first_round: tail, total_layers: s.total_layers, work_rows: s.work_rows, next_lambda };
            let b = SmallRoundBuffers {
                sponge: rt.sponge(),
                tree: cur.pq.lo(),
                pq_in: cur.pq.lo(),
                eq_in: cur.eq,
                work: &self.buffers.work,
                messages: rt.messages(),
                challenges: rt.challenges(),
            };
            gkr_small_rounds::record(self.ctx, enc, &b, &job)?;
            return rt.record_steps(layer_steps(round, tail, s.total_layers, next_lambda));
        }
        let at = message_slot(round) + 3 * round;
        gkr_layer_claims::record(self.ctx, enc, cur.pq.lo(), rt.challenges(), point_slot(round) + round, rt.messages(), at)?;
        rt.step(enc, at..at + 4, point_slot(round), 1)
    }
}

/// The proof and ξ from every message and challenge slot: per layer L >= 1 its round
/// polynomials and claims; ξ is the last layer's point.
fn collect_proof(
    total_rounds: usize,
    frac_sum: (EF, EF),
    claims_0: GkrLayerClaims<SC>,
    messages: &[EF],
    challenges: &[EF],
) -> (FracSumcheckProof<SC>, Vec<EF>) {
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
    (FracSumcheckProof { fractional_sum: frac_sum, claims_per_layer, sumcheck_polys }, xi)
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
fn layer_steps(layer: usize, first_round: usize, total_layers: usize, next_lambda: bool) -> Vec<TranscriptStep> {
    let (at, point) = (message_slot(layer), point_slot(layer));
    let mut steps = Vec::new();
    if first_round == 0 {
        steps.push(TranscriptStep::one(0..0, lambda_slot(total_layers, layer)));
    }
    steps.extend((first_round..layer).map(|s| TranscriptStep::one(at + 3 * s..at + 3 * s + 3, point + 1 + s)));
    steps.push(TranscriptStep::one(at + 3 * layer..at + 3 * layer + 4, point));
    if next_lambda {
        steps.push(TranscriptStep::one(0..0, lambda_slot(total_layers, layer + 1)));
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

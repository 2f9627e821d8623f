//! LogUp's GKR input layer on the GPU (src/logup_input.rs) against upstream, under every limit
//! profile, on upstream's fixtures (InteractionsFixture11, MixtureFixture, CachedFixture11, and
//! PreprocessedAndCachedFixture, whose one AIR has no interactions: the empty layer and upstream's
//! empty GKR proof; keygen with BabyBearPoseidon2Config).
//!
//! Upstream builds the input layer inside `prove_zerocheck_and_logup` and does not expose it,
//! so the expected layer is reproduced here on the host from upstream's public pieces, following
//! its code line for line: upstream's `EvalHelper` (built as `LogupZerocheckCpu::new` builds it)
//! and its `eval_interactions` give each row's (count, fingerprint), `calculate_n_logup` and
//! `StackedLayout::new(0, l_skip + n_logup, ..)` the layout, then the lifting (cyclic repetition,
//! counts divided by the repetition) and `q += α` as upstream does them. Then:
//! - the GPU layer equals that layer fraction for fraction;
//! - `logup_gkr::fractional_sumcheck` on the GPU layer equals upstream's `fractional_sumcheck`
//!   on the host layer (proof, point and transcript state);
//! - the GPU proof equals the GKR proof of upstream's own `prove_zerocheck_and_logup` (grind
//!   witness, q0 claim, layer claims, round polynomials) from the same transcript.

use crate::common;

use openvm_stark_backend::{
    air_builders::symbolic::SymbolicConstraints,
    calculate_n_logup,
    keygen::types::MultiStarkProvingKey,
    prover::{
        fractional_sumcheck_gkr::{fractional_sumcheck as cpu_fractional_sumcheck, Frac},
        prove_zerocheck_and_logup,
        stacked_pcs::StackedLayout,
        CpuColMajorBackend, DeviceDataTransporter, DeviceMultiStarkProvingKey, EvalHelper, MatrixDimensions, MatrixView, ProvingContext,
        StridedColMajorMatrixView,
    },
    test_utils::{
        test_system_params_small, CachedFixture11, InteractionsFixture11, MixtureFixture, PreprocessedAndCachedFixture, TestFixture,
    },
    FiatShamirTranscript, StarkEngine, SystemParams,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::{BabyBearPoseidon2Config, BabyBearPoseidon2RefEngine, DuplexSponge};
use openvm_wgpu_backend::{
    constraints::EvalOptions,
    field::{EF, F},
    logup_zerocheck::fractional::fractional_sumcheck,
    logup_zerocheck::gkr_input::{interactions_layout, logup_input_layer, AirInteractions, LogupAir, LogupInputOptions},
    GpuContext, LimitProfile,
};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_util::log2_strict_usize;

type SC = BabyBearPoseidon2Config;
type Pk = DeviceMultiStarkProvingKey<CpuColMajorBackend<SC>>;
type Ctx = ProvingContext<CpuColMajorBackend<SC>>;

struct Case {
    name: &'static str,
    pk: Pk,
    ctx: Ctx,
}

fn case(engine: &BabyBearPoseidon2RefEngine, name: &'static str, fx: impl TestFixture<SC>) -> Case {
    let pk: MultiStarkProvingKey<SC> = engine.keygen(&fx.airs()).0;
    Case { name, pk: engine.device().transport_pk_to_device(&pk), ctx: fx.generate_proving_ctx().into_sorted() }
}

fn cases(engine: &BabyBearPoseidon2RefEngine, params: &SystemParams) -> Vec<Case> {
    let config = || BabyBearPoseidon2Config::default_from_params(params.clone());
    let sels = vec![true, false, true, true];
    vec![
        case(engine, "InteractionsFixture11", InteractionsFixture11),
        case(engine, "MixtureFixture", MixtureFixture::standard(3, config())),
        case(engine, "CachedFixture11", CachedFixture11::new(config())),
        case(engine, "PreprocessedAndCachedFixture", PreprocessedAndCachedFixture::new(sels, config(), 2)),
    ]
}

/// Upstream's input layer, reproduced on the host from upstream's public pieces exactly as
/// `prove_zerocheck_and_logup` builds it (see the module documentation).
fn upstream_input_layer(pk: &Pk, ctx: &Ctx, alpha: EF, beta: EF) -> Vec<Frac<EF>> {
    let l_skip = pk.params.l_skip;
    let mut total_interactions = 0u64;
    let meta: Vec<(usize, usize)> = ctx
        .per_trace
        .iter()
        .map(|(air_idx, t)| {
            let n = pk.per_air[*air_idx].vk.symbolic_constraints.interactions.len();
            let log_lifted = log2_strict_usize(t.common_main.height()).max(l_skip);
            total_interactions += (n as u64) << log_lifted;
            (n, log_lifted)
        })
        .collect();
    let n_logup = calculate_n_logup(l_skip, total_interactions);
    let layout = StackedLayout::new(0, l_skip + n_logup, meta).unwrap();
    if layout.sorted_cols.is_empty() {
        return vec![];
    }
    let max_len = ctx
        .per_trace
        .iter()
        .flat_map(|(a, _)| pk.per_air[*a].vk.symbolic_constraints.interactions.iter().map(|i| i.message.len()))
        .max()
        .unwrap_or(0);
    let beta_pows: Vec<EF> = beta.powers().take(max_len + 1).collect();
    // Per trace, the rows' (count, fingerprint) from upstream's EvalHelper, as in
    // LogupZerocheckCpu::new and prove_zerocheck_and_logup.
    let unstacked: Vec<Vec<Vec<(F, EF)>>> = ctx
        .per_trace
        .iter()
        .map(|(air_idx, trace_ctx)| {
            let apk = &pk.per_air[*air_idx];
            let helper = EvalHelper {
                constraints_dag: &apk.vk.symbolic_constraints.constraints,
                interactions: SymbolicConstraints::from(&apk.vk.symbolic_constraints).interactions,
                public_values: trace_ctx.public_values.clone(),
                preprocessed_trace: apk.preprocessed_data.as_ref().map(|cd| StridedColMajorMatrixView::from(cd.trace.as_view())),
                needs_next: apk.vk.params.need_rot,
                constraint_degree: apk.vk.max_constraint_degree,
            };
            let mats = helper.view_mats(trace_ctx);
            let height = trace_ctx.common_main.height();
            (0..height)
                .map(|i| {
                    let mut row_parts = vec![vec![F::from_bool(i == 0), F::from_bool(i != height - 1), F::from_bool(i == height - 1)]];
                    for (mat, is_rot) in &mats {
                        let offset = usize::from(*is_rot);
                        row_parts.push((0..mat.width()).map(|j| *mat.get((i + offset) % height, j).unwrap()).collect());
                    }
                    helper.eval_interactions(&row_parts, &beta_pows)
                })
                .collect()
        })
        .collect();
    let mut evals = vec![Frac::<EF>::default(); 1 << (l_skip + n_logup)];
    for &(trace_idx, interaction_idx, s) in &layout.sorted_cols {
        let pq = &unstacked[trace_idx];
        let height = pq.len();
        assert_eq!(s.col_idx, 0);
        let norm = F::from_usize(s.len(0) / height).inverse();
        for chunk in evals[s.row_idx..s.row_idx + s.len(0)].chunks_exact_mut(height) {
            for (e, row) in chunk.iter_mut().zip(pq) {
                let (numer, denom) = row[interaction_idx];
                *e = Frac::new((numer * norm).into(), denom);
            }
        }
    }
    for f in &mut evals {
        f.q += alpha;
    }
    evals
}

/// The transcript state upstream's prover has before `prove_zerocheck_and_logup` (any state
/// will do; this one is not the initial one).
fn transcript(engine: &BabyBearPoseidon2RefEngine, seed: u32) -> DuplexSponge {
    let mut ts = engine.initial_transcript();
    for i in 0..5 {
        FiatShamirTranscript::<SC>::observe(&mut ts, F::from_u32(seed * 31 + i));
    }
    ts
}

fn check(gpu: &GpuContext, profile: LimitProfile, engine: &BabyBearPoseidon2RefEngine, case: &Case, options: LogupInputOptions, seed: u32) {
    let what = format!("{} on {profile} ({options:?})", case.name);
    let (pk, ctx) = (&case.pk, &case.ctx);

    // Upstream's prover from the same state: its GKR proof.
    let mut up_ts = transcript(engine, seed);
    let (up_gkr, _, _) = prove_zerocheck_and_logup::<SC, _>(&mut up_ts, pk, ctx).unwrap();

    // Upstream's steps before the input layer: the LogUp grind, then alpha and beta. Upstream's
    // `grind` returns any valid witness (a parallel `find_any`), so the transcript takes the one
    // upstream's prover found, as `grind` ends: through `check_witness`.
    let mut ts = transcript(engine, seed);
    assert!(
        FiatShamirTranscript::<SC>::check_witness(&mut ts, pk.params.logup.pow_bits, up_gkr.logup_pow_witness),
        "{what}: grind witness"
    );
    let alpha = FiatShamirTranscript::<SC>::sample_ext(&mut ts);
    let beta = FiatShamirTranscript::<SC>::sample_ext(&mut ts);

    // The device: programs and traces.
    let device = common::DeviceAirs::upload(gpu, pk, ctx);
    let main_refs = device.main_refs();
    let airs: Vec<LogupAir<'_>> =
        (0..ctx.per_trace.len()).map(|t| LogupAir { program: &device.programs[t], traces: device.traces(&main_refs, ctx, t) }).collect();
    let (input, layout) = logup_input_layer(gpu, &airs, pk.params.l_skip, alpha, beta, options).unwrap_or_else(|e| panic!("{what}: {e}"));

    let expected = upstream_input_layer(pk, ctx, alpha, beta);
    // PreprocessedAndCachedFixture's AIR has no interactions: upstream's layer is empty, and the
    // GKR gives its empty proof.
    assert_eq!(expected.is_empty(), case.name == "PreprocessedAndCachedFixture", "{what}: fixture with interactions");
    assert_eq!(input.is_empty(), layout.is_empty(), "{what}: layout and input agree");
    assert_eq!(input.len(), expected.len(), "{what}: input length (n_logup {})", layout.n_logup);
    let got = input.read(gpu).unwrap();
    for (f, e) in expected.iter().enumerate() {
        assert_eq!((got[2 * f], got[2 * f + 1]), (e.p, e.q), "{what}: fraction {f} of {}", expected.len());
    }

    // The GKR on the GPU layer against upstream's on the host layer, same transcript.
    let mut cpu_ts = ts.clone();
    let (cpu_proof, cpu_xi) = cpu_fractional_sumcheck::<SC, _>(&mut cpu_ts, &expected, true).unwrap();
    let (gpu_proof, gpu_xi) = fractional_sumcheck(gpu, &mut ts, &input, true).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(gpu_proof.fractional_sum, cpu_proof.fractional_sum, "{what}: root");
    assert_eq!(gpu_proof.claims_per_layer, cpu_proof.claims_per_layer, "{what}: layer claims");
    assert_eq!(gpu_proof.sumcheck_polys, cpu_proof.sumcheck_polys, "{what}: round polynomials");
    assert_eq!(gpu_xi, cpu_xi, "{what}: point");
    assert_eq!(
        FiatShamirTranscript::<SC>::sample_ext(&mut ts),
        FiatShamirTranscript::<SC>::sample_ext(&mut cpu_ts),
        "{what}: transcript state"
    );

    // And upstream's own prover's GKR proof.
    assert_eq!(gpu_proof.fractional_sum, (EF::ZERO, up_gkr.q0_claim), "{what}: q0 claim");
    assert_eq!(gpu_proof.claims_per_layer, up_gkr.claims_per_layer, "{what}: claims of prove_zerocheck_and_logup");
    assert_eq!(gpu_proof.sumcheck_polys, up_gkr.sumcheck_polys, "{what}: polynomials of prove_zerocheck_and_logup");
}

#[test]
fn input_layer_and_gkr_match_upstream() {
    let params = test_system_params_small(2, 8, 3);
    let engine: BabyBearPoseidon2RefEngine = StarkEngine::new(params.clone());
    let cases = cases(&engine, &params);
    for (profile, gpu) in common::profiles() {
        for (i, case) in cases.iter().enumerate() {
            check(&gpu, profile, &engine, case, LogupInputOptions::default(), i as u32);
            // Every slot spilled to global scratch; rows evaluated three at a time (chunks that
            // do not divide the height, starting past row 0); the layer over four buffers (two
            // when it has two fractions).
            let options = LogupInputOptions {
                eval: EvalOptions { fast_slot_cap: Some(0), ..Default::default() },
                max_chunk_rows: Some(3),
                max_buffer_fractions: Some(1),
            };
            check(&gpu, profile, &engine, case, options, 100 + i as u32);
        }
    }
}

/// l_skip larger than some traces' log heights: those AIRs are lifted (repeated, counts divided).
#[test]
fn lifted_traces_match_upstream() {
    let params = test_system_params_small(5, 6, 3);
    let engine: BabyBearPoseidon2RefEngine = StarkEngine::new(params.clone());
    let cases = cases(&engine, &params);
    for (profile, gpu) in common::profiles() {
        for (i, case) in cases.iter().enumerate() {
            check(&gpu, profile, &engine, case, LogupInputOptions::default(), 200 + i as u32);
            check(&gpu, profile, &engine, case, LogupInputOptions { max_chunk_rows: Some(1), ..Default::default() }, 300 + i as u32);
        }
    }
}

/// Bad input is refused with an error before any GPU work: AIRs not sorted by height (upstream
/// sorts the proving context, tallest first), heights not powers of two.
#[test]
fn bad_layouts_refused() {
    let air = |interactions, height| AirInteractions { interactions, height };
    let err = interactions_layout(2, &[air(1, 8), air(1, 16)]).unwrap_err().to_string();
    assert!(err.contains("taller"), "{err}");
    let err = interactions_layout(2, &[air(1, 12)]).unwrap_err().to_string();
    assert!(err.contains("power of two"), "{err}");
    // Two AIRs below l_skip are lifted to 2^l_skip and sorted as equals.
    let layout = interactions_layout(3, &[air(2, 2), air(1, 4)]).unwrap();
    assert_eq!((layout.n_logup, layout.len()), (2, 32));
    let none = interactions_layout(2, &[air(0, 8)]).unwrap();
    assert!(none.is_empty());
}

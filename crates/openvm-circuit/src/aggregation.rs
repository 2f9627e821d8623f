//! The STARK aggregation layers of the OpenVM SDK (leaf, internal-for-leaf, internal-recursive)
//! proved with the wgpu engine, as openvm-sdk's `AggProver` proves them on the CPU or CUDA
//! engine.
//!
//! The layers are openvm-continuations' `InnerAggregationProver`, generic over the prover
//! backend: its verifier sub-circuit (`VerifierSubCircuit`, openvm-recursion-circuit) and its
//! public-value AIRs (`InnerTraceGenImpl`) need trace generation for [`WgpuBackend`]:
//! [`WgpuVerifierSubCircuit`] and [`WgpuInnerTraceGen`] wrap them (upstream's traits and types
//! are both foreign here), run upstream's CPU trace generation and transport the traces to the
//! device, as the app's CPU chips do ([`crate::builder`]); the verifier's cached trace (the
//! child verifying key's constraint DAG) is committed on the device once, when the layer's key
//! is made.
//!
//! [`AggregationProver`] is generic over the engine ([`AggregationEngine`]): the same code runs
//! on openvm-cpu-backend with upstream's types, whose proofs are the reference ours are compared
//! with (byte for byte at the same transcript).

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    sync::Arc,
    time::{Duration, Instant},
};

use openvm_circuit::{
    arch::{instructions::exe::VmExe, ContinuationVmProof, Streams},
    system::memory::{dimensions::MemoryDimensions, merkle::public_values::UserPublicValuesProof, CHUNK},
};
use openvm_continuations::{
    circuit::{
        inner::{InnerTraceGen, InnerTraceGenImpl, ProofsType},
        SubCircuitTraceData,
    },
    prover::{ChildVkKind, InnerAggregationProver},
};
use openvm_cpu_backend::CpuBackend;
use openvm_recursion_circuit::{
    batch_constraint::expr_eval::CachedTraceRecord,
    system::{
        check_param_compatibility, AggregationSubCircuit, BusInventory, CachedTraceCtx, VerifierConfig, VerifierExternalData,
        VerifierSubCircuit, VerifierTraceGen,
    },
};
use openvm_stark_backend::interaction::BusIndex;
use openvm_stark_backend::{
    keygen::types::MultiStarkVerifyingKey,
    proof::Proof,
    prover::{
        AirProvingContext, ColMajorMatrix, CommittedTraceData, DeviceDataTransporter, MatrixDimensions, ProverBackend, TraceCommitter,
    },
    AirRef, EngineDeviceCtx, FiatShamirTranscript, StarkEngine, StarkProtocolConfig, SystemParams, TranscriptHistory,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::BabyBearPoseidon2CpuEngine;
use openvm_stark_sdk::config::{
    baby_bear_poseidon2::{BabyBearPoseidon2Config, Digest, EF},
    internal_params_with_100_bits_security, leaf_params_with_100_bits_security,
};
use openvm_verify_stark_host::pvs::{DeferralPvs, VkCommit};
pub use openvm_verify_stark_host::{verify_vm_stark_proof_decoded, vk::VerificationBaseline, vk::VmStarkVerifyingKey, VmStarkProof};
use openvm_wgpu_backend::{
    backend::WgpuBackend, device::transport_row_major_matrix, device::SC, field::F, BabyBearPoseidon2WgpuEngine, GpuContext,
};
use p3_baby_bear::Poseidon2BabyBear;

use crate::{
    builder::{host_committed_placeholder, to_device, CpuEngine},
    prove::{ProgramProof, ProveProgramError},
};

/// openvm-sdk's number of child proofs per leaf node (its default and maximum).
pub const MAX_NUM_CHILDREN_LEAF: usize = 4;
/// openvm-sdk's number of child proofs per internal node (its default and maximum).
pub const MAX_NUM_CHILDREN_INTERNAL: usize = 3;

/// An engine the aggregation layers run on: its verifier sub-circuits (leaf: up to
/// [`MAX_NUM_CHILDREN_LEAF`] child proofs, internal: up to [`MAX_NUM_CHILDREN_INTERNAL`]) and
/// node trace generation for its backend.
pub trait AggregationEngine: StarkEngine<SC = SC, PB: ProverBackend<Val = F, Challenge = EF, Commitment = Digest, Matrix: Clone>> {
    type LeafVerifier: AggregationSubCircuit + VerifierTraceGen<Self::PB, SC, EngineDeviceCtx<Self>>;
    type InternalVerifier: AggregationSubCircuit + VerifierTraceGen<Self::PB, SC, EngineDeviceCtx<Self>>;
    type NodeTraceGen: InnerTraceGen<Self::PB, EngineDeviceCtx<Self>>;
}

/// openvm-cpu-backend with upstream's types (openvm-sdk's `InnerCpuProver`).
impl<TS> AggregationEngine for BabyBearPoseidon2CpuEngine<TS>
where
    TS: FiatShamirTranscript<SC> + From<Poseidon2BabyBear<16>>,
{
    type LeafVerifier = VerifierSubCircuit<MAX_NUM_CHILDREN_LEAF>;
    type InternalVerifier = VerifierSubCircuit<MAX_NUM_CHILDREN_INTERNAL>;
    type NodeTraceGen = InnerTraceGenImpl;
}

/// Our engine: upstream's circuits, their traces made on the CPU and transported.
impl<TS> AggregationEngine for BabyBearPoseidon2WgpuEngine<TS>
where
    TS: FiatShamirTranscript<SC> + From<Poseidon2BabyBear<16>> + 'static,
{
    type LeafVerifier = WgpuVerifierSubCircuit<MAX_NUM_CHILDREN_LEAF>;
    type InternalVerifier = WgpuVerifierSubCircuit<MAX_NUM_CHILDREN_INTERNAL>;
    type NodeTraceGen = WgpuInnerTraceGen;
}

/// The leaf layer's prover on `E`.
pub type LeafProver<E> =
    InnerAggregationProver<<E as StarkEngine>::PB, <E as AggregationEngine>::LeafVerifier, <E as AggregationEngine>::NodeTraceGen>;
/// An internal layer's prover on `E`.
pub type InternalProver<E> =
    InnerAggregationProver<<E as StarkEngine>::PB, <E as AggregationEngine>::InternalVerifier, <E as AggregationEngine>::NodeTraceGen>;

/// The aggregation layers' parameters and tree shape (openvm-sdk's `AggregationSystemParams`
/// and `AggregationTreeConfig`).
#[derive(Clone, Debug)]
pub struct AggregationParams {
    pub leaf: SystemParams,
    pub internal: SystemParams,
    /// App segment proofs per leaf proof, 1 to [`MAX_NUM_CHILDREN_LEAF`].
    pub num_children_leaf: usize,
    /// Child proofs per internal proof, 2 to [`MAX_NUM_CHILDREN_INTERNAL`].
    pub num_children_internal: usize,
}

impl AggregationParams {
    /// openvm-sdk's defaults: 100-bit leaf and internal parameters, the maximum tree arities.
    pub fn standard() -> Self {
        Self {
            leaf: leaf_params_with_100_bits_security(),
            internal: internal_params_with_100_bits_security(),
            num_children_leaf: MAX_NUM_CHILDREN_LEAF,
            num_children_internal: MAX_NUM_CHILDREN_INTERNAL,
        }
    }
}

/// What aggregation can fail on.
#[derive(Debug, thiserror::Error)]
pub enum AggregationError {
    #[error("aggregation parameters: {0}")]
    Params(String),
    #[error("keygen of the {layer} layer: {message}")]
    Keygen { layer: &'static str, message: String },
    #[error("the app proof has no segment proofs")]
    NoSegments,
    #[error("the app proof has no public values proof: the program did not run to its end")]
    NoPublicValuesProof,
    #[error("{layer} layer, proof {index}: {message}")]
    Prove { layer: String, index: usize, message: String },
    #[error("the final STARK proof does not verify: {0}")]
    Verify(String),
    #[error("the app layer: {0}")]
    App(#[from] ProveProgramError),
}

/// One aggregation proof, as soon as it is made.
#[derive(Clone, Debug)]
pub struct AggregationStep {
    /// openvm-sdk's name of the layer: `leaf`, `internal_for_leaf`, `internal_recursive.<k>`.
    pub layer: String,
    pub index: usize,
    /// Proofs in this layer.
    pub of: usize,
    /// Child proofs it verifies.
    pub children: usize,
    /// Trace generation and proof.
    pub time: Duration,
}

/// One aggregation layer: its proofs' times, in order.
#[derive(Clone, Debug)]
pub struct LayerReport {
    pub layer: String,
    pub proofs: Vec<Duration>,
}

impl LayerReport {
    pub fn total(&self) -> Duration {
        self.proofs.iter().sum()
    }
}

/// The final STARK proof with the layers that made it.
pub struct AggregatedProof {
    pub proof: VmStarkProof,
    /// Internal-recursive layers in the proof, the final one included.
    pub internal_recursive_layers: usize,
    pub layers: Vec<LayerReport>,
}

/// The leaf, internal-for-leaf and internal-recursive provers of one app verifying key on the
/// engine `E` (openvm-sdk's `AggProver`, for any engine).
pub struct AggregationProver<E: AggregationEngine> {
    pub leaf: LeafProver<E>,
    pub internal_for_leaf: InternalProver<E>,
    pub internal_recursive: InternalProver<E>,
    pub params: AggregationParams,
    /// The three layers' keygen (host keygen, the key's transport, the child keys' commitments).
    pub keygen: Duration,
}

impl<E: AggregationEngine> AggregationProver<E> {
    /// Makes the three layers' keys for proofs of `app_vk`, as openvm-sdk's `AggProver::new`
    /// (without deferrals). Every layer's engine is `E::new(params)`.
    pub fn new(app_vk: Arc<MultiStarkVerifyingKey<SC>>, params: AggregationParams) -> Result<Self, AggregationError> {
        if !(1..=MAX_NUM_CHILDREN_LEAF).contains(&params.num_children_leaf) {
            return Err(AggregationError::Params(format!(
                "{} children per leaf proof; 1 to {MAX_NUM_CHILDREN_LEAF} are possible",
                params.num_children_leaf
            )));
        }
        // One child per internal proof would never reduce a layer to one proof.
        if !(2..=MAX_NUM_CHILDREN_INTERNAL).contains(&params.num_children_internal) {
            return Err(AggregationError::Params(format!(
                "{} children per internal proof; 2 to {MAX_NUM_CHILDREN_INTERNAL} are possible",
                params.num_children_internal
            )));
        }
        check_proof_of_work(&app_vk.inner.params, &params)?;
        // Upstream's checks (the above and the WHIR rounds' encoding); an assertion's panic is
        // the parameters' fault, reported as such.
        upstream_assertion(|| check_param_compatibility(&app_vk.inner.params, &params.leaf, &params.internal))
            .map_err(AggregationError::Params)?;
        let started = Instant::now();
        let keygen_error = |layer| move |message| AggregationError::Keygen { layer, message };
        let leaf =
            upstream_assertion(|| LeafProver::<E>::new::<E>(app_vk, params.leaf.clone(), false, None)).map_err(keygen_error("leaf"))?;
        let internal_for_leaf = upstream_assertion(|| InternalProver::<E>::new::<E>(leaf.get_vk(), params.internal.clone(), false, None))
            .map_err(keygen_error("internal_for_leaf"))?;
        let internal_recursive =
            upstream_assertion(|| InternalProver::<E>::new::<E>(internal_for_leaf.get_vk(), params.internal.clone(), true, None))
                .map_err(keygen_error("internal_recursive"))?;
        Ok(Self { leaf, internal_for_leaf, internal_recursive, params, keygen: started.elapsed() })
    }

    /// Aggregates the app's segment proofs into the final STARK proof, as openvm-sdk's
    /// `StarkProver::prove` does without deferrals: leaf proofs of up to `num_children_leaf`
    /// segments, then [`AggregationProver::prove_above_leaves`]. `progress` hears of each proof
    /// as soon as it is made.
    pub fn prove(
        &self,
        app: ContinuationVmProof<SC>,
        progress: &mut dyn FnMut(&AggregationStep),
    ) -> Result<AggregatedProof, AggregationError> {
        if app.per_segment.is_empty() {
            return Err(AggregationError::NoSegments);
        }
        let mut layers = Vec::new();
        let leaves = run_layer(&mut layers, progress, "leaf".into(), &app.per_segment, self.params.num_children_leaf, &|p| {
            self.leaf.agg_prove_no_def::<E>(p, ChildVkKind::App)
        })?;
        self.aggregate_leaves(leaves, app.user_public_values, layers, progress)
    }

    /// The layers above the leaf layer, from its proofs (made by this prover's leaf key):
    /// internal-for-leaf proofs of up to `num_children_internal` leaf proofs, internal-recursive
    /// layers down to one proof, and one more internal-recursive proof of that one (the SDK's
    /// final wrap). `user_pvs_proof` is the app's public values proof.
    pub fn prove_above_leaves(
        &self,
        leaves: Vec<Proof<SC>>,
        user_pvs_proof: UserPublicValuesProof<CHUNK, F>,
        progress: &mut dyn FnMut(&AggregationStep),
    ) -> Result<AggregatedProof, AggregationError> {
        if leaves.is_empty() {
            return Err(AggregationError::NoSegments);
        }
        self.aggregate_leaves(leaves, user_pvs_proof, Vec::new(), progress)
    }

    fn aggregate_leaves(
        &self,
        leaves: Vec<Proof<SC>>,
        user_pvs_proof: UserPublicValuesProof<CHUNK, F>,
        mut layers: Vec<LayerReport>,
        progress: &mut dyn FnMut(&AggregationStep),
    ) -> Result<AggregatedProof, AggregationError> {
        let n_internal = self.params.num_children_internal;
        let internal = run_layer(&mut layers, progress, "internal_for_leaf".into(), &leaves, n_internal, &|p| {
            self.internal_for_leaf.agg_prove_no_def::<E>(p, ChildVkKind::Standard)
        })?;
        let mut proofs = run_layer(&mut layers, progress, "internal_recursive.0".into(), &internal, n_internal, &|p| {
            self.internal_recursive.agg_prove_no_def::<E>(p, ChildVkKind::Standard)
        })?;
        let mut layer = 1;
        // Down to one proof, then the SDK's one additional layer (it shrinks the proof).
        loop {
            let last = proofs.len() == 1;
            let arity = if last { 1 } else { n_internal };
            proofs = run_layer(&mut layers, progress, format!("internal_recursive.{layer}"), &proofs, arity, &|p| {
                self.internal_recursive.agg_prove::<E>(p, ChildVkKind::RecursiveSelf, ProofsType::Vm, None)
            })?;
            layer += 1;
            if last {
                break;
            }
        }
        let inner = proofs.pop().expect("the last layer has one proof");
        let proof = VmStarkProof { inner, user_pvs_proof, deferral_merkle_proofs: None };
        Ok(AggregatedProof { proof, internal_recursive_layers: layer, layers })
    }

    /// The verifying key of the final proofs of an executable: the internal-recursive layer's
    /// key with the executable's and the layers' commitments (openvm-sdk's
    /// `StarkProver::generate_baseline`).
    pub fn verifying_key(&self, app_exe_commit: Digest, memory_dimensions: MemoryDimensions, num_user_pvs: usize) -> VmStarkVerifyingKey {
        let baseline = VerificationBaseline {
            app_exe_commit,
            memory_dimensions,
            num_user_pvs,
            app_vk_commit: self.leaf.get_vk_commit(false),
            leaf_vk_commit: self.internal_for_leaf.get_vk_commit(false),
            internal_for_leaf_vk_commit: self.internal_recursive.get_vk_commit(false),
            internal_recursive_vk_commit: self.internal_recursive.get_vk_commit(true),
            expected_def_hook_commit: None,
        };
        VmStarkVerifyingKey { mvk: (*self.internal_recursive.get_vk()).clone(), baseline }
    }
}

/// What upstream's `check_param_compatibility` asserts of proof of work, with a reason: each
/// kind is on in all three layers or in none (it changes the verifier circuit's interactions).
fn check_proof_of_work(app: &SystemParams, params: &AggregationParams) -> Result<(), AggregationError> {
    let bits = |p: &SystemParams| [p.logup.pow_bits, p.whir.mu_pow_bits, p.whir.folding_pow_bits, p.whir.query_phase_pow_bits];
    let names = ["logup.pow_bits", "whir.mu_pow_bits", "whir.folding_pow_bits", "whir.query_phase_pow_bits"];
    let (app, leaf, internal) = (bits(app), bits(&params.leaf), bits(&params.internal));
    for (i, name) in names.into_iter().enumerate() {
        let layers = [("app", app[i]), ("leaf", leaf[i]), ("internal", internal[i])];
        if layers.iter().any(|(_, b)| *b > 0) && layers.iter().any(|(_, b)| *b == 0) {
            let values: Vec<String> = layers.iter().map(|(layer, b)| format!("{layer} {b}")).collect();
            return Err(AggregationError::Params(format!(
                "{name} ({}): proof of work must be on in every layer or in none",
                values.join(", ")
            )));
        }
    }
    Ok(())
}

/// One aggregation node's proof of its child proofs.
/// Proves `layer`: one proof per `arity` children, each reported to `progress` when made; the
/// layer's times go to `layers`.
fn run_layer(
    layers: &mut Vec<LayerReport>,
    progress: &mut dyn FnMut(&AggregationStep),
    layer: String,
    children: &[Proof<SC>],
    arity: usize,
    prove: &NodeProof,
) -> Result<Vec<Proof<SC>>, AggregationError> {
    let of = children.len().div_ceil(arity);
    let mut report = LayerReport { layer: layer.clone(), proofs: Vec::new() };
    let proofs = children
        .chunks(arity)
        .enumerate()
        .map(|(index, chunk)| {
            let started = Instant::now();
            let _span = tracing::info_span!("agg_layer", group = layer.as_str(), idx = index).entered();
            let proof = upstream_assertion(|| prove(chunk))
                .and_then(|p| p.map_err(|e| format!("{e:#}")))
                .map_err(|message| AggregationError::Prove { layer: layer.clone(), index, message })?;
            let time = started.elapsed();
            report.proofs.push(time);
            progress(&AggregationStep { layer: layer.clone(), index, of, children: chunk.len(), time });
            Ok(proof)
        })
        .collect::<Result<Vec<_>, AggregationError>>()?;
    layers.push(report);
    Ok(proofs)
}

type NodeProof<'a> = dyn Fn(&[Proof<SC>]) -> eyre::Result<Proof<SC>> + 'a;

/// Runs upstream code that asserts on its inputs; an assertion's panic becomes its message.
fn upstream_assertion<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "upstream code panicked".into())
    })
}

/// The app layer's segment proofs as upstream's `ContinuationVmProof`.
pub fn continuation_proof(app: &ProgramProof) -> Result<ContinuationVmProof<SC>, AggregationError> {
    let user_public_values = app.user_public_values.clone().ok_or(AggregationError::NoPublicValuesProof)?;
    Ok(ContinuationVmProof { per_segment: app.proofs.clone(), user_public_values })
}

/// Verifies a final STARK proof with openvm-verify-stark-host (openvm-sdk's STARK verifier).
pub fn verify_stark(vk: &VmStarkVerifyingKey, proof: &VmStarkProof) -> Result<(), AggregationError> {
    verify_vm_stark_proof_decoded(vk, proof).map_err(|e| AggregationError::Verify(e.to_string()))
}

/// A proved executable: the app layer's proof, the final STARK proof, its verifying key.
pub struct StarkProof {
    pub app: ProgramProof,
    pub aggregated: AggregatedProof,
    pub vk: VmStarkVerifyingKey,
    /// The aggregation layers' keygen.
    pub aggregation_keygen: Duration,
}

/// Proves `exe` to the final STARK proof: the app layer with `prove_app` (for example
/// [`crate::prove_sdk`] on our device), then the aggregation layers on the engine `E`, and
/// verifies the final proof with openvm-sdk's verifier against the app's commitments.
pub fn prove_stark<E: AggregationEngine>(
    exe: &VmExe<F>,
    input: Streams<F>,
    memory_dimensions: MemoryDimensions,
    num_user_pvs: usize,
    agg_params: AggregationParams,
    prove_app: impl FnOnce(VmExe<F>, Streams<F>) -> Result<ProgramProof, ProveProgramError>,
    progress: &mut dyn FnMut(&AggregationStep),
) -> Result<StarkProof, AggregationError> {
    let app = prove_app(exe.clone(), input)?;
    let prover = AggregationProver::<E>::new(Arc::new(app.vk.clone()), agg_params)?;
    let aggregated = prover.prove(continuation_proof(&app)?, progress)?;
    let vk = prover.verifying_key(app.exe_commit, memory_dimensions, num_user_pvs);
    verify_stark(&vk, &aggregated.proof)?;
    Ok(StarkProof { app, aggregated, vk, aggregation_keygen: prover.keygen })
}

/// openvm-recursion-circuit's verifier sub-circuit with trace generation for our device:
/// upstream's CPU trace generation, the traces transported; its cached trace is the one
/// committed on the device.
pub struct WgpuVerifierSubCircuit<const MAX_NUM_PROOFS: usize>(pub VerifierSubCircuit<MAX_NUM_PROOFS>);

type HostVerifier<const N: usize> = VerifierSubCircuit<N>;

impl<const MAX_NUM_PROOFS: usize> AggregationSubCircuit for WgpuVerifierSubCircuit<MAX_NUM_PROOFS> {
    fn airs<C: StarkProtocolConfig<F = F>>(&self) -> Vec<AirRef<C>> {
        self.0.airs()
    }

    fn bus_inventory(&self) -> &BusInventory {
        self.0.bus_inventory()
    }

    fn next_bus_idx(&self) -> BusIndex {
        self.0.next_bus_idx()
    }

    fn max_num_proofs(&self) -> usize {
        self.0.max_num_proofs()
    }
}

impl<const MAX_NUM_PROOFS: usize> VerifierTraceGen<WgpuBackend, SC, Arc<GpuContext>> for WgpuVerifierSubCircuit<MAX_NUM_PROOFS> {
    fn new(child_mvk: Arc<MultiStarkVerifyingKey<BabyBearPoseidon2Config>>, config: VerifierConfig) -> Self {
        Self(VerifierSubCircuit::new_with_options(child_mvk, config))
    }

    /// Upstream's commitment on the CPU, committed again on the device; the roots must agree.
    /// The trait allows no error: a device failure panics with its reason (the keygen reports it
    /// as [`AggregationError::Keygen`]).
    fn commit_child_vk<E: StarkEngine<SC = SC, PB = WgpuBackend>>(
        &self,
        engine: &E,
        child_vk: &MultiStarkVerifyingKey<BabyBearPoseidon2Config>,
    ) -> CommittedTraceData<WgpuBackend>
    where
        Arc<GpuContext>: From<EngineDeviceCtx<E>>,
    {
        let cpu = <CpuEngine as StarkEngine>::new(engine.params().clone());
        let host = <HostVerifier<MAX_NUM_PROOFS> as VerifierTraceGen<CpuBackend<SC>, SC, ()>>::commit_child_vk(&self.0, &cpu, child_vk);
        let trace = engine.device().transport_matrix_to_device(&ColMajorMatrix::from_row_major(&host.trace));
        let (commitment, data) =
            engine.device().commit(&[&trace]).unwrap_or_else(|e| panic!("committing the child verifying key on the device: {e:?}"));
        assert!(commitment == host.commitment, "the child verifying key committed on the device has another root than on the host");
        CommittedTraceData { commitment, trace, data: Arc::new(data) }
    }

    fn cached_trace_record(&self, child_vk: &MultiStarkVerifyingKey<BabyBearPoseidon2Config>) -> CachedTraceRecord {
        <HostVerifier<MAX_NUM_PROOFS> as VerifierTraceGen<CpuBackend<SC>, SC, ()>>::cached_trace_record(&self.0, child_vk)
    }

    fn generate_proving_ctxs<TS: FiatShamirTranscript<BabyBearPoseidon2Config> + TranscriptHistory<F = F, State = [F; 16]>>(
        &self,
        child_vk: &MultiStarkVerifyingKey<BabyBearPoseidon2Config>,
        cached_trace_ctx: CachedTraceCtx<WgpuBackend>,
        proofs: &[Proof<BabyBearPoseidon2Config>],
        external_data: &mut VerifierExternalData,
        device_ctx: &Arc<GpuContext>,
        initial_transcript: TS,
    ) -> Option<Vec<AirProvingContext<WgpuBackend>>> {
        // Upstream's CPU trace generation only carries the cached trace into its AIR's context;
        // a placeholder of its height stands in for it there.
        let (host_cached, device_cached) = match cached_trace_ctx {
            CachedTraceCtx::PcsData(data) => {
                (CachedTraceCtx::PcsData(host_committed_placeholder(data.commitment, data.trace.height())), Some(data))
            }
            CachedTraceCtx::Records(records) => (CachedTraceCtx::Records(records), None),
        };
        let host = <HostVerifier<MAX_NUM_PROOFS> as VerifierTraceGen<CpuBackend<SC>, SC, ()>>::generate_proving_ctxs(
            &self.0,
            child_vk,
            host_cached,
            proofs,
            external_data,
            &(),
            initial_transcript,
        )?;
        Some(
            host.into_iter()
                .map(|ctx| {
                    if ctx.cached_mains.is_empty() {
                        to_device(device_ctx, ctx)
                    } else {
                        let common_main = transport_row_major_matrix(device_ctx, &ctx.common_main);
                        AirProvingContext::new(device_cached.clone().into_iter().collect(), common_main, ctx.public_values)
                    }
                })
                .collect(),
        )
    }
}

/// openvm-continuations' aggregation node AIRs (public values) with trace generation for our
/// device: upstream's CPU traces, transported.
pub struct WgpuInnerTraceGen(pub InnerTraceGenImpl);

impl InnerTraceGen<WgpuBackend, Arc<GpuContext>> for WgpuInnerTraceGen {
    fn new(deferral_enabled: bool) -> Self {
        Self(InnerTraceGenImpl { deferral_enabled })
    }

    fn generate_pre_verifier_subcircuit_ctxs(
        &self,
        proofs: &[Proof<BabyBearPoseidon2Config>],
        proofs_type: ProofsType,
        absent_trace_pvs: Option<(DeferralPvs<F>, bool)>,
        child_is_app: bool,
        child_vk_commit: VkCommit<F>,
        device_ctx: &Arc<GpuContext>,
    ) -> SubCircuitTraceData<WgpuBackend> {
        let host = <InnerTraceGenImpl as InnerTraceGen<CpuBackend<SC>, ()>>::generate_pre_verifier_subcircuit_ctxs(
            &self.0,
            proofs,
            proofs_type,
            absent_trace_pvs,
            child_is_app,
            child_vk_commit,
            &(),
        );
        SubCircuitTraceData {
            air_proving_ctxs: host.air_proving_ctxs.into_iter().map(|ctx| to_device(device_ctx, ctx)).collect(),
            poseidon2_compress_inputs: host.poseidon2_compress_inputs,
            poseidon2_permute_inputs: host.poseidon2_permute_inputs,
            range_check_inputs: host.range_check_inputs,
        }
    }

    fn generate_post_verifier_subcircuit_ctxs(
        &self,
        proofs: &[Proof<BabyBearPoseidon2Config>],
        proofs_type: ProofsType,
        child_is_app: bool,
        device_ctx: &Arc<GpuContext>,
    ) -> Vec<AirProvingContext<WgpuBackend>> {
        <InnerTraceGenImpl as InnerTraceGen<CpuBackend<SC>, ()>>::generate_post_verifier_subcircuit_ctxs(
            &self.0,
            proofs,
            proofs_type,
            child_is_app,
            &(),
        )
        .into_iter()
        .map(|ctx| to_device(device_ctx, ctx))
        .collect()
    }
}

//! `BabyBearPoseidon2WgpuEngine`: a drop-in `StarkEngine` for the BabyBear–Poseidon2
//! configuration whose prover runs on a wgpu device.

use std::{marker::PhantomData, sync::Arc};

use openvm_stark_backend::{
    proof::Proof,
    prover::{Coordinator, DeviceMultiStarkProvingKey, MatrixDimensions, Prover, ProvingContext},
    FiatShamirTranscript, StarkEngine, SystemParams,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::{BabyBearPoseidon2Config, DuplexSponge};
use openvm_wgpu_common::{GpuContext, GpuResult, LimitProfile};
use p3_baby_bear::{default_babybear_poseidon2_16, Poseidon2BabyBear};

use crate::{
    backend::WgpuBackend,
    device::{WgpuDevice, SC},
    error::WgpuProverError,
};

/// Checks the proving key's parameters against the engine's (`params`), and the traces against
/// the proving key, the parameters and the device `gpu`, so bad input (and a trace too large for
/// the device) is refused with a clear message before any GPU work.
pub fn validate_inputs(
    gpu: &GpuContext,
    params: &SystemParams,
    pk: &DeviceMultiStarkProvingKey<WgpuBackend>,
    ctx: &ProvingContext<WgpuBackend>,
) -> Result<(), WgpuProverError> {
    let bad = |m: String| Err(WgpuProverError::InvalidInput(m));
    if pk.params != *params {
        // The transcript and the commitments follow the engine's parameters: a key made for
        // others gives a proof no verifier of either accepts.
        return bad(format!(
            "the proving key was made for other system parameters than the engine's (key: {:?}; engine: {:?}); \
             create the engine with the parameters the key was generated with",
            pk.params, params
        ));
    }
    let max_log_height = pk.params.l_skip + pk.params.n_stack;
    for (air_idx, air) in &ctx.per_trace {
        let Some(key) = pk.per_air.get(*air_idx) else {
            return bad(format!("AIR index {air_idx} is not in the proving key ({} AIRs)", pk.per_air.len()));
        };
        let name = &key.air_name;
        let width = &key.vk.params.width;
        let (h, w) = (air.common_main.height(), air.common_main.width());
        if w != width.common_main {
            return bad(format!("AIR {air_idx} ({name}): the common main trace has {w} columns, the AIR has {}", width.common_main));
        }
        if !h.is_power_of_two() {
            return bad(format!("AIR {air_idx} ({name}): trace height {h} is not a power of two"));
        }
        if h > 1 << max_log_height {
            return bad(format!(
                "AIR {air_idx} ({name}): trace height {h} exceeds 2^(l_skip + n_stack) = {} allowed by the parameters",
                1usize << max_log_height
            ));
        }
        if air.cached_mains.len() != width.cached_mains.len() {
            return bad(format!(
                "AIR {air_idx} ({name}): {} cached traces given, the AIR has {}",
                air.cached_mains.len(),
                width.cached_mains.len()
            ));
        }
        for (i, (c, &cw)) in air.cached_mains.iter().zip(&width.cached_mains).enumerate() {
            if c.trace.width() != cw || c.trace.height() != h {
                return bad(format!(
                    "AIR {air_idx} ({name}): cached trace {i} is {} x {}, expected {h} x {cw}",
                    c.trace.height(),
                    c.trace.width()
                ));
            }
        }
        // Sizes the device cannot prove are refused here, before any GPU work.
        let program = key.other_data.get(name)?;
        let partitions: Vec<usize> =
            width.preprocessed.into_iter().chain(width.cached_mains.iter().copied()).chain([width.common_main]).collect();
        crate::logup_zerocheck::mle_round::check_air_fits(gpu, pk.params.l_skip, h, &partitions, program.program.needs_next)
            .map_err(|e| WgpuProverError::InvalidInput(format!("AIR {air_idx} ({name}): {e}")))?;
        if air.public_values.len() != key.vk.params.num_public_values {
            return bad(format!(
                "AIR {air_idx} ({name}): {} public values given, the AIR has {}",
                air.public_values.len(),
                key.vk.params.num_public_values
            ));
        }
    }
    Ok(())
}

pub struct BabyBearPoseidon2WgpuEngine<TS = DuplexSponge> {
    device: WgpuDevice,
    _transcript: PhantomData<TS>,
}

impl<TS> BabyBearPoseidon2WgpuEngine<TS> {
    /// An engine on a given device (for example one opened under a limit profile).
    pub fn with_context(params: SystemParams, ctx: Arc<GpuContext>) -> Self {
        let config = BabyBearPoseidon2Config::default_from_params(params);
        Self { device: WgpuDevice::new(ctx, config), _transcript: PhantomData }
    }

    /// An engine on the process's shared device for `profile`.
    pub fn try_new(params: SystemParams, profile: LimitProfile) -> GpuResult<Self> {
        Ok(Self::with_context(params, GpuContext::shared(profile)?))
    }
}

impl<TS> StarkEngine for BabyBearPoseidon2WgpuEngine<TS>
where
    TS: FiatShamirTranscript<SC> + From<Poseidon2BabyBear<16>> + 'static,
{
    type SC = SC;
    type PB = WgpuBackend;
    type PD = WgpuDevice;
    type TS = TS;

    /// Opens the shared device of this process. `StarkEngine::new` cannot return an error: when
    /// no usable GPU exists this panics with the reason and how to get one; use
    /// [`BabyBearPoseidon2WgpuEngine::try_new`] to handle that case.
    fn new(params: SystemParams) -> Self {
        Self::try_new(params, LimitProfile::Native).unwrap_or_else(|e| panic!("{e}"))
    }

    fn config(&self) -> &SC {
        self.device.config()
    }

    fn device(&self) -> &WgpuDevice {
        &self.device
    }

    fn initial_transcript(&self) -> TS {
        TS::from(default_babybear_poseidon2_16())
    }

    fn prover_from_transcript(&self, transcript: TS) -> Coordinator<SC, WgpuBackend, WgpuDevice, TS> {
        Coordinator::new(WgpuBackend, self.device.clone(), transcript)
    }

    fn prove(&self, pk: &DeviceMultiStarkProvingKey<WgpuBackend>, ctx: ProvingContext<WgpuBackend>) -> Result<Proof<SC>, WgpuProverError> {
        validate_inputs(&self.device.ctx, self.params(), pk, &ctx)?;
        let proof = self.prover().prove(pk, ctx);
        // Pipelines compiled by this proof are kept for the next process.
        self.device.ctx.save_pipeline_cache();
        proof
    }
}

//! `BabyBearPoseidon2WgpuEngine`: a drop-in `StarkEngine` for the BabyBear–Poseidon2
//! configuration whose prover runs on a wgpu device.

use std::{marker::PhantomData, sync::Arc};

use openvm_stark_backend::{prover::Coordinator, FiatShamirTranscript, StarkEngine, SystemParams};
use openvm_stark_sdk::config::baby_bear_poseidon2::{BabyBearPoseidon2Config, DuplexSponge};
use openvm_wgpu_common::{GpuContext, GpuResult, LimitProfile};
use p3_baby_bear::{default_babybear_poseidon2_16, Poseidon2BabyBear};

use crate::{
    backend::WgpuBackend,
    device::{WgpuDevice, SC},
};

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
    TS: FiatShamirTranscript<SC> + From<Poseidon2BabyBear<16>>,
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
}

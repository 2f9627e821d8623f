//! `prover.rap_constraints`: the LogUp GKR and the batched zerocheck sumcheck. For now
//! openvm-cpu-backend runs them on the traces' host copies (host_fallback.rs); the GPU version
//! replaces this module's body.

use openvm_cpu_backend::{logup_zerocheck::prove_zerocheck_and_logup, CpuProverError};
use openvm_stark_backend::{
    proof::{BatchConstraintProof, GkrProof},
    prover::{DeviceMultiStarkProvingKey, MultiRapProver, ProvingContext},
    FiatShamirTranscript,
};

use crate::{
    backend::{WgpuBackend, WgpuPcsData},
    device::{WgpuDevice, SC},
    error::WgpuProverError,
    field::EF,
    host_fallback,
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
        let _span = tracing::info_span!("prover.rap_constraints", phase = "prover").entered();
        let (mpk, ctx) = host_fallback::rap_constraints_inputs(self, mpk, ctx)?;
        let (gkr, batch, r) = prove_zerocheck_and_logup(transcript, &mpk, &ctx).map_err(CpuProverError::from)?;
        Ok(((gkr, batch), r))
    }
}

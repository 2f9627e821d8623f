//! `prover.rap_constraints`: the LogUp GKR and the batched zerocheck sumcheck. For now upstream's
//! reference implementation runs on the host copies of the traces; the GPU version replaces this
//! module's body.

use openvm_stark_backend::{
    proof::{BatchConstraintProof, GkrProof},
    prover::{DeviceMultiStarkProvingKey, MultiRapProver, ProvingContext},
    FiatShamirTranscript,
};

use crate::{
    backend::{WgpuBackend, WgpuPcsData},
    device::{to_host, WgpuDevice, SC},
    error::WgpuProverError,
    field::EF,
};

impl<TS: FiatShamirTranscript<SC>> MultiRapProver<WgpuBackend, TS> for WgpuDevice {
    type PartialProof = (GkrProof<SC>, BatchConstraintProof<SC>);
    type Artifacts = Vec<EF>;
    type Error = WgpuProverError;

    fn prove_rap_constraints(
        &self,
        transcript: &mut TS,
        mpk: &DeviceMultiStarkProvingKey<WgpuBackend>,
        ctx: &ProvingContext<WgpuBackend>,
        common_main_pcs_data: &WgpuPcsData,
    ) -> Result<(Self::PartialProof, Self::Artifacts), WgpuProverError> {
        let _span = tracing::info_span!("prover.rap_constraints", phase = "prover").entered();
        let mpk = to_host::proving_key(mpk);
        let ctx = to_host::context(ctx);
        Ok(MultiRapProver::prove_rap_constraints(&self.reference, transcript, &mpk, &ctx, &common_main_pcs_data.host)?)
    }
}

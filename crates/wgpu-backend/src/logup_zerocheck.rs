//! `prover.rap_constraints`: the LogUp GKR and the batched zerocheck sumcheck. For now openvm-cpu-backend
//! runs on the host copies of the traces; the GPU version replaces this
//! module's body.

use openvm_stark_backend::{
    proof::{BatchConstraintProof, GkrProof},
    prover::{DeviceMultiStarkProvingKey, MultiRapProver, ProvingContext},
    FiatShamirTranscript,
};

use crate::{
    backend::{WgpuBackend, WgpuPcsData},
    device::{to_cpu, WgpuDevice, SC},
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
        let mpk = to_cpu::proving_key(self, mpk);
        let ctx = to_cpu::context(self, ctx);
        Ok(MultiRapProver::prove_rap_constraints(&self.cpu, transcript, &mpk, &ctx, &common_main_pcs_data.host)?)
    }
}

//! `prover.openings`: the stacked-reduction sumcheck and WHIR. For now openvm-cpu-backend runs
//! on host data (the GPU commitment's codewords and Merkle layers, read back
//! once after the commit); the GPU version replaces this module's body.

use openvm_stark_backend::{
    proof::{StackingProof, WhirProof},
    prover::{DeviceMultiStarkProvingKey, OpeningProver, ProvingContext},
    FiatShamirTranscript,
};

use crate::{
    backend::{WgpuBackend, WgpuPcsData},
    device::{to_cpu, WgpuDevice, SC},
    error::WgpuProverError,
    field::EF,
};

impl<TS: FiatShamirTranscript<SC>> OpeningProver<WgpuBackend, TS> for WgpuDevice {
    type OpeningProof = (StackingProof<SC>, WhirProof<SC>);
    type OpeningPoints = Vec<EF>;
    type Error = WgpuProverError;

    fn prove_openings(
        &self,
        transcript: &mut TS,
        mpk: &DeviceMultiStarkProvingKey<WgpuBackend>,
        ctx: ProvingContext<WgpuBackend>,
        common_main_pcs_data: WgpuPcsData,
        points: Vec<EF>,
    ) -> Result<Self::OpeningProof, WgpuProverError> {
        let _span = tracing::info_span!("prover.openings", phase = "prover").entered();
        let mpk = to_cpu::proving_key(self, mpk);
        let ctx = to_cpu::context(self, &ctx);
        let host = std::sync::Arc::try_unwrap(common_main_pcs_data.host).unwrap_or_else(|shared| shared.as_ref().clone());
        Ok(OpeningProver::prove_openings(&self.cpu, transcript, &mpk, ctx, host, points)?)
    }
}

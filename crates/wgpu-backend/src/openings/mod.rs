//! `prover.openings` on the GPU: the stacked reduction ([`stacked_reduction`]), then WHIR
//! ([`whir`], with its proof-of-work in [`grinding`]), over the commitments where the commit left them. Only round messages, roots,
//! opened rows and paths reach the host.

pub mod grinding;
pub mod stacked_reduction;
pub mod whir;

use openvm_stark_backend::{
    poly_common::Squarable,
    proof::{StackingProof, WhirProof},
    prover::{DeviceMultiStarkProvingKey, OpeningProver, ProvingContext},
    FiatShamirTranscript, StarkProtocolConfig,
};

use crate::{
    backend::{WgpuBackend, WgpuPcsData},
    commit::stacked_pcs::StackedPcsData,
    device::{WgpuDevice, SC},
    error::WgpuProverError,
    field::EF,
    openings::stacked_reduction::prove_stacked_opening_reduction,
    openings::whir::prove_whir_opening,
};

impl<TS: FiatShamirTranscript<SC> + 'static> OpeningProver<WgpuBackend, TS> for WgpuDevice {
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
        let params = self.config().params();
        // Commitments in upstream's order: common main, then per trace its preprocessed and
        // cached commitments; each with the rotation flags of its traces.
        let mut commits: Vec<&StackedPcsData> = vec![common_main_pcs_data.device()?];
        let mut need_rot = vec![ctx.per_trace.iter().map(|(air, _)| mpk.per_air[*air].vk.params.need_rot).collect::<Vec<_>>()];
        for (air, trace) in &ctx.per_trace {
            let pk = &mpk.per_air[*air];
            for data in pk.preprocessed_data.iter().chain(&trace.cached_mains) {
                commits.push(data.data.device()?);
                need_rot.push(vec![pk.vk.params.need_rot]);
            }
        }
        let (stacking_proof, u) =
            prove_stacked_opening_reduction(&self.ctx, transcript, params.l_skip, params.n_stack, &commits, &need_rot, &points)?;
        let Some((&u_0, u_rest)) = u.split_first() else {
            return Err(WgpuProverError::InvalidInput("the stacked reduction returned no challenges".into()));
        };
        let u_cube: Vec<EF> = u_0.exp_powers_of_2().take(params.l_skip).chain(u_rest.iter().copied()).collect();
        let whir_proof = prove_whir_opening(&self.ctx, transcript, params.l_skip, params.log_blowup, &params.whir, &commits, &u_cube)?;
        Ok((stacking_proof, whir_proof))
    }
}

//! Proving keys and contexts the RAP-constraint tests run on: upstream's fixtures and keccakf.

use std::sync::Arc;

use openvm_stark_backend::{
    keygen::types::MultiStarkProvingKey,
    prover::{AirProvingContext, ColMajorMatrix, CpuColMajorBackend, DeviceDataTransporter, DeviceMultiStarkProvingKey, ProvingContext},
    test_utils::{
        CachedFixture11, FibFixture, InteractionsFixture11, MixtureFixture, PreprocessedAndCachedFixture, PreprocessedFibFixture,
        TestFixture,
    },
    AirRef, StarkEngine, SystemParams,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::{BabyBearPoseidon2Config, BabyBearPoseidon2RefEngine};
use openvm_wgpu_fixtures::keccakf::{keccakf_trace, KeccakfAir};

pub type SC = BabyBearPoseidon2Config;
pub type Pk = DeviceMultiStarkProvingKey<CpuColMajorBackend<SC>>;
pub type Ctx = ProvingContext<CpuColMajorBackend<SC>>;

/// A named proving key with its (height-sorted) proving context, in the reference backend's form.
pub struct Case {
    pub name: &'static str,
    pub pk: Pk,
    pub ctx: Ctx,
}

pub fn case(engine: &BabyBearPoseidon2RefEngine, name: &'static str, fx: impl TestFixture<SC>) -> Case {
    let pk: MultiStarkProvingKey<SC> = engine.keygen(&fx.airs()).0;
    Case { name, pk: engine.device().transport_pk_to_device(&pk), ctx: fx.generate_proving_ctx().into_sorted() }
}

/// Every fixture of upstream's test suite that the RAP-constraint pieces must handle:
/// preprocessed, cached and common main partitions, interactions, several AIRs.
pub fn fixture_cases(params: &SystemParams) -> Vec<Case> {
    let engine: BabyBearPoseidon2RefEngine = StarkEngine::new(params.clone());
    let config = || BabyBearPoseidon2Config::default_from_params(params.clone());
    let sels = vec![true, false, true, true];
    vec![
        case(&engine, "FibFixture", FibFixture::new(0, 1, 16)),
        case(&engine, "PreprocessedFibFixture", PreprocessedFibFixture::new(0, 1, sels.clone())),
        case(&engine, "CachedFixture11", CachedFixture11::new(config())),
        case(&engine, "PreprocessedAndCachedFixture", PreprocessedAndCachedFixture::new(sels, config(), 2)),
        case(&engine, "InteractionsFixture11", InteractionsFixture11),
        case(&engine, "MixtureFixture", MixtureFixture::standard(3, config())),
    ]
}

/// The keccakf AIR (2633 columns) on `perms` permutations.
pub struct KeccakfFixture {
    pub perms: usize,
}

impl TestFixture<SC> for KeccakfFixture {
    fn airs(&self) -> Vec<AirRef<SC>> {
        vec![Arc::new(KeccakfAir::default())]
    }

    fn generate_proving_ctx(&self) -> Ctx {
        let trace = keccakf_trace(self.perms, 42);
        ProvingContext::new(vec![(0, AirProvingContext::simple_no_pis(ColMajorMatrix::from_row_major(&trace)))])
    }
}

impl Case {
    /// Each AIR's interaction count and trace height, in proving-context order: what
    /// `interactions_layout` lays out.
    pub fn air_interactions(&self) -> Vec<openvm_wgpu_backend::logup_zerocheck::gkr_input::AirInteractions> {
        self.ctx
            .per_trace
            .iter()
            .map(|(a, t)| openvm_wgpu_backend::logup_zerocheck::gkr_input::AirInteractions {
                interactions: self.pk.per_air[*a].vk.symbolic_constraints.interactions.len(),
                height: openvm_stark_backend::prover::MatrixDimensions::height(&t.common_main),
            })
            .collect()
    }
}

//! Shared by the GPU tests: one device per limit profile per test process, and random inputs.
#![allow(dead_code)]

pub mod proofs;
pub mod rap;

use std::sync::Arc;

use openvm_stark_backend::prover::{ColMajorMatrix, CpuColMajorBackend, DeviceMultiStarkProvingKey, MatrixDimensions, ProvingContext};
use openvm_stark_sdk::config::baby_bear_poseidon2::BabyBearPoseidon2Config;
use openvm_wgpu_backend::{
    common::ColumnMatrix,
    constraints::{ConstraintProgram, ConstraintTraces, DeviceConstraintProgram},
    field::{as_words, F},
    GpuContext, LimitProfile,
};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// The shared device under `profile`. Fails (never skips) when no adapter exists, saying how to
/// get one.
pub fn ctx(profile: LimitProfile) -> Arc<GpuContext> {
    GpuContext::shared(profile).unwrap_or_else(|e| {
        panic!("no usable GPU device for profile {profile}: {e}\nOn a machine without a GPU run scripts/ensure-vulkan.sh (installs Mesa lavapipe).")
    })
}

/// Every limit profile of docs/ARCHITECTURE.md (rule 3), each on its own device.
pub fn profiles() -> Vec<(LimitProfile, Arc<GpuContext>)> {
    LimitProfile::ALL.into_iter().map(|p| (p, ctx(p))).collect()
}

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

pub fn random_field(rng: &mut StdRng, n: usize) -> Vec<F> {
    (0..n).map(|_| rng.random()).collect()
}

/// Uploads a host trace, column-major.
pub fn upload(ctx: &GpuContext, m: &ColMajorMatrix<F>) -> ColumnMatrix {
    ColumnMatrix::from_col_major(ctx, "test trace", m.height(), m.width(), as_words(&m.values)).unwrap()
}

type RefBackend = CpuColMajorBackend<BabyBearPoseidon2Config>;

/// Every AIR of a proving context on the device, as the RAP-constraint pieces take it: its
/// compiled constraint program, preprocessed trace and main partitions (cached first, common
/// main last), in proving-context order.
pub struct DeviceAirs {
    pub programs: Vec<DeviceConstraintProgram>,
    pub preprocessed: Vec<Option<ColumnMatrix>>,
    pub mains: Vec<Vec<ColumnMatrix>>,
}

impl DeviceAirs {
    pub fn upload(gpu: &GpuContext, pk: &DeviceMultiStarkProvingKey<RefBackend>, ctx: &ProvingContext<RefBackend>) -> Self {
        let programs = ctx
            .per_trace
            .iter()
            .map(|(a, _)| ConstraintProgram::compile(&pk.per_air[*a].vk.symbolic_constraints).unwrap().upload(gpu).unwrap())
            .collect();
        let preprocessed =
            ctx.per_trace.iter().map(|(a, _)| pk.per_air[*a].preprocessed_data.as_ref().map(|cd| upload(gpu, &cd.trace))).collect();
        let mains = ctx
            .per_trace
            .iter()
            .map(|(_, t)| t.cached_mains.iter().map(|cd| upload(gpu, &cd.trace)).chain([upload(gpu, &t.common_main)]).collect())
            .collect();
        Self { programs, preprocessed, mains }
    }

    /// The main partitions of each AIR by reference, for [`DeviceAirs::traces`].
    pub fn main_refs(&self) -> Vec<Vec<&ColumnMatrix>> {
        self.mains.iter().map(|m| m.iter().collect()).collect()
    }

    /// AIR `t`'s traces and public values.
    pub fn traces<'a>(
        &'a self,
        main_refs: &'a [Vec<&'a ColumnMatrix>],
        ctx: &'a ProvingContext<RefBackend>,
        t: usize,
    ) -> ConstraintTraces<'a> {
        ConstraintTraces {
            preprocessed: self.preprocessed[t].as_ref(),
            mains: &main_refs[t],
            public_values: &ctx.per_trace[t].1.public_values,
        }
    }
}

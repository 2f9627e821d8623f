//! Shared by the GPU tests: one device per limit profile per test process, and random inputs.
#![allow(dead_code)]

use std::sync::Arc;

use openvm_wgpu_backend::{field::F, GpuContext, LimitProfile};
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

//! What the GPU trace tests share.

use std::sync::Arc;

use openvm_wgpu_backend::{GpuContext, LimitProfile};

/// Every limit profile with its device, or the one `OPENVM_WGPU_TRACEGEN_PROFILE=<name>` names
/// (to narrow a run while iterating on a chip).
pub fn profiles() -> Vec<(LimitProfile, Arc<GpuContext>)> {
    let only = std::env::var("OPENVM_WGPU_TRACEGEN_PROFILE").ok();
    LimitProfile::ALL
        .into_iter()
        .filter(|p| only.as_deref().is_none_or(|n| n == p.name()))
        .map(|p| (p, GpuContext::shared(p).expect("a GPU adapter (scripts/ensure-vulkan.sh installs lavapipe)")))
        .collect()
}

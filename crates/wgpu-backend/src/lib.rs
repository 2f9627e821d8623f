//! SWIRL STARK prover backend for `openvm-stark-backend` on wgpu: one set of WGSL kernels for
//! Metal, Vulkan and DX12, with launch geometry derived from each device's limits.

pub mod backend;
pub mod commit;
pub mod constraints;
pub mod device;
pub mod engine;
pub mod error;
pub mod field;
pub mod kernels;
pub mod logup_zerocheck;
pub mod openings;
pub mod shaders;

pub use openvm_wgpu_common::{self as common, GpuContext, GpuError, GpuResult, LimitProfile};

pub use engine::BabyBearPoseidon2WgpuEngine;

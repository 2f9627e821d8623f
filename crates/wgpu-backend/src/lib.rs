//! SWIRL STARK prover backend for `openvm-stark-backend` on wgpu: one set of WGSL kernels for
//! Metal, Vulkan and DX12, with launch geometry derived from each device's limits.

pub mod backend;
pub mod constraint_program;
pub mod device;
pub mod device_transcript;
pub mod engine;
pub mod error;
pub mod field;
pub mod grinding;
pub mod keccakf;
pub mod kernels;
pub mod logup_gkr;
pub mod logup_input;
pub mod logup_zerocheck;
pub mod merkle_tree;
pub mod openings;
pub mod poseidon2;
pub mod shaders;
pub mod stacked_pcs;
pub mod stacked_reduction;
pub mod whir;
pub mod zerocheck_mle;
pub mod zerocheck_round0;

pub use openvm_wgpu_common::{self as common, GpuContext, GpuError, GpuResult, LimitProfile};

pub use engine::BabyBearPoseidon2WgpuEngine;

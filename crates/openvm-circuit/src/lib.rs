//! OpenVM circuits proved with the wgpu engine: `VmBuilder` implementations for
//! openvm-circuit's RV32IM configuration and the OpenVM SDK's configurations (see
//! docs/ARCHITECTURE.md).

pub mod aggregation;
pub mod builder;
pub mod elf;
pub mod input;
pub mod memory_image;
pub mod prove;
pub mod sdk;
pub mod tracegen;
pub mod verify;

pub use builder::{transport_cpu_proving_ctx, WgpuBuilder, WgpuSystem};
pub use prove::{
    constant_trace_heights, device_interaction_limit, execute_rv32im, execute_segments, for_each_segment, prove_program, prove_rv32im,
    prove_rv32im_cpu, rv32im_segmentation, ExecutionEnd, ProgramProof, ProveProgramError, Rv32ImWgpuBuilder, SegmentContext,
    SegmentExecution, SegmentReport, Segmentation, TraceGeneration,
};
pub use sdk::{prove_sdk, prove_sdk_cpu, SdkAppConfig, SdkConfigError, SdkVmConfig, SdkVmCpuBuilder, SdkWgpuBuilder};

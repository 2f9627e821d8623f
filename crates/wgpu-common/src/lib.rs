//! The wgpu runtime of the OpenVM GPU prover: opening a device (its limits, the loop probe,
//! tuning), generic launch-geometry rules, typed buffers that split past binding limits and the
//! pools they come from, device memory and work accounting, WGSL assembly and a pipeline cache.
//! Nothing here is specific to the prover: a kernel's own launch rule lives with the kernel in
//! openvm-wgpu-backend.

pub mod buffer;
pub mod context;
pub mod error;
pub mod kernel;
pub mod limits;
pub mod loop_probe;
pub mod memory;
pub mod pipeline_cache;
mod pool;
pub mod tuning;
pub mod work;

pub use buffer::{ColumnMatrix, GpuBuffer, SplitVec};
pub use context::{AdapterSummary, ContextOptions, ContextStats, GpuContext, GpuEncoder, ParamSlot, PipelineKey};
pub use error::{GpuError, GpuResult};
pub use kernel::{KernelSource, ShaderLibrary};
pub use limits::{DeviceLimits, Grid, GridPart, LaunchShape, LimitProfile};
pub use memory::{GpuMemoryStats, Watermark, GPU_MEMORY};
pub use pool::PoolStats;
pub use tuning::Tuning;
pub use work::{KernelTime, WorkCounts, GPU_WORK, KERNEL_TIMES_VAR};

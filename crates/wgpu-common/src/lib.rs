//! The wgpu runtime of the OpenVM GPU prover: opening a device, turning its limits into launch
//! geometry, typed buffers that split past binding limits, device memory accounting, WGSL
//! assembly and a pipeline cache.
//! Nothing here is specific to the prover.

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

//! Errors of the prover backend.

use openvm_stark_backend::prover::error::RefProverError;
use openvm_wgpu_common::GpuError;

#[derive(Debug, thiserror::Error)]
pub enum WgpuProverError {
    #[error(transparent)]
    Gpu(#[from] GpuError),
    /// A phase still run by upstream's reference code on the host failed.
    #[error("host phase: {0}")]
    Host(#[from] RefProverError),
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

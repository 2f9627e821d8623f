//! Errors of the prover backend.

use openvm_cpu_backend::CpuProverError;
use openvm_wgpu_common::GpuError;

#[derive(Debug, thiserror::Error)]
pub enum WgpuProverError {
    #[error(transparent)]
    Gpu(#[from] GpuError),
    /// A phase still run on the host by openvm-cpu-backend failed.
    #[error("host phase: {0}")]
    Host(#[from] CpuProverError),
    /// Uploading a trace or commitment to the device failed when it was transported; reported
    /// by the first prover call that needs it.
    #[error("data transported to the device is unusable: {0}")]
    Transport(std::sync::Arc<GpuError>),
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The proof-of-work search found no witness, or its witness failed the transcript's check.
    #[error("proof-of-work grinding: {0}")]
    Grinding(String),
    /// Upstream's LogUp/zerocheck error, from the same check made on the device's values (for
    /// instance a nonzero fractional sum where zero is asserted).
    #[error(transparent)]
    LogupZerocheck(#[from] openvm_stark_backend::prover::LogupZerocheckError),
}

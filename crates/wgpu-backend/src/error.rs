//! Errors of the prover backend.

use std::sync::Arc;

use openvm_wgpu_common::GpuError;

#[derive(Debug, thiserror::Error)]
pub enum WgpuProverError {
    #[error(transparent)]
    Gpu(#[from] GpuError),
    /// Uploading a trace or commitment to the device failed when it was transported; reported
    /// by the first prover call that needs it.
    #[error("data transported to the device is unusable: {0}")]
    Transport(Arc<GpuError>),
    /// An AIR's constraints could not be compiled or uploaded when the proving key was
    /// transported.
    #[error("AIR {air}: its constraints could not be prepared for the device: {source}")]
    ProvingKey { air: String, source: Arc<WgpuProverError> },
    /// A trace violates its AIR's constraints: no proof is produced (it would not verify).
    /// `constraint` (in the AIR's constraint order) is the first one that fails on `row`, the
    /// first failing row, found on the host once the GPU's zerocheck flagged the AIR.
    #[error("AIR {index} ({air}): constraint {constraint} does not hold on row {row} of the trace; no proof was produced")]
    ConstraintsNotSatisfied { index: usize, air: String, constraint: usize, row: usize },
    /// The GPU's zerocheck flagged an AIR whose trace satisfies every constraint on the host:
    /// the device computed a wrong value. No proof is produced.
    #[error(
        "AIR {index} ({air}): the GPU's zerocheck disagrees with its trace, yet every constraint holds on every row when \
         evaluated on the host: the device computed a wrong value (a driver or device fault, or a defect here); no proof \
         was produced. Please report it with the output of `openvm-wgpu info`"
    )]
    DeviceFault { index: usize, air: String },
    /// The interactions of all AIRs do not balance: no proof is produced (it would not verify).
    #[error("the interactions do not balance{detail}; no proof was produced")]
    UnbalancedInteractions { detail: String },
    /// The device's Fiat–Shamir sponge and the host transcript disagree (a defect; the proof is
    /// not produced).
    #[error("the device transcript disagrees with the host's ({0}); set OPENVM_WGPU_DEVICE_TRANSCRIPT=off to sample on the host, and please report this")]
    DeviceTranscript(String),
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

//! The backend's types (`ProverBackend`): trace matrices, PCS data and per-AIR data, all living
//! in device memory (docs/ARCHITECTURE.md rule 8).
//!
//! A trace is uploaded once, when it is transported to the device; a commitment (stacked
//! matrix, codewords, every Merkle layer) stays on the device from the commit to the openings.
//! An AIR's constraints are compiled into a program and uploaded when the proving key is
//! transported ([`AirProgram`]).
//!
//! The transport functions of `DeviceDataTransporter` cannot return errors, so a failed upload
//! is kept in the value and reported, as a typed error, by the first prover call that uses it.

use std::sync::Arc;

use openvm_stark_backend::prover::{ColMajorMatrix, MatrixDimensions, ProverBackend};
use openvm_stark_sdk::config::baby_bear_poseidon2::Digest;
use openvm_wgpu_common::{ColumnMatrix, GpuError};

use crate::{
    commit::stacked_pcs::StackedPcsData,
    constraints::DeviceConstraintProgram,
    error::WgpuProverError,
    field::{EF, F},
};

#[derive(Clone, Copy, Debug, Default)]
pub struct WgpuBackend;

impl ProverBackend for WgpuBackend {
    const CHALLENGE_EXT_DEGREE: u8 = 4;
    type Val = F;
    type Challenge = EF;
    type Commitment = Digest;
    type Matrix = WgpuMatrix;
    type OtherAirData = AirProgram;
    type PcsData = WgpuPcsData;
}

/// Device memory, or why it could not be had (reported when the data is used).
pub type Resident<T> = Result<Arc<T>, Arc<GpuError>>;

fn resident<T>(r: &Resident<T>) -> Result<&T, WgpuProverError> {
    r.as_deref().map_err(|e| WgpuProverError::Transport(e.clone()))
}

/// A trace matrix handed to the prover: column-major in device memory.
#[derive(Clone)]
pub struct WgpuMatrix {
    height: usize,
    width: usize,
    device: Resident<ColumnMatrix>,
    /// A matrix without columns as given (it holds no values; upstream's type cannot be
    /// rebuilt with its height from nothing), for `transport_matrix_from_device_to_host`.
    empty: Option<Arc<ColMajorMatrix<F>>>,
}

impl WgpuMatrix {
    pub(crate) fn new(host: &ColMajorMatrix<F>, device: Resident<ColumnMatrix>) -> Self {
        let empty = (host.width() == 0).then(|| Arc::new(host.clone()));
        Self { height: host.height(), width: host.width(), device, empty }
    }

    /// A matrix already in device memory (or the error that kept it from getting there).
    pub fn on_device(height: usize, width: usize, device: Resident<ColumnMatrix>) -> Self {
        Self { height, width, device, empty: None }
    }

    /// A matrix that could not be made, with the reason (reported by the first prover call
    /// that uses it).
    pub fn unavailable(height: usize, width: usize, error: Arc<GpuError>) -> Self {
        Self::on_device(height, width, Err(error))
    }

    /// The matrix without columns it was made from, if it has none.
    pub(crate) fn empty(&self) -> Option<&ColMajorMatrix<F>> {
        self.empty.as_deref()
    }

    /// The trace in device memory.
    pub fn device(&self) -> Result<&ColumnMatrix, WgpuProverError> {
        resident(&self.device)
    }
}

impl MatrixDimensions for WgpuMatrix {
    fn height(&self) -> usize {
        self.height
    }

    fn width(&self) -> usize {
        self.width
    }
}

/// A commitment's data in device memory: the stacked matrix and the Merkle tree over its
/// codewords.
pub struct WgpuPcsData {
    data: Resident<StackedPcsData>,
}

impl WgpuPcsData {
    pub(crate) fn new(data: Result<StackedPcsData, GpuError>) -> Self {
        Self { data: data.map(Arc::new).map_err(Arc::new) }
    }

    /// Commitment data that could not be made, with the reason (reported when it is used).
    pub fn unavailable(error: Arc<GpuError>) -> Self {
        Self { data: Err(error) }
    }

    pub fn device(&self) -> Result<&StackedPcsData, WgpuProverError> {
        resident(&self.data)
    }
}

/// An AIR's constraint program (constraints and interactions, `crate::constraints`) on the
/// device, compiled when the proving key is transported, or why that failed (reported, with
/// the AIR's name, by the first proof that needs it).
#[derive(Clone)]
pub struct AirProgram(Result<Arc<DeviceConstraintProgram>, Arc<WgpuProverError>>);

impl AirProgram {
    pub(crate) fn new(program: Result<DeviceConstraintProgram, WgpuProverError>) -> Self {
        Self(program.map(Arc::new).map_err(Arc::new))
    }

    /// The program, or an error naming the AIR.
    pub fn get(&self, air_name: &str) -> Result<&DeviceConstraintProgram, WgpuProverError> {
        self.0.as_deref().map_err(|e| WgpuProverError::ProvingKey { air: air_name.to_string(), source: e.clone() })
    }
}

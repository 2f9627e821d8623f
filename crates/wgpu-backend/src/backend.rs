//! The backend's types (`ProverBackend`): trace matrices, PCS data and per-AIR data, all living
//! in device memory (docs/ARCHITECTURE.md rule 8).
//!
//! A trace is uploaded once, when it is transported to the device; a commitment (stacked
//! matrix, codewords, every Merkle layer) stays on the device from the commit to the openings.
//! While `prover.rap_constraints` still runs on the host, a trace also keeps the host copy it was
//! transported from, for `host_fallback` only.
//!
//! The transport functions of `DeviceDataTransporter` cannot return errors, so a failed upload
//! is kept in the value and reported, as a typed error, by the first prover call that uses it.

use std::sync::{Arc, OnceLock};

use openvm_stark_backend::prover::{ColMajorMatrix, MatrixDimensions, ProverBackend};
use openvm_stark_sdk::config::baby_bear_poseidon2::Digest;
use openvm_wgpu_common::{ColumnMatrix, GpuError};
use p3_matrix::dense::RowMajorMatrix;

use crate::{
    error::WgpuProverError,
    field::{EF, F},
    stacked_pcs::StackedPcsData,
};

#[derive(Clone, Copy, Debug, Default)]
pub struct WgpuBackend;

impl ProverBackend for WgpuBackend {
    const CHALLENGE_EXT_DEGREE: u8 = 4;
    type Val = F;
    type Challenge = EF;
    type Commitment = Digest;
    type Matrix = WgpuMatrix;
    type OtherAirData = ();
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
    /// The host matrix it was transported from, for the host fallback of
    /// `prover.rap_constraints` (host_fallback.rs) and nothing else.
    pub(crate) host: Arc<ColMajorMatrix<F>>,
    row_major: Arc<OnceLock<RowMajorMatrix<F>>>,
}

impl WgpuMatrix {
    pub(crate) fn new(host: Arc<ColMajorMatrix<F>>, device: Resident<ColumnMatrix>) -> Self {
        Self { height: host.height(), width: host.width(), device, host, row_major: Default::default() }
    }

    /// The trace in device memory.
    pub fn device(&self) -> Result<&ColumnMatrix, WgpuProverError> {
        resident(&self.device)
    }

    /// The row-major host copy the host fallback uses, made once.
    pub(crate) fn row_major(&self, make: impl FnOnce(&ColMajorMatrix<F>) -> RowMajorMatrix<F>) -> &RowMajorMatrix<F> {
        self.row_major.get_or_init(|| make(&self.host))
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

    pub fn device(&self) -> Result<&StackedPcsData, WgpuProverError> {
        resident(&self.data)
    }
}

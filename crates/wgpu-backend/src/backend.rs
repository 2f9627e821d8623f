//! The backend's types (`ProverBackend`): trace matrices, PCS data and per-AIR data.
//!
//! A committed trace's PCS data lives on the GPU (stacked matrix, codewords, every Merkle layer)
//! and, while the RAP-constraint and opening phases still run on the host through
//! openvm-cpu-backend, also in that backend's form, read back once after the commit. Traces
//! keep their host copy for the same reason (the commit uploads them), with a row-major copy
//! made on first use by the host phases.

use std::sync::{Arc, OnceLock};

use openvm_cpu_backend::CpuBackend;
use openvm_stark_backend::prover::{ColMajorMatrix, MatrixDimensions, ProverBackend};
use openvm_stark_sdk::config::baby_bear_poseidon2::{BabyBearPoseidon2Config, Digest};
use p3_matrix::dense::RowMajorMatrix;

use crate::{
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

/// openvm-cpu-backend's PCS data (column-major stacked matrix, row-major codewords).
pub type CpuPcsData = <CpuBackend<BabyBearPoseidon2Config> as ProverBackend>::PcsData;

/// A trace matrix handed to the prover.
#[derive(Clone)]
pub struct WgpuMatrix {
    pub host: Arc<ColMajorMatrix<F>>,
    row_major: Arc<OnceLock<RowMajorMatrix<F>>>,
}

impl WgpuMatrix {
    pub fn new(host: ColMajorMatrix<F>) -> Self {
        Self { host: Arc::new(host), row_major: Default::default() }
    }

    /// The row-major copy the host phases use, made once.
    pub fn row_major(&self, make: impl FnOnce(&ColMajorMatrix<F>) -> RowMajorMatrix<F>) -> &RowMajorMatrix<F> {
        self.row_major.get_or_init(|| make(&self.host))
    }
}

impl MatrixDimensions for WgpuMatrix {
    fn height(&self) -> usize {
        self.host.height()
    }

    fn width(&self) -> usize {
        self.host.width()
    }
}

/// A commitment's data: on the GPU when this backend committed it, and in openvm-cpu-backend's
/// form for the phases that still run on the host (and for data committed elsewhere, such as
/// preprocessed traces from keygen).
pub struct WgpuPcsData {
    pub device: Option<StackedPcsData>,
    pub host: Arc<CpuPcsData>,
}

//! The backend's types (`ProverBackend`): trace matrices, PCS data and per-AIR data.
//!
//! A committed trace's PCS data lives on the GPU (stacked matrix, codewords, every Merkle layer)
//! and, while the RAP-constraint and opening phases still run on the host, also as upstream's
//! `StackedPcsData` read back once after the commit. Traces keep their host copy for the same
//! reason; the commit uploads them.

use std::sync::Arc;

use openvm_stark_backend::prover::{stacked_pcs::StackedPcsData as HostPcsData, ColMajorMatrix, MatrixDimensions, ProverBackend};
use openvm_stark_sdk::config::baby_bear_poseidon2::Digest;

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

/// A trace matrix handed to the prover.
#[derive(Clone)]
pub struct WgpuMatrix {
    pub host: Arc<ColMajorMatrix<F>>,
}

impl WgpuMatrix {
    pub fn new(host: ColMajorMatrix<F>) -> Self {
        Self { host: Arc::new(host) }
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

/// A commitment's data: on the GPU when this backend committed it, and as upstream's host data
/// for the phases that still run on the host (and for data committed elsewhere, such as
/// preprocessed traces from keygen).
pub struct WgpuPcsData {
    pub device: Option<StackedPcsData>,
    pub host: Arc<HostPcsData<F, Digest>>,
}

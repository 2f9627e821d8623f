//! The prover device: the trace commitment (`stacked_pcs`), the RAP constraints
//! (`logup_zerocheck`) and the openings (`openings`), all on the GPU. Also the
//! `DeviceDataTransporter`: traces and commitments are uploaded once and stay in device memory;
//! each AIR's constraints are compiled into a device program with the proving key.

use std::sync::Arc;

use openvm_stark_backend::{
    air_builders::symbolic::SymbolicConstraintsDag,
    keygen::types::MultiStarkProvingKey,
    prover::{
        stacked_pcs::StackedPcsData as HostPcsData, ColMajorMatrix, CommittedTraceData, DeviceDataTransporter, DeviceMultiStarkProvingKey,
        DeviceStarkProvingKey, MatrixDimensions, ProverDevice, TraceCommitter,
    },
    FiatShamirTranscript, StarkProtocolConfig,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::{BabyBearPoseidon2Config, Digest};
use openvm_wgpu_common::{ColumnMatrix, GpuContext, GpuResult};
use p3_matrix::dense::RowMajorMatrix;

use crate::{
    backend::{AirProgram, WgpuBackend, WgpuMatrix, WgpuPcsData},
    commit::stacked_pcs::{commit_traces, upload_committed, upload_row_major_matrix, Traces},
    constraints::ConstraintProgram,
    error::WgpuProverError,
    field::{as_words, from_words, F},
};

pub type SC = BabyBearPoseidon2Config;

#[derive(Clone)]
pub struct WgpuDevice {
    pub ctx: Arc<GpuContext>,
    config: SC,
}

impl WgpuDevice {
    pub fn new(ctx: Arc<GpuContext>, config: SC) -> Self {
        Self { ctx, config }
    }

    pub fn config(&self) -> &SC {
        &self.config
    }

    /// Compiles an AIR's constraints and interactions and uploads the program.
    fn compile(&self, constraints: &SymbolicConstraintsDag<F>) -> AirProgram {
        let _span = tracing::info_span!("compile_constraint_program").entered();
        let program = ConstraintProgram::compile(constraints)
            .map_err(|e| WgpuProverError::InvalidInput(e.to_string()))
            .and_then(|p| Ok(p.upload(&self.ctx)?));
        AirProgram::new(program)
    }

    /// Uploads a host matrix (column-major) into device memory.
    fn upload(&self, matrix: &ColMajorMatrix<F>) -> GpuResult<ColumnMatrix> {
        let _span = tracing::info_span!("transport_matrix_to_device").entered();
        const OP: &str = "transport_matrix_to_device";
        let m = ColumnMatrix::from_col_major(&self.ctx, OP, matrix.height(), matrix.width(), as_words(&matrix.values))?;
        // The transfer completes here, as the CUDA backend's transport does, so the commit that
        // follows does not wait for the bus and the phases compare like for like.
        self.ctx.submit_and_wait(OP, self.ctx.encoder(OP))?;
        Ok(m)
    }
}

/// Transports a row-major host trace (openvm-cpu-backend's and openvm-circuit's trace layout) to
/// the device: uploaded in row slices and transposed there, never on the host. A failed upload
/// is kept in the matrix and reported by the first prover call that uses it.
pub fn transport_row_major_matrix(ctx: &GpuContext, matrix: &RowMajorMatrix<F>) -> WgpuMatrix {
    let _span = tracing::info_span!("transport_matrix_to_device").entered();
    let device = upload_row_major_matrix(ctx, matrix).map(Arc::new).map_err(Arc::new);
    WgpuMatrix::on_device(matrix.height(), matrix.width(), device)
}

impl TraceCommitter<WgpuBackend> for WgpuDevice {
    type Error = WgpuProverError;

    fn commit(&self, traces: &[&WgpuMatrix]) -> Result<(Digest, WgpuPcsData), WgpuProverError> {
        let p = self.config().params();
        let device: Vec<&ColumnMatrix> = traces.iter().map(|t| t.device()).collect::<Result<_, _>>()?;
        let (root, data) = commit_traces(&self.ctx, p.l_skip, p.n_stack, p.log_blowup, p.k_whir(), Traces::Device(&device))?;
        Ok((root, WgpuPcsData::new(Ok(data))))
    }
}

impl<TS: FiatShamirTranscript<SC> + 'static> ProverDevice<WgpuBackend, TS> for WgpuDevice {
    type Error = WgpuProverError;
    type DeviceCtx = Arc<GpuContext>;

    fn device_ctx(&self) -> &Arc<GpuContext> {
        &self.ctx
    }
}

impl DeviceDataTransporter<SC, WgpuBackend> for WgpuDevice {
    fn transport_pk_to_device(&self, mpk: &MultiStarkProvingKey<SC>) -> DeviceMultiStarkProvingKey<WgpuBackend> {
        let per_air = mpk
            .per_air
            .iter()
            .map(|pk| {
                // Preprocessed traces were committed at keygen, on the host; the commitment is
                // rebuilt on the device and checked against that root.
                let preprocessed_data = pk.preprocessed_data.as_ref().and_then(|d| {
                    Some(CommittedTraceData {
                        commitment: d.commit().ok()?,
                        trace: self.transport_matrix_to_device(&d.mat_view(0).to_matrix()),
                        data: Arc::new(self.transport_pcs_data_to_device(d)),
                    })
                });
                let other_data = self.compile(&pk.vk.symbolic_constraints);
                DeviceStarkProvingKey { air_name: pk.air_name.clone(), vk: pk.vk.clone(), preprocessed_data, other_data }
            })
            .collect();
        DeviceMultiStarkProvingKey::new(
            per_air,
            mpk.trace_height_constraints.clone(),
            mpk.max_constraint_degree,
            mpk.params.clone(),
            mpk.vk_pre_hash,
        )
    }

    fn transport_matrix_to_device(&self, matrix: &ColMajorMatrix<F>) -> WgpuMatrix {
        let device = self.upload(matrix).map(Arc::new).map_err(Arc::new);
        WgpuMatrix::new(matrix, device)
    }

    fn transport_pcs_data_to_device(&self, pcs_data: &HostPcsData<F, Digest>) -> WgpuPcsData {
        WgpuPcsData::new(upload_committed(&self.ctx, pcs_data))
    }

    /// For testing and debugging only (upstream's `StarkEngine::debug`). The trait cannot
    /// return an error, so a failed read-back panics with the reason.
    fn transport_matrix_from_device_to_host(&self, matrix: &WgpuMatrix) -> ColMajorMatrix<F> {
        if let Some(empty) = matrix.empty() {
            return empty.clone();
        }
        let read = matrix
            .device()
            .map_err(|e| e.to_string())
            .and_then(|m| m.read_col_major(&self.ctx).map_err(|e| e.to_string()))
            .and_then(|words| from_words(words).map_err(|e| e.to_string()));
        match read {
            Ok(values) => ColMajorMatrix::new(values, matrix.width()),
            Err(e) => panic!("reading a {} x {} trace back from the device failed: {e}", matrix.height(), matrix.width()),
        }
    }
}

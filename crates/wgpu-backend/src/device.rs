//! The prover device: the trace commitment on the GPU (`stacked_pcs`); the RAP-constraint and
//! opening phases, for now, through openvm-cpu-backend on host data (`logup_zerocheck`,
//! `openings`). Also the `DeviceDataTransporter`.

use std::sync::Arc;

use openvm_stark_backend::{
    keygen::types::MultiStarkProvingKey,
    prover::{
        stacked_pcs::{MerkleTree as HostMerkleTree, StackedPcsData as HostPcsData},
        AirProvingContext, ColMajorMatrix, CommittedTraceData, DeviceDataTransporter, DeviceMultiStarkProvingKey,
        DeviceStarkProvingKey, ProverDevice, ProvingContext, TraceCommitter,
    },
    FiatShamirTranscript, StarkProtocolConfig,
};
use openvm_cpu_backend::{CpuBackend, CpuDevice};
use openvm_stark_sdk::config::baby_bear_poseidon2::{BabyBearPoseidon2Config, Digest};
use p3_matrix::dense::RowMajorMatrix;
use openvm_wgpu_common::GpuContext;

use crate::{
    backend::{CpuPcsData, WgpuBackend, WgpuMatrix, WgpuPcsData},
    error::WgpuProverError,
    field::{from_words, F},
    stacked_pcs::{commit_traces, HostTraces, StackedPcsData},
};

pub type SC = BabyBearPoseidon2Config;

#[derive(Clone)]
pub struct WgpuDevice {
    pub ctx: Arc<GpuContext>,
    /// Runs the phases that are not on the GPU yet.
    pub(crate) cpu: CpuDevice<SC>,
}

impl WgpuDevice {
    pub fn new(ctx: Arc<GpuContext>, config: SC) -> Self {
        Self { ctx, cpu: CpuDevice::new(config) }
    }

    pub fn config(&self) -> &SC {
        self.cpu.config()
    }

    /// openvm-cpu-backend's form of upstream PCS data.
    fn cpu_pcs_data(&self, data: &HostPcsData<F, Digest>) -> CpuPcsData {
        DeviceDataTransporter::<SC, CpuBackend<SC>>::transport_pcs_data_to_device(&self.cpu, data)
    }
}

impl TraceCommitter<WgpuBackend> for WgpuDevice {
    type Error = WgpuProverError;

    fn commit(&self, traces: &[&WgpuMatrix]) -> Result<(Digest, WgpuPcsData), WgpuProverError> {
        let p = self.config().params();
        let host: Vec<&ColMajorMatrix<F>> = traces.iter().map(|t| t.host.as_ref()).collect();
        let (root, data) = commit_traces(&self.ctx, p.l_skip, p.n_stack, p.log_blowup, p.k_whir(), HostTraces::ColMajor(&host))?;
        let host = Arc::new(self.cpu_pcs_data(&host_copy(&self.ctx, &data)?));
        Ok((root, WgpuPcsData { device: Some(data), host }))
    }
}

/// Upstream's `StackedPcsData` for a GPU commitment, read back for the phases on the host.
fn host_copy(ctx: &GpuContext, data: &StackedPcsData) -> Result<HostPcsData<F, Digest>, WgpuProverError> {
    let _span = tracing::info_span!("pcs_data_to_host").entered();
    let matrix = ColMajorMatrix::new(from_words(data.matrix.read_col_major(ctx)?), data.matrix.width);
    let codewords = ColMajorMatrix::new(from_words(data.tree.matrix.read_col_major(ctx)?), data.tree.matrix.width);
    let mut layers = Vec::with_capacity(data.tree.layers.len());
    for layer in &data.tree.layers {
        let words = from_words(layer.read(ctx)?);
        layers.push(words.chunks_exact(8).map(|c| std::array::from_fn(|i| c[i])).collect::<Vec<Digest>>());
    }
    // SAFETY: the layers are the GPU tree over exactly these codewords, built with upstream's
    // leaf order, compression and rows per query (tests/commit.rs checks roots, rows and paths
    // against upstream's tree).
    let tree = unsafe { HostMerkleTree::from_raw_parts(codewords, layers, data.tree.rows_per_query) };
    Ok(HostPcsData::new(data.layout.clone(), matrix, tree))
}

impl<TS: FiatShamirTranscript<SC>> ProverDevice<WgpuBackend, TS> for WgpuDevice {
    type Error = WgpuProverError;
    type DeviceCtx = Arc<GpuContext>;

    fn device_ctx(&self) -> &Arc<GpuContext> {
        &self.ctx
    }
}

/// openvm-cpu-backend's view of our types, for the phases that still run on the host.
pub(crate) mod to_cpu {
    use super::*;

    pub fn matrix(device: &WgpuDevice, m: &WgpuMatrix) -> RowMajorMatrix<F> {
        m.row_major(|host| DeviceDataTransporter::<SC, CpuBackend<SC>>::transport_matrix_to_device(&device.cpu, host))
            .clone()
    }

    pub fn committed(device: &WgpuDevice, c: &CommittedTraceData<WgpuBackend>) -> CommittedTraceData<CpuBackend<SC>> {
        CommittedTraceData { commitment: c.commitment, trace: matrix(device, &c.trace), data: c.data.host.clone() }
    }

    pub fn proving_key(device: &WgpuDevice, mpk: &DeviceMultiStarkProvingKey<WgpuBackend>) -> DeviceMultiStarkProvingKey<CpuBackend<SC>> {
        let per_air = mpk
            .per_air
            .iter()
            .map(|pk| DeviceStarkProvingKey {
                air_name: pk.air_name.clone(),
                vk: pk.vk.clone(),
                preprocessed_data: pk.preprocessed_data.as_ref().map(|c| committed(device, c)),
                other_data: (),
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

    pub fn context(device: &WgpuDevice, ctx: &ProvingContext<WgpuBackend>) -> ProvingContext<CpuBackend<SC>> {
        let per_trace = ctx
            .per_trace
            .iter()
            .map(|(air, t)| {
                let cached = t.cached_mains.iter().map(|c| committed(device, c)).collect();
                (*air, AirProvingContext::new(cached, matrix(device, &t.common_main), t.public_values.clone()))
            })
            .collect();
        ProvingContext::new(per_trace)
    }
}

impl DeviceDataTransporter<SC, WgpuBackend> for WgpuDevice {
    fn transport_pk_to_device(&self, mpk: &MultiStarkProvingKey<SC>) -> DeviceMultiStarkProvingKey<WgpuBackend> {
        let per_air = mpk
            .per_air
            .iter()
            .map(|pk| {
                // Preprocessed traces were committed at keygen, on the host.
                let preprocessed_data = pk.preprocessed_data.as_ref().and_then(|d| {
                    Some(CommittedTraceData {
                        commitment: d.commit().ok()?,
                        trace: WgpuMatrix::new(d.mat_view(0).to_matrix()),
                        data: Arc::new(WgpuPcsData { device: None, host: Arc::new(self.cpu_pcs_data(d)) }),
                    })
                });
                DeviceStarkProvingKey { air_name: pk.air_name.clone(), vk: pk.vk.clone(), preprocessed_data, other_data: () }
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
        WgpuMatrix::new(matrix.clone())
    }

    fn transport_pcs_data_to_device(&self, pcs_data: &HostPcsData<F, Digest>) -> WgpuPcsData {
        WgpuPcsData { device: None, host: Arc::new(self.cpu_pcs_data(pcs_data)) }
    }

    fn transport_matrix_from_device_to_host(&self, matrix: &WgpuMatrix) -> ColMajorMatrix<F> {
        matrix.host.as_ref().clone()
    }
}


//! The prover device: the trace commitment on the GPU (`stacked_pcs`); the RAP-constraint and
//! opening phases, for now, through openvm-cpu-backend on host data (`logup_zerocheck`,
//! `openings`). Also the `DeviceDataTransporter`.

use std::sync::Arc;

use openvm_cpu_backend::{merkle::CpuMerkleTree, CpuBackend, CpuDevice};
use openvm_stark_backend::{
    keygen::types::MultiStarkProvingKey,
    prover::{
        stacked_pcs::StackedPcsData as HostPcsData, AirProvingContext, ColMajorMatrix, CommittedTraceData, DeviceDataTransporter,
        DeviceMultiStarkProvingKey, DeviceStarkProvingKey, ProverDevice, ProvingContext, TraceCommitter,
    },
    FiatShamirTranscript, StarkProtocolConfig,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::{BabyBearPoseidon2Config, Digest};
use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};
use p3_matrix::dense::RowMajorMatrix;

use crate::{
    backend::{CpuPcsData, WgpuBackend, WgpuMatrix, WgpuPcsData},
    error::WgpuProverError,
    field::{from_words, F},
    kernels::transpose,
    stacked_pcs::{commit_traces, StackedPcsData, Traces},
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
        let (root, data) = commit_traces(&self.ctx, p.l_skip, p.n_stack, p.log_blowup, p.k_whir(), Traces::ColMajor(&host))?;
        let host = Arc::new(cpu_pcs_data(&self.ctx, &data)?);
        Ok((root, WgpuPcsData { device: Some(data), host }))
    }
}

/// openvm-cpu-backend's form of a GPU commitment, for the phases that still run on the host: the
/// stacked matrix as it is (column-major), the codewords transposed to rows on the GPU and read
/// back in row slices that fit one binding, and every Merkle layer.
pub fn cpu_pcs_data(ctx: &GpuContext, data: &StackedPcsData) -> GpuResult<CpuPcsData> {
    const OP: &str = "pcs_data_to_host";
    let _span = tracing::info_span!("pcs_data_to_host").entered();
    let matrix = ColMajorMatrix::new(from_words(data.matrix.read_col_major(ctx)?), data.matrix.width.max(1));
    let codewords = &data.tree.matrix;
    let (height, width) = (codewords.height, codewords.width);
    let mut rows = vec![0u32; height * width];
    if width > 0 {
        let rows_per_slice = ((ctx.limits.max_binding_bytes() / (4 * width as u64)) as usize).clamp(1, height);
        let staging = GpuBuffer::<u32>::uninit(ctx, OP, rows_per_slice * width)?;
        for first_row in (0..height).step_by(rows_per_slice) {
            let slice_rows = rows_per_slice.min(height - first_row);
            let mut enc = ctx.encoder(OP);
            let mut first_column = 0;
            for (i, chunk) in codewords.chunks.iter().enumerate() {
                let columns = codewords.chunk_columns(i);
                // The chunk's columns, read as rows of `height` words, transposed into the slice.
                let target = transpose::SliceTarget {
                    slice_rows: columns,
                    slice_first_row: 0,
                    trace_height: width,
                    trace_width: height,
                    first_column: first_row,
                    columns: slice_rows,
                    out_offset: first_column,
                };
                transpose::record(ctx, &mut enc, chunk, &staging, target)?;
                first_column += columns;
            }
            ctx.submit_and_wait(OP, enc)?;
            staging.read_into(ctx, 0, &mut rows[first_row * width..(first_row + slice_rows) * width])?;
        }
    }
    let mut layers = Vec::with_capacity(data.tree.layers.len());
    for layer in &data.tree.layers {
        let words = from_words(layer.read(ctx)?);
        layers.push(words.chunks_exact(8).map(|c| std::array::from_fn(|i| c[i])).collect::<Vec<Digest>>());
    }
    let backing = RowMajorMatrix::new(from_words(rows), width.max(1));
    // SAFETY: the layers are the GPU tree over exactly these codewords, built with upstream's
    // leaf order, compression and rows per query (tests/commit.rs checks roots, rows and paths
    // against upstream's tree; tests/proof_identity.rs whole proofs).
    let tree = unsafe { CpuMerkleTree::from_raw_parts(backing, layers, data.tree.rows_per_query) };
    Ok(CpuPcsData::new(data.layout.clone(), matrix, tree))
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
        m.row_major(|host| DeviceDataTransporter::<SC, CpuBackend<SC>>::transport_matrix_to_device(&device.cpu, host)).clone()
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

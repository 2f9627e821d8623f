//! What openvm-cpu-backend needs to run `prover.rap_constraints` on the host, built once per
//! proof from the host copies the traces were transported from. This is the only reader of
//! those copies; it goes away when the LogUp GKR and the zerocheck run on the device.
//!
//! openvm-cpu-backend's `prove_zerocheck_and_logup` reads the traces only, never the commitment
//! data that its `CommittedTraceData` carries, so that field holds a one-row placeholder instead
//! of a copy of the commitment.

use std::sync::Arc;

use openvm_cpu_backend::{merkle::CpuMerkleTree, CpuBackend};
use openvm_stark_backend::prover::{
    stacked_pcs::StackedLayout, AirProvingContext, ColMajorMatrix, CommittedTraceData, DeviceDataTransporter, DeviceMultiStarkProvingKey,
    DeviceStarkProvingKey, ProvingContext,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::Digest;
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;

use crate::{
    backend::{WgpuBackend, WgpuMatrix},
    device::{WgpuDevice, SC},
    error::WgpuProverError,
    field::F,
};

/// openvm-cpu-backend's PCS data type.
pub type CpuPcsData = <CpuBackend<SC> as openvm_stark_backend::prover::ProverBackend>::PcsData;

/// The proving key and proving context as openvm-cpu-backend takes them.
pub type CpuInputs = (DeviceMultiStarkProvingKey<CpuBackend<SC>>, ProvingContext<CpuBackend<SC>>);

/// The proving key and context in openvm-cpu-backend's types, for `prove_zerocheck_and_logup`.
pub fn rap_constraints_inputs(
    device: &WgpuDevice,
    mpk: &DeviceMultiStarkProvingKey<WgpuBackend>,
    ctx: &ProvingContext<WgpuBackend>,
) -> Result<CpuInputs, WgpuProverError> {
    let placeholder = Arc::new(placeholder_pcs_data()?);
    let committed = |c: &CommittedTraceData<WgpuBackend>| CommittedTraceData {
        commitment: c.commitment,
        trace: row_major(device, &c.trace),
        data: placeholder.clone(),
    };
    let per_air = mpk
        .per_air
        .iter()
        .map(|pk| DeviceStarkProvingKey {
            air_name: pk.air_name.clone(),
            vk: pk.vk.clone(),
            preprocessed_data: pk.preprocessed_data.as_ref().map(committed),
            other_data: (),
        })
        .collect();
    let mpk = DeviceMultiStarkProvingKey::new(
        per_air,
        mpk.trace_height_constraints.clone(),
        mpk.max_constraint_degree,
        mpk.params.clone(),
        mpk.vk_pre_hash,
    );
    let per_trace = ctx
        .per_trace
        .iter()
        .map(|(air, t)| {
            let cached = t.cached_mains.iter().map(committed).collect();
            (*air, AirProvingContext::new(cached, row_major(device, &t.common_main), t.public_values.clone()))
        })
        .collect();
    Ok((mpk, ProvingContext::new(per_trace)))
}

/// The trace's row-major host copy (openvm-cpu-backend's matrix type), made once per trace.
fn row_major(device: &WgpuDevice, m: &WgpuMatrix) -> RowMajorMatrix<F> {
    m.row_major(|host: &ColMajorMatrix<F>| DeviceDataTransporter::<SC, CpuBackend<SC>>::transport_matrix_to_device(&device.cpu, host))
        .clone()
}

/// A one-row commitment in openvm-cpu-backend's form, never read by the host phase.
fn placeholder_pcs_data() -> Result<CpuPcsData, WgpuProverError> {
    let layout = StackedLayout::new(0, 0, Vec::new()).map_err(|e| WgpuProverError::InvalidInput(e.to_string()))?;
    let matrix = ColMajorMatrix::new(vec![F::ZERO], 1);
    let leaf: Digest = [F::ZERO; 8];
    // SAFETY: a one-leaf tree over a one-row matrix is consistent (its root is the leaf); the
    // host phase that receives it never reads it.
    let tree = unsafe { CpuMerkleTree::from_raw_parts(RowMajorMatrix::new(vec![F::ZERO], 1), vec![vec![leaf]], 1) };
    Ok(CpuPcsData::new(layout, matrix, tree))
}

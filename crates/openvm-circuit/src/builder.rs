//! `VmBuilder` for the wgpu engine from any of openvm-circuit's CPU builders.
//!
//! openvm-circuit ties trace generation to an engine: a `VmBuilder<E>` creates the chip complex
//! whose chips turn execution records into `AirProvingContext<E::PB>`. Upstream's CPU builders
//! (`SystemCpuBuilder`, `Rv32ImCpuBuilder`, ...) produce host traces for openvm-cpu-backend.
//! [`WgpuBuilder`] wraps one: it builds upstream's CPU chip complex, keeps it, and gives the
//! VM a chip complex for [`WgpuBackend`] whose chips run the CPU chip of the same index and
//! transport its trace to the device (uploaded row-major and transposed on the device). The
//! system chips are wrapped the same way ([`WgpuSystem`]); the program's cached trace is the
//! one made and committed on our device (`tracegen::system::program::commit_program_on_gpu`).
//!
//! A chip can later generate its trace on the GPU: it then implements `Chip<RA, WgpuBackend>`
//! itself and replaces its wrapper in the inventory.

use std::{rc::Rc, sync::Arc};

use openvm_circuit::{
    arch::{AirInventory, ChipInventory, ChipInventoryError, RowMajorMatrixArena, VmBuilder, VmChipComplex},
    system::{
        memory::{online::GuestMemory, CHUNK},
        SystemChipComplex, SystemChipInventory, SystemRecords, SystemWithFixedTraceHeights,
    },
};
use openvm_circuit_primitives::Chip;
use openvm_cpu_backend::{merkle::CpuMerkleTree, CpuBackend};
use openvm_stark_backend::{
    prover::{
        stacked_pcs::StackedLayout, AirProvingContext, ColMajorMatrix, CommittedTraceData, MatrixDimensions, ProverBackend, ProvingContext,
        TraceCommitter,
    },
    FiatShamirTranscript,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::{BabyBearPoseidon2CpuEngine, Digest};
use openvm_wgpu_backend::{
    backend::{WgpuBackend, WgpuMatrix, WgpuPcsData},
    device::{transport_row_major_matrix, WgpuDevice, SC},
    error::WgpuProverError,
    field::F,
    BabyBearPoseidon2WgpuEngine, GpuContext, GpuError,
};
use p3_baby_bear::Poseidon2BabyBear;
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;

use crate::memory_image::copy_nonzero_pages;

/// The CPU engine whose builders [`WgpuBuilder`] wraps.
pub type CpuEngine = BabyBearPoseidon2CpuEngine;

type CpuPcsData = <CpuBackend<SC> as ProverBackend>::PcsData;

/// A CPU builder (`B: VmBuilder<CpuEngine>`, for example `Rv32ImCpuBuilder`) as a builder for
/// [`BabyBearPoseidon2WgpuEngine`].
#[derive(Clone, Debug, Default)]
pub struct WgpuBuilder<B>(pub B);

impl<B, TS> VmBuilder<BabyBearPoseidon2WgpuEngine<TS>> for WgpuBuilder<B>
where
    B: VmBuilder<CpuEngine, SystemChipInventory = SystemChipInventory<SC>>,
    B::RecordArena: RowMajorMatrixArena<F> + 'static,
    TS: FiatShamirTranscript<SC> + From<Poseidon2BabyBear<16>> + 'static,
{
    type VmConfig = B::VmConfig;
    type RecordArena = B::RecordArena;
    type SystemChipInventory = WgpuSystem;

    fn create_chip_complex(
        &self,
        config: &B::VmConfig,
        circuit: AirInventory<SC>,
        device_ctx: &Arc<GpuContext>,
    ) -> Result<VmChipComplex<SC, B::RecordArena, WgpuBackend, WgpuSystem>, ChipInventoryError> {
        let airs = circuit.clone();
        let cpu = self.0.create_chip_complex(config, circuit, &())?;
        let VmChipComplex { system, inventory: cpu_inventory } = cpu;
        let executor_map = cpu_inventory.executor_idx_to_insertion_idx.clone();
        let num_chips = cpu_inventory.chips().len();
        let cpu_inventory = Rc::new(cpu_inventory);
        let mut inventory = ChipInventory::new(airs);
        for index in 0..num_chips {
            inventory.add_periphery_chip(DeviceChip { cpu: cpu_inventory.clone(), index, ctx: device_ctx.clone() });
        }
        // The same chips in the same order: the same executors map to them.
        inventory.executor_idx_to_insertion_idx = executor_map;
        Ok(VmChipComplex { system: WgpuSystem { cpu: system, ctx: device_ctx.clone(), program: None }, inventory })
    }
}

/// Chip `index` of upstream's CPU inventory, its trace transported to the device. Chips are
/// not shared across threads, so the inventory is reference-counted on one.
pub(crate) struct DeviceChip<RA> {
    pub cpu: Rc<ChipInventory<SC, RA, CpuBackend<SC>>>,
    pub index: usize,
    pub ctx: Arc<GpuContext>,
}

impl<RA> Chip<RA, WgpuBackend> for DeviceChip<RA> {
    fn generate_proving_ctx(&self, records: RA) -> AirProvingContext<WgpuBackend> {
        let cpu = self.cpu.chips()[self.index].generate_proving_ctx(records);
        to_device(&self.ctx, cpu)
    }

    fn constant_trace_height(&self) -> Option<usize> {
        self.cpu.chips()[self.index].constant_trace_height()
    }
}

/// A host proving context on the device. Extension chips have no cached traces; one that had
/// would need its commitment rebuilt from host data this wrapper does not have, so it becomes
/// an error the prover reports.
pub(crate) fn to_device(ctx: &GpuContext, cpu: AirProvingContext<CpuBackend<SC>>) -> AirProvingContext<WgpuBackend> {
    let cached_mains = cpu
        .cached_mains
        .iter()
        .map(|c| {
            let error = || {
                Arc::new(GpuError::invalid("openvm-wgpu-circuit", "a chip's cached trace cannot be transported; commit it on the device"))
            };
            CommittedTraceData {
                commitment: c.commitment,
                trace: WgpuMatrix::unavailable(c.trace.height(), c.trace.width(), error()),
                data: Arc::new(WgpuPcsData::unavailable(error())),
            }
        })
        .collect();
    AirProvingContext::new(cached_mains, transport_row_major_matrix(ctx, &cpu.common_main), cpu.public_values)
}

/// A proving context of openvm-cpu-backend (for example one generated by upstream's CPU
/// builders) on the device: main traces uploaded row-major and transposed there; cached traces
/// also committed on the device, their roots checked against the host commitments.
pub fn transport_cpu_proving_ctx(
    device: &WgpuDevice,
    ctx: &ProvingContext<CpuBackend<SC>>,
) -> Result<ProvingContext<WgpuBackend>, WgpuProverError> {
    let per_trace = ctx
        .per_trace
        .iter()
        .map(|(air, c)| {
            let cached = c
                .cached_mains
                .iter()
                .map(|cached| {
                    transport_committed_trace(device, cached).map_err(|e| match e {
                        WgpuProverError::InvalidInput(m) => WgpuProverError::InvalidInput(format!("AIR {air}: {m}")),
                        other => other,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((*air, AirProvingContext::new(cached, transport_row_major_matrix(&device.ctx, &c.common_main), c.public_values.clone())))
        })
        .collect::<Result<Vec<_>, WgpuProverError>>()?;
    Ok(ProvingContext::new(per_trace))
}

/// A committed host trace committed again on the device, its root checked against the host
/// commitment.
pub fn transport_committed_trace(
    device: &WgpuDevice,
    cached: &CommittedTraceData<CpuBackend<SC>>,
) -> Result<CommittedTraceData<WgpuBackend>, WgpuProverError> {
    let trace = transport_row_major_matrix(&device.ctx, &cached.trace);
    let (root, data) = device.commit(&[&trace])?;
    if root != cached.commitment {
        return Err(WgpuProverError::InvalidInput(
            "the cached trace committed on the device has another root than its host commitment".into(),
        ));
    }
    Ok(CommittedTraceData { commitment: root, trace, data: Arc::new(data) })
}

/// Upstream's system chips (program, connector, memory) with their traces transported to the
/// device; the program's cached trace is the one committed on the device.
pub struct WgpuSystem {
    cpu: SystemChipInventory<SC>,
    ctx: Arc<GpuContext>,
    program: Option<CommittedTraceData<WgpuBackend>>,
}

impl WgpuSystem {
    pub(crate) fn new(cpu: SystemChipInventory<SC>, ctx: Arc<GpuContext>) -> Self {
        Self { cpu, ctx, program: None }
    }
}

impl<RA: RowMajorMatrixArena<F>> SystemChipComplex<RA, WgpuBackend> for WgpuSystem {
    fn load_program(&mut self, cached_program_trace: CommittedTraceData<WgpuBackend>) {
        // Upstream's program chip reads only the height of its cached trace (its execution
        // frequencies are one per program row); its context's cached trace is replaced by ours.
        let placeholder = host_committed_placeholder(cached_program_trace.commitment, cached_program_trace.height());
        SystemChipComplex::<RA, CpuBackend<SC>>::load_program(&mut self.cpu, placeholder);
        self.program = Some(cached_program_trace);
    }

    fn transport_init_memory_to_device(&mut self, memory: &GuestMemory) {
        // What upstream's `set_initial_memory` does, with a copy of the non-zero pages only.
        self.cpu.memory_controller.interface_chip.initial_memory = copy_nonzero_pages(&memory.memory);
    }

    fn generate_proving_ctx(&mut self, system_records: SystemRecords<F>, record_arenas: Vec<RA>) -> Vec<AirProvingContext<WgpuBackend>> {
        let cpu = SystemChipComplex::<RA, CpuBackend<SC>>::generate_proving_ctx(&mut self.cpu, system_records, record_arenas);
        cpu.into_iter()
            .map(|c| {
                if c.cached_mains.is_empty() {
                    return to_device(&self.ctx, c);
                }
                // The program chip: its cached trace is the program committed on the device.
                let cached = self.program.clone().into_iter().collect();
                AirProvingContext::new(cached, transport_row_major_matrix(&self.ctx, &c.common_main), c.public_values)
            })
            .collect()
    }

    fn memory_top_tree(&self) -> Option<&[[F; CHUNK]]> {
        SystemChipComplex::<RA, CpuBackend<SC>>::memory_top_tree(&self.cpu)
    }
}

impl SystemWithFixedTraceHeights for WgpuSystem {
    fn override_trace_heights(&mut self, heights: &[u32]) {
        self.cpu.override_trace_heights(heights);
    }
}

/// A host committed trace of `height` rows standing in for one committed on the device where
/// upstream's CPU code only carries it along or reads its height (the program chip, the
/// recursion verifier's cached trace): one zero column, and a one-leaf tree in place of its
/// commitment data, never read.
pub(crate) fn host_committed_placeholder(commitment: Digest, height: usize) -> CommittedTraceData<CpuBackend<SC>> {
    let layout = StackedLayout::new(0, 0, Vec::new()).expect("a layout of no matrices always exists");
    let matrix = ColMajorMatrix::new(vec![F::ZERO], 1);
    let leaf: Digest = [F::ZERO; 8];
    // SAFETY: a one-leaf tree over a one-row matrix is consistent (its root is the leaf); its
    // users never read it.
    let tree = unsafe { CpuMerkleTree::from_raw_parts(RowMajorMatrix::new(vec![F::ZERO], 1), vec![vec![leaf]], 1) };
    CommittedTraceData {
        commitment,
        trace: RowMajorMatrix::new(vec![F::ZERO; height.max(1)], 1),
        data: Arc::new(CpuPcsData::new(layout, matrix, tree)),
    }
}

//! Trace generation on the GPU (docs/ARCHITECTURE.md, "Trace generation"): preflight writes
//! upstream's records into a dense arena (`DenseRecordArena`, the layout openvm-circuit's CUDA
//! chips read), each chip uploads its records once and a WGSL kernel per chip fills its trace
//! where the prover reads it. Lookup tables are counted on the device with 32-bit atomics.
//!
//! [`Rv32ImGpuTracegenBuilder`] builds the chip complex of `Rv32ImConfig` from upstream's CPU
//! chip complex: a chip with a GPU version ([`gpu_chip`]) replaces its CPU chip, every other
//! chip runs upstream's CPU filler on the same records ([`cpu_filled`]). With
//! [`ChipTraces::CpuFillers`] every chip runs upstream's filler: the reference the GPU chips are
//! tested against, record for record.

pub mod adapters;
pub mod auipc;
pub mod base_alu;
pub mod branch_eq;
pub mod branch_lt;
pub mod cpu_filled;
pub mod divrem;
pub mod hintstore;
pub mod jal_lui;
pub mod jalr;
pub mod kernel;
pub mod less_than;
pub mod load_sign_extend;
pub mod loadstore;
pub mod lookups;
pub mod mul;
pub mod mulh;
pub mod phantom;
pub mod records;
pub mod scan;
pub mod shift;
pub mod system;

use std::{any::Any, rc::Rc, sync::Arc};

use openvm_circuit::{
    arch::{AirInventory, ChipInventory, ChipInventoryError, DenseRecordArena, MatrixRecordArena, VmBuilder, VmChipComplex},
    system::{
        memory::{online::GuestMemory, CHUNK},
        phantom::PhantomAir,
        poseidon2::air::Poseidon2PeripheryAir,
        SystemChipComplex, SystemRecords, SystemWithFixedTraceHeights,
    },
};
use openvm_circuit_primitives::{
    bitwise_op_lookup::{BitwiseOperationLookupAir, BitwiseOperationLookupChip},
    range_tuple::{RangeTupleCheckerAir, RangeTupleCheckerChip},
    var_range::{VariableRangeCheckerAir, VariableRangeCheckerChip},
    Chip,
};
use openvm_rv32im_circuit::{
    Rv32AuipcAir, Rv32BaseAluAir, Rv32BranchEqualAir, Rv32BranchLessThanAir, Rv32DivRemAir, Rv32HintStoreAir, Rv32ImConfig,
    Rv32ImCpuBuilder, Rv32JalLuiAir, Rv32JalrAir, Rv32LessThanAir, Rv32LoadSignExtendAir, Rv32LoadStoreAir, Rv32MulHAir,
    Rv32MultiplicationAir, Rv32ShiftAir,
};
use openvm_stark_backend::{
    prover::{AirProvingContext, CommittedTraceData},
    FiatShamirTranscript,
};
use openvm_wgpu_backend::{backend::WgpuBackend, device::SC, field::F, BabyBearPoseidon2WgpuEngine, GpuContext};
use p3_baby_bear::Poseidon2BabyBear;

use self::{
    cpu_filled::{transfer_for, CpuFilledChip},
    kernel::TraceParams,
    lookups::{BitwiseLookupWgpu, Lookups, RangeTupleCheckerWgpu, VariableRangeCheckerWgpu},
    records::{FixedRecordChip, FixedRecords},
};
use crate::builder::{CpuEngine, DeviceChip, WgpuSystem};

/// Which chips make their traces on the GPU.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ChipTraces {
    /// Every chip with a GPU version on the GPU; the rest by upstream's CPU fillers.
    #[default]
    Gpu,
    /// Every chip by upstream's CPU fillers, from the same dense records.
    CpuFillers,
}

/// `Rv32ImConfig` on the wgpu engine with records in upstream's dense arena and the chips'
/// traces made on the GPU where a GPU chip exists.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rv32ImGpuTracegenBuilder {
    pub traces: ChipTraces,
}

/// A chip shared with the GPU chips that count into it.
struct Shared<C>(Arc<C>);

impl<RA, C: Chip<RA, WgpuBackend>> Chip<RA, WgpuBackend> for Shared<C> {
    fn generate_proving_ctx(&self, records: RA) -> AirProvingContext<WgpuBackend> {
        self.0.generate_proving_ctx(records)
    }

    fn constant_trace_height(&self) -> Option<usize> {
        self.0.constant_trace_height()
    }
}

type Inventory = ChipInventory<SC, DenseRecordArena, WgpuBackend>;

/// The GPU chips of fixed-size records, each with the AIR it makes the trace of.
macro_rules! fixed_record_chips {
    ($($air:ty => $chip:expr),* $(,)?) => {
        /// The GPU chip of fixed-size records for `air`, if there is one.
        fn fixed_record_chip(air: &dyn Any) -> Option<&'static FixedRecords> {
            $(if air.is::<$air>() { return Some(&$chip); })*
            None
        }

        const FIXED_RECORD_CHIPS: &[&FixedRecords] = &[$(&$chip),*];
    };
}

fixed_record_chips! {
    Rv32BaseAluAir => base_alu::CHIP,
    Rv32LessThanAir => less_than::CHIP,
    Rv32ShiftAir => shift::CHIP,
    Rv32LoadStoreAir => loadstore::CHIP,
    Rv32LoadSignExtendAir => load_sign_extend::CHIP,
    Rv32BranchEqualAir => branch_eq::CHIP,
    Rv32BranchLessThanAir => branch_lt::CHIP,
    Rv32JalLuiAir => jal_lui::CHIP,
    Rv32JalrAir => jalr::CHIP,
    Rv32AuipcAir => auipc::CHIP,
    Rv32MultiplicationAir => mul::CHIP,
    Rv32MulHAir => mulh::CHIP,
    Rv32DivRemAir => divrem::CHIP,
    PhantomAir => phantom::CHIP,
}

/// Every trace-generation kernel (tests/vm/tracegen_shaders.rs checks each for every device).
pub fn kernels() -> Vec<&'static kernel::TraceKernel> {
    FIXED_RECORD_CHIPS
        .iter()
        .map(|c| &c.kernel)
        .chain([&hintstore::KERNEL, &lookups::KERNEL, &system::program::KERNEL, &system::connector::KERNEL])
        .chain([&system::program::CACHED_KERNEL])
        .chain([&scan::BLOCKS, &scan::ADD])
        .chain(system::poseidon2::KERNELS)
        .chain([&system::merkle::LEAF_HASH, &system::merkle::TREE_LAYER, &system::merkle::MERKLE_UPDATE, &system::merkle::TOP_TREE])
        .chain([&system::boundary::KERNEL])
        .collect()
}

/// Adds the GPU version of the chip of `air`, if there is one (and the lookup tables it counts
/// into exist); false otherwise.
fn gpu_chip(inventory: &mut Inventory, air: &dyn Any, lookups: &Arc<Lookups>, params: TraceParams, ctx: &Arc<GpuContext>) -> bool {
    if air.is::<VariableRangeCheckerAir>() {
        inventory.add_periphery_chip(Shared(lookups.range.clone()));
    } else if let (true, Some(bitwise)) = (air.is::<BitwiseOperationLookupAir<8>>(), &lookups.bitwise) {
        inventory.add_periphery_chip(Shared(bitwise.clone()));
    } else if let (true, Some(tuple)) = (air.is::<RangeTupleCheckerAir<2>>(), &lookups.range_tuple) {
        inventory.add_periphery_chip(Shared(tuple.clone()));
    } else if let (true, Some(_)) = (air.is::<Rv32HintStoreAir>(), &lookups.bitwise) {
        inventory.add_periphery_chip(hintstore::HintStoreChipWgpu { lookups: lookups.clone(), params, ctx: ctx.clone() });
    } else if let Some(chip) = fixed_record_chip(air).filter(|c| c.tables.iter().all(|&t| lookups.counts(t).is_some())) {
        inventory.add_periphery_chip(FixedRecordChip { chip, lookups: lookups.clone(), params, ctx: ctx.clone() });
    } else {
        return false;
    }
    true
}

impl<TS> VmBuilder<BabyBearPoseidon2WgpuEngine<TS>> for Rv32ImGpuTracegenBuilder
where
    TS: FiatShamirTranscript<SC> + From<Poseidon2BabyBear<16>> + 'static,
{
    type VmConfig = Rv32ImConfig;
    type RecordArena = DenseRecordArena;
    type SystemChipInventory = DenseSystem;

    fn create_chip_complex(
        &self,
        config: &Rv32ImConfig,
        circuit: AirInventory<SC>,
        device_ctx: &Arc<GpuContext>,
    ) -> Result<VmChipComplex<SC, DenseRecordArena, WgpuBackend, DenseSystem>, ChipInventoryError> {
        let all_airs: Vec<_> = circuit.clone().into_airs().collect();
        let cpu = VmBuilder::<CpuEngine>::create_chip_complex(&Rv32ImCpuBuilder, config, circuit.clone(), &())?;
        let VmChipComplex { system, inventory: cpu_inventory } = cpu;
        let num_chips = cpu_inventory.chips().len();
        // `into_airs` lists the system AIRs, then the chips' AIRs in reverse insertion order.
        let chip_airs: Vec<_> = all_airs[all_airs.len() - num_chips..].iter().rev().cloned().collect();
        let executor_map = cpu_inventory.executor_idx_to_insertion_idx.clone();
        let timestamp_max_bits = cpu_inventory.timestamp_max_bits() as u32;
        let pointer_max_bits = circuit.pointer_max_bits() as u32;
        let find = |name: &str| ChipInventoryError::AirNotFound { name: name.to_string() };
        let range_cpu = cpu_inventory.find_chip::<Arc<VariableRangeCheckerChip>>().next().ok_or_else(|| find("VariableRangeCheckerAir"))?;
        let lookups = Arc::new(Lookups {
            range: Arc::new(VariableRangeCheckerWgpu::new(range_cpu.clone(), device_ctx.clone())),
            bitwise: cpu_inventory
                .find_chip::<Arc<BitwiseOperationLookupChip<8>>>()
                .next()
                .map(|c| Arc::new(BitwiseLookupWgpu::new(c.clone(), device_ctx.clone()))),
            range_tuple: cpu_inventory
                .find_chip::<Arc<RangeTupleCheckerChip<2>>>()
                .next()
                .map(|c| Arc::new(RangeTupleCheckerWgpu::new(c.clone(), device_ctx.clone()))),
        });
        let params = lookups.params(timestamp_max_bits, pointer_max_bits);
        let cpu_inventory = Rc::new(cpu_inventory);
        let mut inventory = ChipInventory::new(circuit);
        let gpu_system = (self.traces == ChipTraces::Gpu)
            .then(|| system::WgpuSystemChips::new(device_ctx.clone(), lookups.clone(), &config.rv32i.system.memory_config));
        for (index, air) in chip_airs.iter().enumerate() {
            let any = air.as_any();
            if let Some(gpu) = &gpu_system {
                if let Some(sbox_registers) = poseidon2_periphery(any) {
                    let inputs = gpu.memory.poseidon2_inputs.clone();
                    inventory.add_periphery_chip(system::Poseidon2PeripheryWgpu { inputs, sbox_registers, ctx: device_ctx.clone() });
                    continue;
                }
                if gpu_chip(&mut inventory, any, &lookups, params, device_ctx) {
                    continue;
                }
            }
            inventory.add_periphery_chip(CpuFilledChip {
                chip: DeviceChip { cpu: cpu_inventory.clone(), index, ctx: device_ctx.clone() },
                width: openvm_stark_backend::p3_air::BaseAir::<F>::width(air.as_ref()),
                transfer: transfer_for(any),
            });
        }
        // The same chips in the same order: the same executors map to them.
        inventory.executor_idx_to_insertion_idx = executor_map;
        let system = match gpu_system {
            Some(gpu) => DenseSystem::Gpu(gpu),
            None => DenseSystem::Cpu(WgpuSystem::new(system, device_ctx.clone())),
        };
        Ok(VmChipComplex { system, inventory })
    }
}

/// The S-box registers of the Poseidon2 periphery AIR, if `air` is one.
fn poseidon2_periphery(air: &dyn Any) -> Option<usize> {
    if air.is::<Poseidon2PeripheryAir<F, 0>>() {
        Some(0)
    } else if air.is::<Poseidon2PeripheryAir<F, 1>>() {
        Some(1)
    } else {
        None
    }
}

/// The system chips for a dense record arena: on the GPU ([`system::WgpuSystemChips`]), or
/// upstream's CPU chips with their traces transported ([`WgpuSystem`]; they take no record
/// arenas), the reference the GPU chips are tested against.
pub enum DenseSystem {
    Gpu(system::WgpuSystemChips),
    Cpu(WgpuSystem),
}

type HostArena = MatrixRecordArena<F>;

impl SystemChipComplex<DenseRecordArena, WgpuBackend> for DenseSystem {
    fn load_program(&mut self, cached_program_trace: CommittedTraceData<WgpuBackend>) {
        match self {
            DenseSystem::Gpu(s) => s.load_program(cached_program_trace),
            DenseSystem::Cpu(s) => SystemChipComplex::<HostArena, WgpuBackend>::load_program(s, cached_program_trace),
        }
    }

    fn transport_init_memory_to_device(&mut self, memory: &GuestMemory) {
        match self {
            DenseSystem::Gpu(s) => s.transport_init_memory_to_device(memory),
            DenseSystem::Cpu(s) => SystemChipComplex::<HostArena, WgpuBackend>::transport_init_memory_to_device(s, memory),
        }
    }

    fn generate_proving_ctx(
        &mut self,
        system_records: SystemRecords<F>,
        arenas: Vec<DenseRecordArena>,
    ) -> Vec<AirProvingContext<WgpuBackend>> {
        match self {
            DenseSystem::Gpu(s) => s.generate_proving_ctx(system_records, arenas),
            DenseSystem::Cpu(s) => SystemChipComplex::<HostArena, WgpuBackend>::generate_proving_ctx(s, system_records, Vec::new()),
        }
    }

    fn memory_top_tree(&self) -> Option<&[[F; CHUNK]]> {
        match self {
            DenseSystem::Gpu(s) => s.memory_top_tree(),
            DenseSystem::Cpu(s) => SystemChipComplex::<HostArena, WgpuBackend>::memory_top_tree(s),
        }
    }
}

impl SystemWithFixedTraceHeights for DenseSystem {
    fn override_trace_heights(&mut self, heights: &[u32]) {
        match self {
            DenseSystem::Gpu(s) => s.override_trace_heights(heights),
            DenseSystem::Cpu(s) => s.override_trace_heights(heights),
        }
    }
}

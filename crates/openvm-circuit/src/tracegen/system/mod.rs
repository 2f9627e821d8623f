//! The system chips on the GPU: the program's execution frequencies, the connector, the
//! persistent memory boundary and its Merkle tree, and the Poseidon2 periphery the memory
//! chips hash through (upstream's `system::{program, connector, memory, poseidon2}`).
//! [`WgpuSystemChips`] is the system chip complex of `Rv32ImGpuTracegenBuilder`.

pub mod boundary;
pub mod connector;
pub mod memory;
pub mod merkle;
pub mod poseidon2;
pub mod program;

use std::sync::Arc;

use openvm_circuit::{
    arch::{DenseRecordArena, MemoryConfig, BOUNDARY_AIR_ID},
    system::{
        memory::{online::GuestMemory, CHUNK},
        SystemChipComplex, SystemRecords, SystemWithFixedTraceHeights,
    },
};
use openvm_circuit_primitives::Chip;
use openvm_stark_backend::prover::{AirProvingContext, CommittedTraceData};
use openvm_wgpu_backend::{
    backend::{WgpuBackend, WgpuMatrix},
    common::{GpuContext, GpuError},
    field::F,
};

use self::memory::{MemoryWgpu, Poseidon2Inputs};
use super::{kernel::resident, lookups::Lookups, records::empty_trace};

/// Program, connector and memory chips making their traces on the GPU.
pub struct WgpuSystemChips {
    ctx: Arc<GpuContext>,
    lookups: Arc<Lookups>,
    timestamp_max_bits: u32,
    program: Option<CommittedTraceData<WgpuBackend>>,
    pub memory: MemoryWgpu,
}

impl WgpuSystemChips {
    pub fn new(ctx: Arc<GpuContext>, lookups: Arc<Lookups>, memory: &MemoryConfig) -> Self {
        Self {
            memory: MemoryWgpu::new(ctx.clone(), memory.memory_dimensions()),
            timestamp_max_bits: memory.timestamp_max_bits as u32,
            ctx,
            lookups,
            program: None,
        }
    }
}

impl SystemChipComplex<DenseRecordArena, WgpuBackend> for WgpuSystemChips {
    fn load_program(&mut self, cached_program_trace: CommittedTraceData<WgpuBackend>) {
        self.program = Some(cached_program_trace);
    }

    fn transport_init_memory_to_device(&mut self, memory: &GuestMemory) {
        self.memory.set_initial_memory(&memory.memory);
    }

    fn generate_proving_ctx(&mut self, records: SystemRecords<F>, _: Vec<DenseRecordArena>) -> Vec<AirProvingContext<WgpuBackend>> {
        let program = match self.program.clone() {
            Some(cached) => program::program_proving_ctx(&self.ctx, cached, &records.filtered_exec_frequencies),
            None => {
                let e = GpuError::invalid("program_frequencies", "no program was loaded into the VM".to_string());
                AirProvingContext::simple_no_pis(WgpuMatrix::on_device(0, program::WIDTH, Err(Arc::new(e))))
            }
        };
        let connector = connector::connector_proving_ctx(
            &self.ctx,
            &self.lookups,
            self.timestamp_max_bits,
            records.from_state,
            records.to_state,
            records.exit_code,
        );
        let [boundary, merkle] = self.memory.generate_proving_ctxs(&records.touched_memory);
        vec![program, connector, boundary, merkle]
    }

    fn memory_top_tree(&self) -> Option<&[[F; CHUNK]]> {
        let top = self.memory.top_tree();
        (!top.is_empty()).then_some(top)
    }
}

impl SystemWithFixedTraceHeights for WgpuSystemChips {
    fn override_trace_heights(&mut self, heights: &[u32]) {
        // The program's height is its cached trace's and the connector's is 2, as upstream
        // asserts; the memory chips take theirs.
        self.memory.override_heights(heights[BOUNDARY_AIR_ID] as usize, heights[BOUNDARY_AIR_ID + 1] as usize);
    }
}

/// The Poseidon2 periphery chip on the GPU: one row per distinct input the memory chips
/// recorded in the segment.
pub struct Poseidon2PeripheryWgpu {
    pub inputs: Poseidon2Inputs,
    pub sbox_registers: usize,
    pub ctx: Arc<GpuContext>,
}

impl<RA> Chip<RA, WgpuBackend> for Poseidon2PeripheryWgpu {
    fn generate_proving_ctx(&self, _: RA) -> AirProvingContext<WgpuBackend> {
        let width = poseidon2::width(self.sbox_registers);
        match self.inputs.lock().unwrap_or_else(|p| p.into_inner()).take() {
            Some((inputs, count)) if count > 0 => {
                let trace = poseidon2::periphery_trace(&self.ctx, &inputs, count, self.sbox_registers);
                let height = trace.as_ref().map_or(0, |t| t.height);
                AirProvingContext::simple_no_pis(WgpuMatrix::on_device(height, width, resident(trace)))
            }
            _ => empty_trace(&self.ctx, width),
        }
    }
}

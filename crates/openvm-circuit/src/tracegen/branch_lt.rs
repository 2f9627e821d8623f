//! Rv32BranchLessThanAir (BLT, BLTU, BGE, BGEU) on the GPU: shaders/branch_lt.wgsl.

use std::{
    mem::{offset_of, size_of},
    sync::Arc,
};

use openvm_circuit::arch::DenseRecordArena;
use openvm_circuit_primitives::Chip;
use openvm_rv32im_circuit::{
    adapters::{Rv32BranchAdapterCols, Rv32BranchAdapterRecord},
    BranchLessThanCoreCols, BranchLessThanCoreRecord,
};
use openvm_stark_backend::prover::AirProvingContext;
use openvm_wgpu_backend::{backend::WgpuBackend, GpuContext};

use super::{
    branch_eq::adapter_layout,
    kernel::{wgsl, Layout, TraceKernel, TraceParams},
    lookups::{BitwiseLookupWgpu, VariableRangeCheckerWgpu},
    records::{adapter_core_record, fixed_records_trace},
};

type AdapterCols = Rv32BranchAdapterCols<u8>;
type CoreCols = BranchLessThanCoreCols<u8, 4, 8>;
type CoreRecord = BranchLessThanCoreRecord<4, 8>;
const RECORD: (usize, usize) = adapter_core_record::<Rv32BranchAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    adapter_layout(Layout::new())
        .col("CORE_A", core + offset_of!(CoreCols, a))
        .col("CORE_B", core + offset_of!(CoreCols, b))
        .col("CORE_CMP_RESULT", core + offset_of!(CoreCols, cmp_result))
        .col("CORE_IMM", core + offset_of!(CoreCols, imm))
        .col("CORE_BLT_FLAG", core + offset_of!(CoreCols, opcode_blt_flag))
        .col("CORE_BLTU_FLAG", core + offset_of!(CoreCols, opcode_bltu_flag))
        .col("CORE_BGE_FLAG", core + offset_of!(CoreCols, opcode_bge_flag))
        .col("CORE_BGEU_FLAG", core + offset_of!(CoreCols, opcode_bgeu_flag))
        .col("CORE_A_MSB_F", core + offset_of!(CoreCols, a_msb_f))
        .col("CORE_B_MSB_F", core + offset_of!(CoreCols, b_msb_f))
        .col("CORE_CMP_LT", core + offset_of!(CoreCols, cmp_lt))
        .col("CORE_DIFF_MARKER", core + offset_of!(CoreCols, diff_marker))
        .col("CORE_DIFF_VAL", core + offset_of!(CoreCols, diff_val))
        .rec("CORE_A", core_rec + offset_of!(CoreRecord, a))
        .rec("CORE_B", core_rec + offset_of!(CoreRecord, b))
        .rec("CORE_IMM", core_rec + offset_of!(CoreRecord, imm))
        .rec("CORE_OPCODE", core_rec + offset_of!(CoreRecord, local_opcode))
}

pub const KERNEL: TraceKernel = TraceKernel { source: wgsl!("branch_lt"), layout };

pub struct BranchLessThanChipWgpu {
    pub range: Arc<VariableRangeCheckerWgpu>,
    pub bitwise: Arc<BitwiseLookupWgpu>,
    pub timestamp_max_bits: u32,
    pub ctx: Arc<GpuContext>,
}

impl Chip<DenseRecordArena, WgpuBackend> for BranchLessThanChipWgpu {
    fn generate_proving_ctx(&self, records: DenseRecordArena) -> AirProvingContext<WgpuBackend> {
        let params =
            TraceParams { range_max_bits: self.range.range_max_bits(), timestamp_max_bits: self.timestamp_max_bits, ..Default::default() };
        fixed_records_trace(&self.ctx, &KERNEL, &records, RECORD.1, WIDTH, &[&self.range.counts, &self.bitwise.counts], params)
    }
}

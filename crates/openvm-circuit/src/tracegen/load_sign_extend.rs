//! Rv32LoadSignExtendAir (LOADB, LOADH) on the GPU: shaders/load_sign_extend.wgsl.

use std::{
    mem::{offset_of, size_of},
    sync::Arc,
};

use openvm_circuit::arch::DenseRecordArena;
use openvm_circuit_primitives::Chip;
use openvm_rv32im_circuit::{
    adapters::{Rv32LoadStoreAdapterCols, Rv32LoadStoreAdapterRecord},
    LoadSignExtendCoreCols, LoadSignExtendCoreRecord,
};
use openvm_stark_backend::prover::AirProvingContext;
use openvm_wgpu_backend::{backend::WgpuBackend, GpuContext};

use super::{
    kernel::{wgsl, Layout, TraceKernel, TraceParams},
    loadstore::loadstore_adapter_layout,
    lookups::VariableRangeCheckerWgpu,
    records::{adapter_core_record, fixed_records_trace},
};

type AdapterCols = Rv32LoadStoreAdapterCols<u8>;
type CoreCols = LoadSignExtendCoreCols<u8, 4>;
type CoreRecord = LoadSignExtendCoreRecord<4>;
const RECORD: (usize, usize) = adapter_core_record::<Rv32LoadStoreAdapterRecord, CoreRecord>();
pub const WIDTH: usize = size_of::<AdapterCols>() + size_of::<CoreCols>();

fn layout() -> Layout {
    let core = size_of::<AdapterCols>();
    let core_rec = RECORD.0;
    loadstore_adapter_layout(Layout::new())
        .col("CORE_LOADB_FLAG0", core + offset_of!(CoreCols, opcode_loadb_flag0))
        .col("CORE_LOADB_FLAG1", core + offset_of!(CoreCols, opcode_loadb_flag1))
        .col("CORE_LOADH_FLAG", core + offset_of!(CoreCols, opcode_loadh_flag))
        .col("CORE_SHIFT_MOST_SIG_BIT", core + offset_of!(CoreCols, shift_most_sig_bit))
        .col("CORE_DATA_MOST_SIG_BIT", core + offset_of!(CoreCols, data_most_sig_bit))
        .col("CORE_SHIFTED_READ_DATA", core + offset_of!(CoreCols, shifted_read_data))
        .col("CORE_PREV_DATA", core + offset_of!(CoreCols, prev_data))
        .rec("CORE_IS_BYTE", core_rec + offset_of!(CoreRecord, is_byte))
        .rec("CORE_SHIFT_AMOUNT", core_rec + offset_of!(CoreRecord, shift_amount))
        .rec("CORE_READ_DATA", core_rec + offset_of!(CoreRecord, read_data))
        .rec("CORE_PREV_DATA", core_rec + offset_of!(CoreRecord, prev_data))
}

pub const KERNEL: TraceKernel = TraceKernel { source: wgsl!("load_sign_extend"), layout };

pub struct LoadSignExtendChipWgpu {
    pub range: Arc<VariableRangeCheckerWgpu>,
    pub timestamp_max_bits: u32,
    pub pointer_max_bits: u32,
    pub ctx: Arc<GpuContext>,
}

impl Chip<DenseRecordArena, WgpuBackend> for LoadSignExtendChipWgpu {
    fn generate_proving_ctx(&self, records: DenseRecordArena) -> AirProvingContext<WgpuBackend> {
        let params = TraceParams {
            range_max_bits: self.range.range_max_bits(),
            timestamp_max_bits: self.timestamp_max_bits,
            pointer_max_bits: self.pointer_max_bits,
            ..Default::default()
        };
        fixed_records_trace(&self.ctx, &KERNEL, &records, RECORD.1, WIDTH, &[&self.range.counts], params)
    }
}

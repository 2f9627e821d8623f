//! Chips whose traces upstream's CPU fillers make from the dense records: the records are moved
//! into the rows of a matrix arena as upstream's own GPU-against-CPU tests do
//! (`transfer_to_matrix_arena`), the CPU chip of upstream's chip complex fills its trace, and
//! the trace goes to the device. A chip without a GPU version runs this way in a configuration
//! that mixes; with every chip this way, the same records give the reference traces the GPU
//! chips are tested against.

use openvm_circuit::{
    arch::{DenseRecordArena, EmptyAdapterCoreLayout, EmptyMultiRowLayout, MatrixRecordArena, RecordSeeker},
    system::phantom::{PhantomAir, PhantomRecord},
};
use openvm_circuit_primitives::Chip;
use openvm_rv32im_circuit::{adapters::*, *};
use openvm_stark_backend::prover::AirProvingContext;
use openvm_wgpu_backend::{backend::WgpuBackend, field::F};

use crate::builder::DeviceChip;

/// Moves a dense arena's records into the rows of a matrix arena of `width` columns.
pub type Transfer = fn(&mut DenseRecordArena, usize) -> MatrixRecordArena<F>;

/// Records of one (adapter, core) layout, one row each.
macro_rules! adapter_core {
    ($adapter:ty, $core:ty, $executor:ty) => {
        |records: &mut DenseRecordArena, width: usize| -> MatrixRecordArena<F> {
            type Record<'a> = (&'a mut $adapter, &'a mut $core);
            let layout = EmptyAdapterCoreLayout::<F, $executor>::new();
            let size = RecordSeeker::<DenseRecordArena, Record, _>::get_aligned_record_size(&layout);
            let mut matrix = <MatrixRecordArena<F> as openvm_circuit::arch::Arena>::with_capacity(records.allocated().len() / size, width);
            records.get_record_seeker::<Record, _>().transfer_to_matrix_arena(&mut matrix, layout);
            matrix
        }
    };
}

/// Records of a variable number of rows each: the arena gets a row per four record bytes, more
/// than any record needs (every row's record part is at least that long).
macro_rules! multi_row {
    ($record:ty, $layout:ty) => {
        |records: &mut DenseRecordArena, width: usize| -> MatrixRecordArena<F> {
            let rows = records.allocated().len().div_ceil(4);
            let mut matrix = <MatrixRecordArena<F> as openvm_circuit::arch::Arena>::with_capacity(rows, width);
            records.get_record_seeker::<$record, $layout>().transfer_to_matrix_arena(&mut matrix);
            matrix
        }
    };
}

/// How the records of `air`'s chip move into a matrix arena, for the AIRs of `Rv32ImConfig`'s
/// executors; `None` for chips without records (lookup tables, Poseidon2).
pub fn transfer_for(air: &dyn std::any::Any) -> Option<Transfer> {
    macro_rules! pick {
        ($($air:ty => $t:expr),* $(,)?) => {
            $(if air.is::<$air>() { return Some($t); })*
        };
    }
    pick! {
        PhantomAir => multi_row!(&mut PhantomRecord, EmptyMultiRowLayout),
        Rv32BaseAluAir => adapter_core!(Rv32BaseAluAdapterRecord, BaseAluCoreRecord<4>, Rv32BaseAluAdapterExecutor<8>),
        Rv32LessThanAir => adapter_core!(Rv32BaseAluAdapterRecord, LessThanCoreRecord<4, 8>, Rv32BaseAluAdapterExecutor<8>),
        Rv32ShiftAir => adapter_core!(Rv32BaseAluAdapterRecord, ShiftCoreRecord<4, 8>, Rv32BaseAluAdapterExecutor<8>),
        Rv32LoadStoreAir => adapter_core!(Rv32LoadStoreAdapterRecord, LoadStoreCoreRecord<4>, Rv32LoadStoreAdapterExecutor),
        Rv32LoadSignExtendAir => adapter_core!(Rv32LoadStoreAdapterRecord, LoadSignExtendCoreRecord<4>, Rv32LoadStoreAdapterExecutor),
        Rv32BranchEqualAir => adapter_core!(Rv32BranchAdapterRecord, BranchEqualCoreRecord<4>, Rv32BranchAdapterExecutor),
        Rv32BranchLessThanAir => adapter_core!(Rv32BranchAdapterRecord, BranchLessThanCoreRecord<4, 8>, Rv32BranchAdapterExecutor),
        Rv32JalLuiAir => adapter_core!(Rv32RdWriteAdapterRecord, Rv32JalLuiCoreRecord, Rv32CondRdWriteAdapterExecutor),
        Rv32JalrAir => adapter_core!(Rv32JalrAdapterRecord, Rv32JalrCoreRecord, Rv32JalrAdapterExecutor),
        Rv32AuipcAir => adapter_core!(Rv32RdWriteAdapterRecord, Rv32AuipcCoreRecord, Rv32RdWriteAdapterExecutor),
        Rv32MultiplicationAir => adapter_core!(Rv32MultAdapterRecord, MultiplicationCoreRecord<4, 8>, Rv32MultAdapterExecutor),
        Rv32MulHAir => adapter_core!(Rv32MultAdapterRecord, MulHCoreRecord<4, 8>, Rv32MultAdapterExecutor),
        Rv32DivRemAir => adapter_core!(Rv32MultAdapterRecord, DivRemCoreRecord<4>, Rv32MultAdapterExecutor),
        Rv32HintStoreAir => multi_row!(Rv32HintStoreRecordMut, Rv32HintStoreLayout),
    }
    None
}

/// Chip `index` of upstream's CPU chip complex, filled from dense records moved into a matrix
/// arena of `width` columns.
pub struct CpuFilledChip {
    pub(crate) chip: DeviceChip<MatrixRecordArena<F>>,
    pub width: usize,
    /// `None` for chips that take no records.
    pub transfer: Option<Transfer>,
}

impl Chip<DenseRecordArena, WgpuBackend> for CpuFilledChip {
    fn generate_proving_ctx(&self, mut records: DenseRecordArena) -> AirProvingContext<WgpuBackend> {
        let matrix = match self.transfer {
            Some(transfer) => transfer(&mut records, self.width),
            None => <MatrixRecordArena<F> as openvm_circuit::arch::Arena>::with_capacity(0, self.width),
        };
        self.chip.generate_proving_ctx(matrix)
    }

    fn constant_trace_height(&self) -> Option<usize> {
        self.chip.constant_trace_height()
    }
}

//! The persistent memory's chips on the GPU (upstream's memory controller in persistent mode):
//! the initial tree is built when a segment's image is handed over; at the segment's end the
//! boundary and the Merkle finalization make their traces in one submission, and the Poseidon2
//! inputs both record are handed to the Poseidon2 periphery chip.

use std::sync::{Arc, Mutex};

use openvm_circuit::system::{
    memory::{dimensions::MemoryDimensions, online::AddressMap, CHUNK},
    TouchedMemory,
};
use openvm_stark_backend::prover::AirProvingContext;
use openvm_wgpu_backend::{
    backend::{WgpuBackend, WgpuMatrix},
    common::{kernel::require, ColumnMatrix, GpuBuffer, GpuContext, GpuEncoder, GpuError, GpuResult},
    field::{from_words, F},
};

use super::{
    boundary::{self, BoundaryRecords},
    merkle::{self, dispatch, dispatch_trace, upload, InitialTree, MemoryParams, TouchedTree},
};

/// Poseidon2 inputs recorded on the device (16 words each) and how many, for the periphery chip.
pub type Poseidon2Inputs = Arc<Mutex<Option<(GpuBuffer<u32>, usize)>>>;

pub struct MemoryWgpu {
    ctx: Arc<GpuContext>,
    dims: MemoryDimensions,
    /// The initial tree and the encoder its hashing was recorded and submitted in, or why it
    /// could not be built (reported with the segment's traces).
    initial: Option<Result<(InitialTree, GpuEncoder), GpuError>>,
    top_tree: Vec<[F; CHUNK]>,
    /// Fixed heights of the boundary and Merkle traces, when set.
    overridden: Option<[usize; 2]>,
    pub poseidon2_inputs: Poseidon2Inputs,
}

impl MemoryWgpu {
    pub fn new(ctx: Arc<GpuContext>, dims: MemoryDimensions) -> Self {
        Self { ctx, dims, initial: None, top_tree: Vec::new(), overridden: None, poseidon2_inputs: Arc::default() }
    }

    pub fn override_heights(&mut self, boundary: usize, merkle: usize) {
        self.overridden = Some([boundary, merkle]);
    }

    pub fn top_tree(&self) -> &[[F; CHUNK]] {
        &self.top_tree
    }

    /// Uploads the image's non-zero blocks and starts hashing the initial tree, without waiting.
    pub fn set_initial_memory(&mut self, memory: &AddressMap) {
        let op = "memory_tree";
        let mut encoder = self.ctx.encoder(op);
        let built = InitialTree::build(&self.ctx, &mut encoder, memory, self.dims)
            .and_then(|tree| self.ctx.flush(op, &mut encoder).map(|()| (tree, encoder)));
        self.initial = Some(built);
    }

    /// The boundary's and the Merkle tree's proving contexts for the segment's touched memory.
    pub fn generate_proving_ctxs(&mut self, touched: &TouchedMemory<F>) -> [AirProvingContext<WgpuBackend>; 2] {
        let records = BoundaryRecords::new(touched, self.dims.address_height);
        let index_at = match &self.initial {
            Some(Ok((tree, _))) => tree.index.len(),
            _ => 0,
        };
        let update = TouchedTree::new(&records.leaves, self.dims.overall_height(), index_at);
        // Upstream's heights (two boundary rows per touched chunk, two Merkle rows per changed
        // parent), or the overridden ones.
        let natural = [(2 * records.chunks()).next_power_of_two(), update.rows().next_power_of_two()];
        let heights = match self.overridden {
            Some(o) => [0, 1].map(|i| o[i].next_power_of_two().max(natural[i])),
            None => natural,
        };
        let (boundary, merkle, public_values) = match self.finalize(&records, &update, heights) {
            Ok((b, m, pvs)) => (Ok(Arc::new(b)), Ok(Arc::new(m)), pvs),
            Err(e) => {
                let e = Arc::new(e);
                (Err(e.clone()), Err(e), vec![F::default(); 2 * CHUNK])
            }
        };
        [
            AirProvingContext::simple_no_pis(WgpuMatrix::on_device(heights[0], boundary::WIDTH, boundary)),
            AirProvingContext::simple(WgpuMatrix::on_device(heights[1], merkle::WIDTH, merkle), public_values),
        ]
    }

    fn finalize(
        &mut self,
        records: &BoundaryRecords,
        update: &TouchedTree,
        heights: [usize; 2],
    ) -> GpuResult<(ColumnMatrix, ColumnMatrix, Vec<F>)> {
        let op = "memory_finalize";
        let ctx = &self.ctx;
        let Some(initial) = self.initial.take() else {
            return Err(GpuError::invalid(op, "the segment's initial memory was not handed to the device".to_string()));
        };
        let (tree, mut encoder) = initial?;
        let height = self.dims.overall_height();
        let chunks = records.chunks();
        let rows = update.rows();
        let inputs = 2 * chunks + rows;
        require(op, (inputs as u64) * 64 <= ctx.limits.max_binding_bytes(), || {
            format!("{inputs} Poseidon2 inputs of the memory chips exceed one storage binding")
        })?;

        let index = upload(ctx, op, &[tree.index.as_slice(), update.index.as_slice()].concat())?;
        let record_buffer = upload(ctx, op, &records.words)?;
        let touched_nodes = GpuBuffer::<u32>::uninit(ctx, op, (CHUNK * update.digests).max(1))?;
        let p2 = GpuBuffer::<u32>::uninit(ctx, op, (16 * inputs).max(1))?;
        let boundary = ColumnMatrix::zeroed(ctx, op, heights[0], boundary::WIDTH)?;
        let merkle_trace = ColumnMatrix::zeroed(ctx, op, heights[1], merkle::WIDTH)?;
        let params = MemoryParams {
            tree_height: height as u32,
            address_height: self.dims.address_height as u32,
            rows: rows as u32,
            update_at: tree.index.len() as u32,
            ..Default::default()
        };

        let boundary_buffers = [&record_buffer, &index, &tree.image_blocks, &tree.image_words, &p2, &touched_nodes];
        dispatch_trace(ctx, &mut encoder, &boundary::KERNEL, &boundary, &boundary_buffers, params, chunks)?;
        for (h, &parents) in (1..=height).zip(&update.parents) {
            let p = MemoryParams { level: h as u32, p2_at: 2 * chunks as u32, ..params };
            let buffers = [&index, &tree.nodes, &touched_nodes, &p2];
            dispatch_trace(ctx, &mut encoder, &merkle::MERKLE_UPDATE, &merkle_trace, &buffers, p, parents)?;
        }
        let top = (2 << self.dims.addr_space_height) - 1;
        let out = GpuBuffer::<u32>::uninit(ctx, op, CHUNK * (top + 1))?;
        dispatch(ctx, &mut encoder, &merkle::TOP_TREE, &[&index, &tree.nodes, &touched_nodes, &out], params, top + 1)?;
        let digests = from_words(out.submit_and_read(ctx, op, encoder, 0..CHUNK * (top + 1))?)?;
        let digests: Vec<[F; CHUNK]> = digests.chunks_exact(CHUNK).map(|d| d.try_into().expect("whole digests")).collect();
        let initial_root = digests[top];
        self.top_tree = digests[..top].to_vec();
        let public_values = initial_root.into_iter().chain(self.top_tree[0]).collect();
        *self.poseidon2_inputs.lock().unwrap_or_else(|p| p.into_inner()) = Some((p2, inputs));
        Ok((boundary, merkle_trace, public_values))
    }
}

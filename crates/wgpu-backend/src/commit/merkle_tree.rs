//! The Merkle tree over a committed matrix, built and kept on the device (upstream's
//! `prover::stacked_pcs::MerkleTree`, span `merkle_tree`).
//!
//! Leaves hash the matrix rows. The first log2(rows_per_query) layers compress leaves a query
//! stride apart, so one query opens rows {q + t * query_stride}; the layers above pair
//! neighbours. `layers[0]` is the query-leaf layer (upstream's `digest_layers[0]`), the last
//! holds the root; every layer stays on the device for openings.
//!
//! A layer larger than one storage binding is split over buffers of a power-of-two number of
//! digests (`SplitVec`, the most one binding holds): a dispatch then reads and writes aligned
//! runs that lie within one chunk of each layer, and a node's two children share a chunk
//! unless a chunk is smaller than the pair's distance.

use openvm_wgpu_common::{kernel::require, ColumnMatrix, GpuBuffer, GpuContext, GpuEncoder, GpuResult, SplitVec};
use tracing::info_span;

use crate::{
    commit::poseidon2::DIGEST,
    field::{from_words, F},
    kernels::{merkle_compress_layer, merkle_open_paths, merkle_open_rows, merkle_row_hash},
};

pub type Digest = [F; DIGEST];

const OP: &str = "merkle_tree";

/// Per query, the opened rows (each `rows_per_query` rows of the matrix's width), and per query
/// the authentication path.
pub type Openings = (Vec<Vec<Vec<F>>>, Vec<Vec<Digest>>);

pub struct MerkleTree {
    pub matrix: ColumnMatrix,
    pub rows_per_query: usize,
    pub layers: Vec<SplitVec>,
}

fn digests(words: Vec<u32>) -> GpuResult<Vec<Digest>> {
    Ok(from_words(words)?.chunks_exact(DIGEST).map(|c| c.try_into().unwrap_or([F::default(); DIGEST])).collect())
}

impl MerkleTree {
    /// Builds the tree over the rows of `matrix` (height a power of two).
    pub fn new(ctx: &GpuContext, matrix: ColumnMatrix, rows_per_query: usize) -> GpuResult<Self> {
        Self::with_digests_per_chunk(ctx, matrix, rows_per_query, None)
    }

    /// [`MerkleTree::new`] with digest layers split into chunks of at most `digests_per_chunk`
    /// digests (rounded down to a power of two) where given, below what one binding holds, as
    /// tests do to exercise splits on small trees.
    pub fn with_digests_per_chunk(
        ctx: &GpuContext,
        matrix: ColumnMatrix,
        rows_per_query: usize,
        digests_per_chunk: Option<usize>,
    ) -> GpuResult<Self> {
        let _span = info_span!("merkle_tree").entered();
        let mut enc = ctx.encoder(OP);
        // Buffers only this submission uses stay alive until it completes.
        let mut scratch = Vec::new();
        let tree = Self::record_split(ctx, &mut enc, matrix, rows_per_query, digests_per_chunk, &mut scratch)?;
        ctx.submit_and_wait(OP, enc)?;
        drop(scratch);
        Ok(tree)
    }

    /// Builds the tree and reads its root back, in one submission.
    pub fn new_with_root(ctx: &GpuContext, matrix: ColumnMatrix, rows_per_query: usize) -> GpuResult<(Self, Digest)> {
        let _span = info_span!("merkle_tree").entered();
        let mut enc = ctx.encoder(OP);
        let mut scratch = Vec::new();
        let tree = Self::record(ctx, &mut enc, matrix, rows_per_query, &mut scratch)?;
        let root = tree.root_after(ctx, enc)?;
        drop(scratch);
        Ok((tree, root))
    }

    /// Records the tree's construction into `enc`. Buffers the recorded commands use but the
    /// tree does not keep go to `scratch`, which must outlive the submission.
    pub(crate) fn record(
        ctx: &GpuContext,
        enc: &mut GpuEncoder,
        matrix: ColumnMatrix,
        rows_per_query: usize,
        scratch: &mut Vec<GpuBuffer<u32>>,
    ) -> GpuResult<Self> {
        Self::record_split(ctx, enc, matrix, rows_per_query, None, scratch)
    }

    fn record_split(
        ctx: &GpuContext,
        enc: &mut GpuEncoder,
        matrix: ColumnMatrix,
        rows_per_query: usize,
        digests_per_chunk: Option<usize>,
        scratch: &mut Vec<GpuBuffer<u32>>,
    ) -> GpuResult<Self> {
        let height = matrix.height;
        require(OP, height.is_power_of_two(), || format!("matrix height {height} is not a power of two"))?;
        require(OP, rows_per_query.is_power_of_two() && rows_per_query <= height, || {
            format!("rows_per_query {rows_per_query} must be a power of two at most the height {height}")
        })?;
        let per_chunk = SplitVec::max_items_per_chunk(ctx, "merkle leaves", DIGEST, digests_per_chunk)?;
        let layer = |op: &str, len: usize| SplitVec::uninit(ctx, op, len, DIGEST, per_chunk);
        let query_stride = height / rows_per_query;
        let mut current = layer("merkle leaves", height)?;
        merkle_row_hash::record(ctx, enc, &matrix, &current, scratch)?;
        let mut len = height;
        for _ in 0..rows_per_query.trailing_zeros() {
            len /= 2;
            let next = layer("merkle layer", len)?;
            merkle_compress_layer::record(ctx, enc, &current, &next, query_stride)?;
            scratch.extend(std::mem::replace(&mut current, next).chunks);
        }
        let mut layers = vec![current];
        while len > 1 {
            len /= 2;
            let next = layer("merkle layer", len)?;
            merkle_compress_layer::record(ctx, enc, &layers[layers.len() - 1], &next, 1)?;
            layers.push(next);
        }
        Ok(Self { matrix, rows_per_query, layers })
    }

    /// Submits `enc` (which builds this tree) and reads the root, in one submission.
    pub(crate) fn root_after(&self, ctx: &GpuContext, enc: GpuEncoder) -> GpuResult<Digest> {
        let root = self.root_chunk().submit_and_read(ctx, OP, enc, 0..DIGEST)?;
        Ok(digests(root)?[0])
    }

    pub fn query_stride(&self) -> usize {
        self.matrix.height / self.rows_per_query
    }

    pub fn proof_depth(&self) -> usize {
        self.layers.len() - 1
    }

    pub fn root(&self, ctx: &GpuContext) -> GpuResult<Digest> {
        let root = self.root_chunk().read_range(ctx, 0..DIGEST)?;
        Ok(digests(root)?[0])
    }

    /// The buffer holding the root (the top layer is one digest, in one chunk).
    fn root_chunk(&self) -> &GpuBuffer<u32> {
        &self.layers[self.layers.len() - 1].chunks[0]
    }

    fn upload_indices(&self, ctx: &GpuContext, indices: &[usize]) -> GpuResult<GpuBuffer<u32>> {
        let stride = self.query_stride();
        let bad = indices.iter().find(|&&i| i >= stride);
        require("merkle_tree opening", bad.is_none(), || {
            format!("query index {} is not below the query stride {stride}", bad.copied().unwrap_or_default())
        })?;
        let words: Vec<u32> = indices.iter().map(|&i| i as u32).collect();
        GpuBuffer::from_slice(ctx, "merkle query indices", &words)
    }

    /// The rows (as [`MerkleTree::open_rows`]) and authentication paths (as
    /// [`MerkleTree::open_paths`]) of the queries, gathered and read back in one submission.
    pub fn open(&self, ctx: &GpuContext, indices: &[usize]) -> GpuResult<Openings> {
        const OP: &str = "merkle_open";
        let (rpq, width, depth) = (self.rows_per_query, self.matrix.width, self.proof_depth());
        let idx = self.upload_indices(ctx, indices)?;
        let row_words = indices.len() * rpq * width;
        let path_words = indices.len() * depth * DIGEST;
        // Rows first, then the paths copied behind them, so one read-back brings both.
        let out = GpuBuffer::<u32>::uninit(ctx, OP, (row_words + path_words).max(1))?;
        let paths = GpuBuffer::<u32>::uninit(ctx, OP, path_words.max(1))?;
        let mut enc = ctx.encoder(OP);
        merkle_open_rows::record(ctx, &mut enc, &self.matrix, &idx, rpq, self.query_stride(), &out)?;
        if path_words > 0 {
            merkle_open_paths::record(ctx, &mut enc, &self.layers, &idx, &paths)?;
            ctx.scoped(OP, || enc.copy_buffer_to_buffer(&paths.buffer, 0, &out.buffer, 4 * row_words as u64, 4 * path_words as u64))?;
        }
        let words = out.submit_and_read(ctx, OP, enc, 0..row_words + path_words)?;
        let (row_part, path_part) = words.split_at(row_words);
        let values = from_words(row_part.to_vec())?;
        let rows = (0..indices.len())
            .map(|q| (0..rpq).map(|t| values[(q * rpq + t) * width..(q * rpq + t + 1) * width].to_vec()).collect())
            .collect();
        let paths = if depth == 0 {
            vec![Vec::new(); indices.len()]
        } else {
            digests(path_part.to_vec())?.chunks(depth).map(|c| c.to_vec()).collect()
        };
        Ok((rows, paths))
    }

    /// The rows each query opens: `rows_per_query` rows of `matrix.width` values per query, in
    /// the order upstream's `get_opened_rows` returns them.
    pub fn open_rows(&self, ctx: &GpuContext, indices: &[usize]) -> GpuResult<Vec<Vec<Vec<F>>>> {
        const OP: &str = "merkle_open_rows";
        let (rpq, width) = (self.rows_per_query, self.matrix.width);
        let idx = self.upload_indices(ctx, indices)?;
        let out = GpuBuffer::<u32>::uninit(ctx, OP, indices.len() * rpq * width)?;
        let mut enc = ctx.encoder(OP);
        merkle_open_rows::record(ctx, &mut enc, &self.matrix, &idx, rpq, self.query_stride(), &out)?;
        ctx.submit_and_wait(OP, enc)?;
        let values = from_words(out.read(ctx)?)?;
        Ok((0..indices.len())
            .map(|q| (0..rpq).map(|t| values[(q * rpq + t) * width..(q * rpq + t + 1) * width].to_vec()).collect())
            .collect())
    }

    /// The authentication path of each query (siblings from the query-leaf layer up), as
    /// upstream's `query_merkle_proof` returns it.
    pub fn open_paths(&self, ctx: &GpuContext, indices: &[usize]) -> GpuResult<Vec<Vec<Digest>>> {
        const OP: &str = "merkle_open_paths";
        let depth = self.proof_depth();
        let idx = self.upload_indices(ctx, indices)?;
        if depth == 0 {
            return Ok(vec![Vec::new(); indices.len()]);
        }
        let out = GpuBuffer::<u32>::uninit(ctx, OP, indices.len() * depth * DIGEST)?;
        let mut enc = ctx.encoder(OP);
        merkle_open_paths::record(ctx, &mut enc, &self.layers, &idx, &out)?;
        ctx.submit_and_wait(OP, enc)?;
        let all = digests(out.read(ctx)?)?;
        Ok(all.chunks(depth).map(|c| c.to_vec()).collect())
    }
}

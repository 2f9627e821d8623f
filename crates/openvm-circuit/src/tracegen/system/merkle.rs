//! The memory Merkle tree on the GPU (upstream's `system::memory::merkle`): the tree of a
//! segment's initial memory, built when the image is handed over (`transport_init_memory_to_device`)
//! so the GPU hashes while the CPU executes, and its finalization from the touched chunks, which
//! makes `MemoryMerkleAir`'s trace, the final tree's top and the two roots.
//!
//! Upstream keeps every node of the non-zero prefix of each address space in a hash map. Here the
//! initial tree keeps the blocks of [`BLOCK_LEAVES`] leaves that hold a non-zero cell: their
//! levels up to [`BLOCK_LEVELS`] densely, the sparse levels above by sorted id lists, and every
//! node not kept is its level's zero digest (the same values). Buffer layouts are described in
//! shaders/shared/memory_tree.wgsl. Which nodes the touched chunks change is integer work on the
//! host (the touched list is host data); every digest and every trace row is made on the GPU.

use std::sync::Arc;

use openvm_circuit::{
    arch::{
        hasher::{poseidon2::vm_poseidon2_hasher, Hasher},
        MemoryCellType, ADDR_SPACE_OFFSET,
    },
    system::memory::{
        dimensions::MemoryDimensions,
        merkle::MemoryMerkleCols,
        online::{AddressMap, LinearMemory},
        CHUNK,
    },
};
use openvm_stark_backend::p3_maybe_rayon::prelude::*;
use openvm_wgpu_backend::{
    common::{
        kernel::{record_dispatch, require},
        limits::{elementwise, split_grid},
        ColumnMatrix, GpuBuffer, GpuContext, GpuEncoder, GpuResult,
    },
    field::{word, F},
};

use crate::tracegen::kernel::{wgsl, Layout, TraceKernel};

/// Levels stored densely per block of the initial image.
pub const BLOCK_LEVELS: usize = 7;
/// Leaves per block: a block of u8 cells is 1 KiB of memory.
pub const BLOCK_LEAVES: usize = 1 << BLOCK_LEVELS;
/// Marks a child that is not touched, and the leaf upstream touches when nothing was.
const NONE: u32 = u32::MAX;
const OLD: u32 = u32::MAX - 1;
const DIGEST: usize = CHUNK;

/// The parameters of every memory kernel (`MemoryParams` in shaders/shared/memory_tree.wgsl).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct MemoryParams {
    pub invocations: u32,
    pub level: u32,
    pub height: u32,
    pub first_column: u32,
    pub columns: u32,
    pub tree_height: u32,
    pub address_height: u32,
    pub rows: u32,
    pub p2_at: u32,
    pub update_at: u32,
    pub workgroup_base: u32,
    pub _pad: u32,
}

/// The constants every memory kernel is compiled with.
pub(crate) fn tree_layout() -> Layout {
    Layout::new().constant("BLOCK_LEVELS", BLOCK_LEVELS).constant("BLOCK_LEAVES", BLOCK_LEAVES)
}

type Cols = MemoryMerkleCols<u8, CHUNK>;

fn update_layout() -> Layout {
    tree_layout()
        .col("EXPAND_DIRECTION", std::mem::offset_of!(Cols, expand_direction))
        .col("HEIGHT_SECTION", std::mem::offset_of!(Cols, height_section))
        .col("PARENT_HEIGHT", std::mem::offset_of!(Cols, parent_height))
        .col("PARENT_HEIGHT_INV", std::mem::offset_of!(Cols, parent_height_inv))
        .col("IS_ROOT", std::mem::offset_of!(Cols, is_root))
        .col("PARENT_AS_LABEL", std::mem::offset_of!(Cols, parent_as_label))
        .col("PARENT_ADDRESS_LABEL", std::mem::offset_of!(Cols, parent_address_label))
        .col("PARENT_HASH", std::mem::offset_of!(Cols, parent_hash))
        .col("LEFT_CHILD_HASH", std::mem::offset_of!(Cols, left_child_hash))
        .col("RIGHT_CHILD_HASH", std::mem::offset_of!(Cols, right_child_hash))
        .col("LEFT_DIRECTION_DIFFERENT", std::mem::offset_of!(Cols, left_direction_different))
        .col("RIGHT_DIRECTION_DIFFERENT", std::mem::offset_of!(Cols, right_direction_different))
}

pub const LEAF_HASH: TraceKernel = TraceKernel { source: wgsl!("memory_leaf_hash"), layout: tree_layout };
pub const TREE_LAYER: TraceKernel = TraceKernel { source: wgsl!("memory_tree_layer"), layout: tree_layout };
pub const MERKLE_UPDATE: TraceKernel = TraceKernel { source: wgsl!("memory_merkle_update"), layout: update_layout };
pub const TOP_TREE: TraceKernel = TraceKernel { source: wgsl!("memory_top_tree"), layout: tree_layout };

/// Width of `MemoryMerkleAir`'s trace.
pub const WIDTH: usize = std::mem::size_of::<Cols>();

/// Records one memory kernel over `invocations` invocations: `buffers` bound in order, then the
/// parameters; the grid is split as the device's limits require.
pub(crate) fn dispatch(
    ctx: &GpuContext,
    encoder: &mut GpuEncoder,
    kernel: &TraceKernel,
    buffers: &[&GpuBuffer<u32>],
    params: MemoryParams,
    invocations: usize,
) -> GpuResult<()> {
    let op = kernel.name();
    if invocations == 0 {
        return Ok(());
    }
    let allowed = ctx.limits.max_storage_buffers_per_shader_stage as usize;
    require(op, buffers.len() <= allowed, || format!("binds {} storage buffers, the device allows {allowed}", buffers.len()))?;
    let pipeline = kernel.pipeline(ctx)?;
    let wg = elementwise(&ctx.limits).workgroup_size[0] as u64;
    let parts = split_grid(op, (invocations as u64).div_ceil(wg), ctx.limits.max_workgroups_per_dimension)?;
    ctx.scoped(op, || {
        for part in &parts {
            let p = MemoryParams { invocations: invocations as u32, workgroup_base: part.base, ..params };
            let uniform = ctx.params(encoder, bytemuck::cast_slice(std::slice::from_ref(&p)));
            let mut bindings: Vec<_> = buffers.iter().map(|b| b.buffer.as_entire_binding()).collect();
            bindings.push(uniform.binding());
            record_dispatch(ctx, encoder, op, &pipeline, &bindings, part.grid);
        }
    })
}

/// [`dispatch`] once per column chunk of `trace` (bound second, after `buffers[0]`).
pub(crate) fn dispatch_trace(
    ctx: &GpuContext,
    encoder: &mut GpuEncoder,
    kernel: &TraceKernel,
    trace: &ColumnMatrix,
    buffers: &[&GpuBuffer<u32>],
    params: MemoryParams,
    invocations: usize,
) -> GpuResult<()> {
    for (c, chunk) in trace.chunks.iter().enumerate() {
        let mut bound = vec![buffers[0], chunk];
        bound.extend(&buffers[1..]);
        let p = MemoryParams {
            height: trace.height as u32,
            first_column: (c * trace.columns_per_chunk) as u32,
            columns: trace.chunk_columns(c) as u32,
            ..params
        };
        dispatch(ctx, encoder, kernel, &bound, p, invocations)?;
    }
    Ok(())
}

/// A buffer of `words` (at least one word: a binding is never empty).
pub(crate) fn upload(ctx: &GpuContext, op: &str, words: &[u32]) -> GpuResult<GpuBuffer<u32>> {
    if words.is_empty() {
        return GpuBuffer::zeroed(ctx, op, 1);
    }
    GpuBuffer::from_slice(ctx, op, words)
}

/// The zero digest of each level 0 ..= height: the digest of a zero leaf, then each level's
/// compression of two of the level below.
fn zero_digests(height: usize) -> Vec<[F; DIGEST]> {
    let hasher = vm_poseidon2_hasher::<F>();
    let mut out = vec![hasher.hash(&[F::default(); DIGEST])];
    for _ in 0..height {
        let z = *out.last().expect("one digest at least");
        out.push(hasher.compress(&z, &z));
    }
    out
}

/// The kind of a cell as shaders/shared/memory_image.wgsl reads it, and its bytes.
fn cell_kind(layout: MemoryCellType) -> Option<(u32, usize)> {
    match layout {
        MemoryCellType::Null => None,
        MemoryCellType::U8 => Some((1, 1)),
        MemoryCellType::U16 => Some((2, 2)),
        MemoryCellType::U32 => Some((4, 4)),
        MemoryCellType::F { .. } => Some((0, 4)),
    }
}

/// The initial memory on the device: its kept blocks and its tree.
pub struct InitialTree {
    pub dims: MemoryDimensions,
    /// The index (levels, ids) as uploaded; finalization appends the touched tree's.
    pub index: Vec<u32>,
    pub index_buffer: GpuBuffer<u32>,
    pub nodes: GpuBuffer<u32>,
    pub image_blocks: GpuBuffer<u32>,
    pub image_words: GpuBuffer<u32>,
}

impl InitialTree {
    /// Uploads the blocks of `memory` holding a non-zero cell and records the tree's hashing
    /// into `encoder`.
    pub fn build(ctx: &Arc<GpuContext>, encoder: &mut GpuEncoder, memory: &AddressMap, dims: MemoryDimensions) -> GpuResult<Self> {
        let op = "memory_tree";
        let height = dims.overall_height();
        require(op, height < 32 && dims.address_height >= BLOCK_LEVELS, || {
            format!("a memory tree of height {height} with {} address bits per space", dims.address_height)
        })?;
        let block_bits = dims.address_height - BLOCK_LEVELS;
        // Kept blocks in id order: (global block id, kind, bytes, words of a whole block).
        let mut blocks: Vec<(u32, u32, &[u8], usize)> = Vec::new();
        for (space, mem) in memory.mem.iter().enumerate().skip(ADDR_SPACE_OFFSET as usize) {
            let Some((kind, cell_bytes)) = cell_kind(memory.config[space].layout) else { continue };
            if (space as u64 - ADDR_SPACE_OFFSET as u64) >> dims.addr_space_height != 0 {
                continue;
            }
            let block_bytes = BLOCK_LEAVES * CHUNK * cell_bytes;
            let bytes = mem.as_slice();
            let bytes = &bytes[..bytes.len().min(block_bytes << block_bits)];
            let base = ((space as u32 - ADDR_SPACE_OFFSET) << block_bits) as usize;
            let kept: Vec<(u32, u32, &[u8], usize)> = bytes
                .par_chunks(block_bytes)
                .enumerate()
                .filter(|(_, b)| b.iter().any(|&x| x != 0))
                .map(|(i, b)| ((base + i) as u32, kind, b, block_bytes / 4))
                .collect();
            blocks.extend(kept);
        }
        // Words per block: whole blocks. The last block of an address space of fewer cells is
        // padded with zeros: the kernels read every leaf of a kept block, and the leaves past the
        // address space's end are zero leaves (upstream's tree does not hold them).
        let block_words: Vec<usize> = blocks.iter().map(|&(_, _, _, words)| words).collect();
        let mut image_blocks = Vec::with_capacity(2 * blocks.len());
        let mut at = 0usize;
        for ((_, kind, _, _), words) in blocks.iter().zip(&block_words) {
            image_blocks.extend([at as u32, *kind]);
            at += words;
        }
        let mut image_words = vec![0u32; at];
        let mut rest: &mut [u32] = &mut image_words;
        let mut pieces = Vec::with_capacity(blocks.len());
        for words in &block_words {
            let (piece, tail) = rest.split_at_mut(*words);
            pieces.push(piece);
            rest = tail;
        }
        pieces.into_par_iter().zip(blocks.par_iter()).for_each(|(dst, (_, _, src, _))| {
            for (w, c) in dst.iter_mut().zip(src.chunks(4)) {
                let mut b = [0u8; 4];
                b[..c.len()].copy_from_slice(c);
                *w = u32::from_le_bytes(b);
            }
        });

        // The index: a level table, then the block ids (levels up to BLOCK_LEVELS) and the id
        // list of each level above.
        let table = 4 * (height + 1);
        let mut index = vec![0u32; table];
        let block_ids: Vec<u32> = blocks.iter().map(|(id, _, _, _)| *id).collect();
        let mut level_ids = vec![block_ids];
        for _ in BLOCK_LEVELS..height {
            let below = level_ids.last().expect("the block level");
            let mut ids: Vec<u32> = below.iter().map(|id| id >> 1).collect();
            ids.dedup();
            level_ids.push(ids);
        }
        let mut ids_at = Vec::with_capacity(level_ids.len());
        for ids in &level_ids {
            ids_at.push(index.len());
            index.extend(ids);
        }
        let mut nodes_at = height + 1;
        for h in 0..=height {
            let (count, ids) = if h <= BLOCK_LEVELS {
                (level_ids[0].len() * (BLOCK_LEAVES >> h), 0)
            } else {
                (level_ids[h - BLOCK_LEVELS].len(), h - BLOCK_LEVELS)
            };
            index[4 * h..4 * h + 4].copy_from_slice(&[nodes_at as u32, count as u32, ids_at[ids] as u32, level_ids[ids].len() as u32]);
            nodes_at += count;
        }
        let mut nodes = vec![0u32; DIGEST * nodes_at];
        for (h, z) in zero_digests(height).iter().enumerate() {
            for (k, x) in z.iter().enumerate() {
                nodes[DIGEST * h + k] = word(*x);
            }
        }
        require(op, (nodes.len() as u64) * 4 <= ctx.limits.max_binding_bytes(), || {
            format!(
                "the initial memory tree of {} non-zero blocks needs {} MiB, more than one storage binding ({} MiB)",
                blocks.len(),
                (nodes.len() * 4) >> 20,
                ctx.limits.max_binding_bytes() >> 20
            )
        })?;

        let tree = Self {
            dims,
            index_buffer: upload(ctx, op, &index)?,
            index,
            nodes: upload(ctx, op, &nodes)?,
            image_blocks: upload(ctx, op, &image_blocks)?,
            image_words: upload(ctx, op, &image_words)?,
        };
        let params = MemoryParams { tree_height: height as u32, address_height: dims.address_height as u32, ..Default::default() };
        let leaves = tree.index[1] as usize;
        dispatch(ctx, encoder, &LEAF_HASH, &[&tree.image_blocks, &tree.image_words, &tree.index_buffer, &tree.nodes], params, leaves)?;
        for h in 1..=height {
            let count = tree.index[4 * h + 1] as usize;
            dispatch(ctx, encoder, &TREE_LAYER, &[&tree.index_buffer, &tree.nodes], MemoryParams { level: h as u32, ..params }, count)?;
        }
        Ok(tree)
    }
}

/// The nodes the touched chunks change, level by level: level 0 the touched leaves, each level
/// above their parents with the positions of their children in the level below.
pub struct TouchedTree {
    /// The touched tree's index, to append to the initial tree's (layout in memory_tree.wgsl;
    /// id positions relative to `at`).
    pub index: Vec<u32>,
    /// Parents per level 1 ..= height.
    pub parents: Vec<usize>,
    /// Digests the finalization writes: the touched leaves, then every level's parents.
    pub digests: usize,
}

impl TouchedTree {
    /// `leaves`: the touched leaf ids in increasing order, or none (then upstream touches leaf 0
    /// with its initial value). `at`: where the index will start in the combined buffer.
    pub fn new(leaves: &[u32], height: usize, at: usize) -> Self {
        let artificial = leaves.is_empty();
        let mut level: Vec<u32> = if artificial { vec![0] } else { leaves.to_vec() };
        let table = 4 * (height + 1);
        let mut index = vec![0u32; table];
        index[0] = (at + table) as u32;
        index[1] = level.len() as u32;
        index.extend(&level);
        let mut parents = Vec::with_capacity(height);
        let mut parent_base = 0usize;
        let mut digests = leaves.len();
        for h in 1..=height {
            let mut ids: Vec<u32> = Vec::with_capacity(level.len());
            let mut children: Vec<[u32; 2]> = Vec::with_capacity(level.len());
            for (i, &id) in level.iter().enumerate() {
                if ids.last() != Some(&(id >> 1)) {
                    ids.push(id >> 1);
                    children.push([NONE, NONE]);
                }
                let position = if artificial && h == 1 { OLD } else { i as u32 };
                children.last_mut().expect("pushed above")[(id & 1) as usize] = position;
            }
            let entry = [(at + index.len()) as u32, ids.len() as u32, parent_base as u32, digests as u32];
            index[4 * h..4 * h + 4].copy_from_slice(&entry);
            index.extend(&ids);
            index.extend(children.iter().flatten());
            parent_base += ids.len();
            digests += ids.len();
            parents.push(ids.len());
            level = ids;
        }
        Self { index, parents, digests }
    }

    /// Rows of `MemoryMerkleAir`'s trace: two per parent.
    pub fn rows(&self) -> usize {
        2 * self.parents.iter().sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touched_tree_rows_match_upstreams_count() {
        // Upstream: 2 * (height + sum over neighbours of ilog2(x ^ y)).
        let height = 12;
        let leaves = [3u32, 4, 5, 100, 101, 2047, 4000];
        let t = TouchedTree::new(&leaves, height, 0);
        let expected = 2 * (height + leaves.windows(2).map(|w| (w[0] ^ w[1]).ilog2() as usize).sum::<usize>());
        assert_eq!(t.rows(), expected);
        assert_eq!(*t.parents.last().unwrap(), 1, "one root");
        let empty = TouchedTree::new(&[], height, 0);
        assert_eq!(empty.rows(), 2 * height);
    }
}

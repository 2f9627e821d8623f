//! The persistent memory boundary on the GPU (upstream's `PersistentBoundaryChip`): the touched
//! blocks of a segment, grouped into chunks on the host as upstream groups them, become one
//! record per chunk; shaders/memory_boundary.wgsl reads each chunk's initial cells from the
//! initial image on the device and writes both rows, the two Poseidon2 inputs and the chunk's
//! final digest (the touched tree's leaf).

use std::mem::offset_of;

use openvm_circuit::{
    arch::{ADDR_SPACE_OFFSET, DEFAULT_BLOCK_SIZE},
    system::{
        memory::{persistent::PersistentBoundaryCols, CHUNK, INITIAL_TIMESTAMP},
        TouchedMemory,
    },
};
use openvm_wgpu_backend::field::{word, F};

use super::merkle::tree_layout;
use crate::tracegen::kernel::{wgsl, Layout, TraceKernel};

const BLOCKS_PER_CHUNK: usize = CHUNK / DEFAULT_BLOCK_SIZE;
/// Words of a chunk's record: address space, label, touched-block mask, a timestamp per block,
/// the final cells.
pub const RECORD_WORDS: usize = 3 + BLOCKS_PER_CHUNK + CHUNK;

type Cols = PersistentBoundaryCols<u8, CHUNK>;
pub const WIDTH: usize = std::mem::size_of::<Cols>();

fn layout() -> Layout {
    tree_layout()
        .constant("RECORD_WORDS", RECORD_WORDS)
        .constant("BLOCKS_PER_CHUNK", BLOCKS_PER_CHUNK)
        .constant("BLOCK_SIZE", DEFAULT_BLOCK_SIZE)
        .constant("ADDR_SPACE_OFFSET", ADDR_SPACE_OFFSET as usize)
        .constant("INITIAL_TIMESTAMP", INITIAL_TIMESTAMP as usize)
        .col("EXPAND_DIRECTION", offset_of!(Cols, expand_direction))
        .col("ADDRESS_SPACE", offset_of!(Cols, address_space))
        .col("LEAF_LABEL", offset_of!(Cols, leaf_label))
        .col("VALUES", offset_of!(Cols, values))
        .col("HASH", offset_of!(Cols, hash))
        .col("TIMESTAMPS", offset_of!(Cols, timestamps))
}

pub const KERNEL: TraceKernel = TraceKernel { source: wgsl!("memory_boundary"), layout };

/// The touched chunks of a segment: one record each, and their leaf ids in the memory tree, in
/// (address space, label) order, which is the leaf order.
pub struct BoundaryRecords {
    pub words: Vec<u32>,
    pub leaves: Vec<u32>,
}

impl BoundaryRecords {
    /// Groups upstream's touched blocks (sorted by address) into chunks. `address_height`: bits
    /// of a chunk label, which place an address space's leaves in the tree.
    pub fn new(touched: &TouchedMemory<F>, address_height: usize) -> Self {
        let mut words = Vec::with_capacity(touched.len() * RECORD_WORDS);
        let mut leaves: Vec<u32> = Vec::with_capacity(touched.len());
        let mut sorted;
        let touched = if touched.is_sorted_by_key(|(address, _)| *address) {
            touched
        } else {
            sorted = touched.clone();
            sorted.sort_by_key(|(address, _)| *address);
            &sorted
        };
        let mut last: Option<(u32, u32)> = None;
        for &((space, ptr), ref block) in touched {
            let key = (space, ptr / CHUNK as u32);
            if last != Some(key) {
                last = Some(key);
                leaves.push(((space - ADDR_SPACE_OFFSET) << address_height) + key.1);
                words.extend([space, key.1]);
                words.extend([0u32; RECORD_WORDS - 2]);
            }
            let record = words.len() - RECORD_WORDS;
            let b = (ptr as usize % CHUNK) / DEFAULT_BLOCK_SIZE;
            words[record + 2] |= 1 << b;
            words[record + 3 + b] = block.timestamp;
            for (k, v) in block.values.iter().enumerate() {
                words[record + 3 + BLOCKS_PER_CHUNK + b * DEFAULT_BLOCK_SIZE + k] = word(*v);
            }
        }
        Self { words, leaves }
    }

    pub fn chunks(&self) -> usize {
        self.leaves.len()
    }
}

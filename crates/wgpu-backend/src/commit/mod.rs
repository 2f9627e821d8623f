//! The trace commitment (upstream's `TraceCommitter`): traces stacked into one matrix
//! ([`stacked_pcs`]), Reed-Solomon encoded, and committed in a Poseidon2 Merkle tree
//! ([`merkle_tree`], [`poseidon2`]).

pub mod merkle_tree;
pub mod poseidon2;
pub mod stacked_pcs;

//! The system chips' GPU traces against upstream's CPU chips, in one module: the program
//! and connector chips, the Poseidon2 periphery, and the persistent memory's boundary and
//! Merkle tree on crafted touched memory.

mod memory;
mod poseidon2_periphery;
mod program_connector;

//! OpenVM circuits proved with the wgpu engine: `VmBuilder` implementations for
//! openvm-circuit's RV32IM configuration (see docs/ARCHITECTURE.md).

pub mod asm;
pub mod builder;

pub mod prove;

pub use builder::{WgpuBuilder, WgpuSystem};
pub use prove::{prove_rv32im, ProgramProof, ProveProgramError, Rv32ImWgpuBuilder, SegmentReport};

//! OpenVM circuits proved with the wgpu engine: `VmBuilder` implementations for
//! openvm-circuit's RV32IM configuration (see docs/ARCHITECTURE.md).

pub mod asm;

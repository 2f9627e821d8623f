//! The VM's tests (trace generation, system chips, proving, SDK configurations, the assembler),
//! one module per file, in one test binary: the VM's generic code is compiled and linked once
//! for all of them.

mod common;

mod aggregation;
mod asm;
mod input;
mod prove;
mod sdk_config;
mod system_chips;
mod tracegen;
mod tracegen_shaders;

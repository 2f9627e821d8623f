//! RISC-V ELF files to OpenVM executables (with the RV32IM transpiler, or any configuration's),
//! and program input.

pub use openvm_circuit::arch::instructions::exe::VmExe;
use openvm_circuit::arch::Streams;
use openvm_rv32im_transpiler::{Rv32ITranspilerExtension, Rv32IoTranspilerExtension, Rv32MTranspilerExtension};
use openvm_transpiler::{elf::Elf, openvm_platform::memory::MEM_SIZE, transpiler::Transpiler, FromElf};
use openvm_wgpu_backend::field::F;
use p3_field::PrimeCharacteristicRing;

/// Why an ELF file does not give an executable.
#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    #[error("not a RISC-V ELF executable OpenVM can load: {0}")]
    Decode(String),
    #[error("the program uses an instruction the VM configuration does not support: {0}")]
    Transpile(#[from] openvm_transpiler::transpiler::TranspilerError),
}

/// The transpiler for RV32IM guests: the RV32I, M and IO extensions, those the OpenVM SDK adds
/// for a configuration with `rv32i`, `rv32m` and `io`.
pub fn rv32im_transpiler() -> Transpiler<F> {
    Transpiler::<F>::default()
        .with_extension(Rv32ITranspilerExtension)
        .with_extension(Rv32MTranspilerExtension)
        .with_extension(Rv32IoTranspilerExtension)
}

/// Decodes an RV32IM guest ELF and transpiles it ([`exe_from_elf`] with [`rv32im_transpiler`]).
pub fn rv32im_exe(elf: &[u8]) -> Result<VmExe<F>, ElfError> {
    exe_from_elf(elf, rv32im_transpiler())
}

/// Decodes a guest ELF (with OpenVM's guest memory size) and transpiles it with `transpiler`
/// (upstream's `Elf::decode` and `VmExe::from_elf`, as `cargo openvm` does with its
/// configuration's transpiler).
pub fn exe_from_elf(elf: &[u8], transpiler: Transpiler<F>) -> Result<VmExe<F>, ElfError> {
    let elf = Elf::decode(elf, MEM_SIZE as u32).map_err(|e| ElfError::Decode(e.to_string()))?;
    Ok(VmExe::from_elf(elf, transpiler)?)
}

/// The program's input stream: each item (as `openvm::io::read` consumes them, and as the SDK's
/// `StdIn::write_bytes` makes them) a byte string, one field element per byte; a `u64` written
/// with `StdIn::write` arrives as its little-endian bytes.
pub fn input_stream<B: AsRef<[u8]>>(items: &[B]) -> Streams<F> {
    let items: Vec<Vec<F>> = items.iter().map(|bytes| bytes.as_ref().iter().map(|&b| F::from_u8(b)).collect()).collect();
    Streams::from(items)
}

//! RISC-V ELF files to OpenVM executables for the RV32IM configuration, and program input.

use openvm_circuit::arch::{instructions::exe::VmExe, Streams};
use openvm_rv32im_transpiler::{Rv32ITranspilerExtension, Rv32IoTranspilerExtension, Rv32MTranspilerExtension};
use openvm_transpiler::{elf::Elf, openvm_platform::memory::MEM_SIZE, transpiler::Transpiler, FromElf};
use openvm_wgpu_backend::field::F;
use p3_field::PrimeCharacteristicRing;

/// Why an ELF file does not give an RV32IM executable.
#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    #[error("not a RISC-V ELF executable OpenVM can load: {0}")]
    Decode(String),
    #[error("the program uses an instruction the RV32IM configuration does not support: {0}")]
    Transpile(#[from] openvm_transpiler::transpiler::TranspilerError),
}

/// Decodes an RV32IM guest ELF and transpiles it with the RV32I, M and IO extensions (upstream's
/// `Elf::decode` and `VmExe::from_elf`).
pub fn rv32im_exe(elf: &[u8]) -> Result<VmExe<F>, ElfError> {
    let elf = Elf::decode(elf, MEM_SIZE as u32).map_err(|e| ElfError::Decode(e.to_string()))?;
    let transpiler = Transpiler::<F>::default()
        .with_extension(Rv32ITranspilerExtension)
        .with_extension(Rv32MTranspilerExtension)
        .with_extension(Rv32IoTranspilerExtension);
    Ok(VmExe::from_elf(elf, transpiler)?)
}

/// The program's input stream: each item (as `openvm::io::read` consumes them) a byte string,
/// one field element per byte.
pub fn input_stream(items: &[Vec<u8>]) -> Streams<F> {
    let items: Vec<Vec<F>> = items.iter().map(|bytes| bytes.iter().map(|&b| F::from_u8(b)).collect()).collect();
    Streams::from(items)
}

//! A small RV32IM assembler that writes OpenVM guest programs as ELF executables.
//!
//! No Rust RISC-V target is installed where this workspace is built, so the guests that the
//! prover's tests and benchmarks run cannot be compiled from Rust; they are assembled here.
//! [`Assembler`] has one method per RV32IM instruction, a few pseudo-instructions, the
//! OpenVM-specific instructions a guest needs (terminate, reveal, input hints), labels that may
//! be used before they are defined, and a data segment. [`Assembler::finish`] resolves the labels
//! into a [`Program`], and [`Program::to_elf`] writes the executable that
//! `openvm_transpiler::elf::Elf::decode` reads.
//!
//! The guests at the end ([`fibonacci`], [`mixed`], [`long_running`], [`sum_input`]) each come with
//! a host model computing the `u32` words the guest reveals as public values.

use std::collections::{BTreeMap, HashMap};

use openvm_instructions::program::MAX_ALLOWED_PC;
use openvm_transpiler::openvm_platform::memory::{MEM_SIZE, TEXT_START};

/// Where the text segment starts: the address the OpenVM guest linker script uses, so that
/// assembled guests have the same memory layout (and program-trace offset) as compiled ones.
pub const TEXT_BASE: u32 = TEXT_START;

/// The `max_mem` to pass to `Elf::decode`: OpenVM's guest memory size (`openvm_platform::memory::MEM_SIZE`).
pub const ELF_MAX_MEM: u32 = MEM_SIZE as u32;

/// Bytes of public values the built-in guests write (4 words); configure at least this many.
pub const GUEST_PUBLIC_VALUE_BYTES: usize = 16;

// ---------------------------------------------------------------------------------------------
// Registers
// ---------------------------------------------------------------------------------------------

/// An integer register, `x0` to `x31`; the ABI names are associated constants (`Reg::A0`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
#[rustfmt::skip]
pub enum Reg {
    X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11, X12, X13, X14, X15,
    X16, X17, X18, X19, X20, X21, X22, X23, X24, X25, X26, X27, X28, X29, X30, X31,
}

#[rustfmt::skip]
impl Reg {
    pub const ZERO: Reg = Reg::X0;
    pub const RA: Reg = Reg::X1;
    pub const SP: Reg = Reg::X2;
    pub const GP: Reg = Reg::X3;
    pub const TP: Reg = Reg::X4;
    pub const T0: Reg = Reg::X5;
    pub const T1: Reg = Reg::X6;
    pub const T2: Reg = Reg::X7;
    pub const S0: Reg = Reg::X8;
    pub const FP: Reg = Reg::X8;
    pub const S1: Reg = Reg::X9;
    pub const A0: Reg = Reg::X10;
    pub const A1: Reg = Reg::X11;
    pub const A2: Reg = Reg::X12;
    pub const A3: Reg = Reg::X13;
    pub const A4: Reg = Reg::X14;
    pub const A5: Reg = Reg::X15;
    pub const A6: Reg = Reg::X16;
    pub const A7: Reg = Reg::X17;
    pub const S2: Reg = Reg::X18;
    pub const S3: Reg = Reg::X19;
    pub const S4: Reg = Reg::X20;
    pub const S5: Reg = Reg::X21;
    pub const S6: Reg = Reg::X22;
    pub const S7: Reg = Reg::X23;
    pub const S8: Reg = Reg::X24;
    pub const S9: Reg = Reg::X25;
    pub const S10: Reg = Reg::X26;
    pub const S11: Reg = Reg::X27;
    pub const T3: Reg = Reg::X28;
    pub const T4: Reg = Reg::X29;
    pub const T5: Reg = Reg::X30;
    pub const T6: Reg = Reg::X31;

    /// All registers in index order.
    pub const ALL: [Reg; 32] = [
        Reg::X0, Reg::X1, Reg::X2, Reg::X3, Reg::X4, Reg::X5, Reg::X6, Reg::X7,
        Reg::X8, Reg::X9, Reg::X10, Reg::X11, Reg::X12, Reg::X13, Reg::X14, Reg::X15,
        Reg::X16, Reg::X17, Reg::X18, Reg::X19, Reg::X20, Reg::X21, Reg::X22, Reg::X23,
        Reg::X24, Reg::X25, Reg::X26, Reg::X27, Reg::X28, Reg::X29, Reg::X30, Reg::X31,
    ];

    /// The register `x{index}`, if `index < 32`.
    pub fn from_index(index: u32) -> Option<Reg> {
        Self::ALL.get(index as usize).copied()
    }

    /// The register number, 0 to 31.
    pub const fn index(self) -> u32 {
        self as u32
    }
}

// ---------------------------------------------------------------------------------------------
// Errors and branch targets
// ---------------------------------------------------------------------------------------------

/// Why a program could not be assembled. `index` is the position of the offending instruction in
/// the text segment (its address is `TEXT_BASE + 4 * index`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AsmError {
    #[error("instruction {index} ({mnemonic}): immediate {value} outside {min}..={max}")]
    ImmediateOutOfRange { index: usize, mnemonic: &'static str, value: i64, min: i64, max: i64 },
    #[error("instruction {index} ({mnemonic}): offset {offset} is odd")]
    MisalignedOffset { index: usize, mnemonic: &'static str, offset: i64 },
    #[error("instruction {index} ({mnemonic}): offset {offset} to `{label}` outside {min}..={max}")]
    OffsetOutOfRange { index: usize, mnemonic: &'static str, label: String, offset: i64, min: i64, max: i64 },
    #[error("instruction {index} ({mnemonic}): undefined label `{label}`")]
    UndefinedLabel { index: usize, mnemonic: &'static str, label: String },
    #[error("instruction {index} ({mnemonic}): `{label}` is a data label, not an instruction")]
    DataLabelAsTarget { index: usize, mnemonic: &'static str, label: String },
    #[error("label `{0}` is defined twice")]
    DuplicateLabel(String),
    #[error("the program has no instructions")]
    EmptyProgram,
    #[error("the program ends at {end:#x}, past the end of guest memory or the highest pc ({max:#x})")]
    ProgramTooLarge { end: u64, max: u64 },
}

/// Where a branch or jump goes: a label (resolved by [`Assembler::finish`]) or a byte offset
/// relative to the branch itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Label(String),
    Offset(i32),
}

impl From<&str> for Target {
    fn from(label: &str) -> Self {
        Target::Label(label.to_string())
    }
}

impl From<String> for Target {
    fn from(label: String) -> Self {
        Target::Label(label)
    }
}

impl From<i32> for Target {
    fn from(offset: i32) -> Self {
        Target::Offset(offset)
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

const OPCODE_LOAD: u32 = 0x03;
const OPCODE_OP_IMM: u32 = 0x13;
const OPCODE_AUIPC: u32 = 0x17;
const OPCODE_STORE: u32 = 0x23;
const OPCODE_OP: u32 = 0x33;
const OPCODE_LUI: u32 = 0x37;
const OPCODE_BRANCH: u32 = 0x63;
const OPCODE_JALR: u32 = 0x67;
const OPCODE_JAL: u32 = 0x6f;
const OPCODE_SYSTEM: u32 = 0x73;
const FUNCT7_SUB_SRA: u32 = 0x20;
const FUNCT7_MULDIV: u32 = 0x01;

// OpenVM's own instructions live in the RISC-V "custom-0" opcode space. Values from
// openvm-rv32im-guest 2.0.2 (lib.rs: SYSTEM_OPCODE, *_FUNCT3, *_IMM, PhantomImm), as decoded by
// openvm-rv32im-transpiler's Rv32I (terminate, phantom) and Rv32Io (hint store, reveal) extensions.
const OPCODE_OPENVM_SYSTEM: u32 = 0x0b;
const FUNCT3_TERMINATE: u32 = 0b000;
const FUNCT3_HINT: u32 = 0b001;
const FUNCT3_REVEAL: u32 = 0b010;
const FUNCT3_PHANTOM: u32 = 0b011;
const IMM_HINT_STOREW: i32 = 0;
const IMM_HINT_BUFFER: i32 = 1;
const IMM_PHANTOM_HINT_INPUT: i32 = 0;
const IMM_PHANTOM_PRINT_STR: i32 = 1;

const I_IMM_MIN: i32 = -2048;
const I_IMM_MAX: i32 = 2047;
const B_OFFSET_MIN: i64 = -4096;
const B_OFFSET_MAX: i64 = 4094;
const J_OFFSET_MIN: i64 = -(1 << 20);
const J_OFFSET_MAX: i64 = (1 << 20) - 2;

fn encode_r(opcode: u32, funct3: u32, funct7: u32, rd: Reg, rs1: Reg, rs2: Reg) -> u32 {
    (funct7 << 25) | (rs2.index() << 20) | (rs1.index() << 15) | (funct3 << 12) | (rd.index() << 7) | opcode
}

/// `imm` must already be range-checked to 12 signed bits.
fn encode_i(opcode: u32, funct3: u32, rd: Reg, rs1: Reg, imm: i32) -> u32 {
    ((imm as u32 & 0xfff) << 20) | (rs1.index() << 15) | (funct3 << 12) | (rd.index() << 7) | opcode
}

fn encode_s(funct3: u32, rs1: Reg, rs2: Reg, imm: i32) -> u32 {
    let imm = imm as u32;
    (((imm >> 5) & 0x7f) << 25) | (rs2.index() << 20) | (rs1.index() << 15) | (funct3 << 12) | ((imm & 0x1f) << 7) | OPCODE_STORE
}

/// `offset` must be even and within the 13-bit signed range.
fn encode_b(funct3: u32, rs1: Reg, rs2: Reg, offset: i32) -> u32 {
    let imm = offset as u32;
    (((imm >> 12) & 1) << 31)
        | (((imm >> 5) & 0x3f) << 25)
        | (rs2.index() << 20)
        | (rs1.index() << 15)
        | (funct3 << 12)
        | (((imm >> 1) & 0xf) << 8)
        | (((imm >> 11) & 1) << 7)
        | OPCODE_BRANCH
}

fn encode_u(opcode: u32, rd: Reg, imm20: u32) -> u32 {
    ((imm20 & 0xfffff) << 12) | (rd.index() << 7) | opcode
}

/// `offset` must be even and within the 21-bit signed range.
fn encode_j(rd: Reg, offset: i32) -> u32 {
    let imm = offset as u32;
    (((imm >> 20) & 1) << 31)
        | (((imm >> 1) & 0x3ff) << 21)
        | (((imm >> 11) & 1) << 20)
        | (((imm >> 12) & 0xff) << 12)
        | (rd.index() << 7)
        | OPCODE_JAL
}

/// Splits `value` into the `lui` immediate and the sign-extended `addi` immediate whose sum is
/// `value`; the upper part is rounded so that the lower one fits in 12 signed bits.
fn split_hi_lo(value: u32) -> (u32, i32) {
    let hi = (value.wrapping_add(0x800) >> 12) & 0xfffff;
    let lo = value.wrapping_sub(hi << 12) as i32;
    (hi, lo)
}

// ---------------------------------------------------------------------------------------------
// Assembler
// ---------------------------------------------------------------------------------------------

/// An instruction waiting for the label layout; everything else is encoded when emitted.
#[derive(Clone, Debug)]
enum Item {
    Word(u32),
    Branch {
        mnemonic: &'static str,
        funct3: u32,
        rs1: Reg,
        rs2: Reg,
        label: String,
    },
    Jal {
        rd: Reg,
        label: String,
    },
    /// `lui rd, %hi(label)`, the first half of `la`.
    AddressHi {
        rd: Reg,
        label: String,
    },
    /// `addi rd, rd, %lo(label)`, the second half of `la`.
    AddressLo {
        rd: Reg,
        label: String,
    },
}

#[derive(Clone, Copy, Debug)]
enum LabelPos {
    /// Index of the instruction the label precedes.
    Text(usize),
    /// Byte offset in the data segment.
    Data(u32),
}

/// Builds an RV32IM program instruction by instruction.
///
/// Methods append one instruction (or a short fixed sequence for pseudo-instructions) and return
/// `&mut Self` so that calls chain. Operand order follows assembly syntax: `addi(rd, rs1, imm)`,
/// `lw(rd, offset, base)` for `lw rd, offset(base)`, `sw(src, offset, base)` for
/// `sw src, offset(base)`. Out-of-range immediates, label problems and the like are recorded and
/// reported by [`finish`](Self::finish) rather than panicking.
#[derive(Clone, Debug, Default)]
pub struct Assembler {
    items: Vec<Item>,
    data: Vec<u8>,
    labels: HashMap<String, LabelPos>,
    errors: Vec<AsmError>,
}

macro_rules! r_type_instructions {
    ($($(#[$doc:meta])* $name:ident: $funct3:expr, $funct7:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(&mut self, rd: Reg, rs1: Reg, rs2: Reg) -> &mut Self {
                self.emit(encode_r(OPCODE_OP, $funct3, $funct7, rd, rs1, rs2))
            }
        )*
    };
}

macro_rules! i_type_instructions {
    ($($(#[$doc:meta])* $name:ident: $funct3:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(&mut self, rd: Reg, rs1: Reg, imm: i32) -> &mut Self {
                let imm = self.check_i_imm(stringify!($name), imm);
                self.emit(encode_i(OPCODE_OP_IMM, $funct3, rd, rs1, imm))
            }
        )*
    };
}

macro_rules! shift_imm_instructions {
    ($($(#[$doc:meta])* $name:ident: $funct3:expr, $funct7:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(&mut self, rd: Reg, rs1: Reg, shamt: u32) -> &mut Self {
                let shamt = self.check_range(stringify!($name), shamt as i64, 0, 31) as u32;
                self.emit(encode_i(OPCODE_OP_IMM, $funct3, rd, rs1, (($funct7 << 5) | shamt) as i32))
            }
        )*
    };
}

macro_rules! load_instructions {
    ($($(#[$doc:meta])* $name:ident: $funct3:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(&mut self, rd: Reg, offset: i32, base: Reg) -> &mut Self {
                let offset = self.check_i_imm(stringify!($name), offset);
                self.emit(encode_i(OPCODE_LOAD, $funct3, rd, base, offset))
            }
        )*
    };
}

macro_rules! store_instructions {
    ($($(#[$doc:meta])* $name:ident: $funct3:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(&mut self, src: Reg, offset: i32, base: Reg) -> &mut Self {
                let offset = self.check_i_imm(stringify!($name), offset);
                self.emit(encode_s($funct3, base, src, offset))
            }
        )*
    };
}

macro_rules! branch_instructions {
    ($($(#[$doc:meta])* $name:ident: $funct3:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(&mut self, rs1: Reg, rs2: Reg, target: impl Into<Target>) -> &mut Self {
                self.branch(stringify!($name), $funct3, rs1, rs2, target.into())
            }
        )*
    };
}

impl Assembler {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of instructions emitted so far.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Defines `name` at the next instruction.
    pub fn label(&mut self, name: &str) -> &mut Self {
        self.define(name, LabelPos::Text(self.items.len()))
    }

    /// Appends an already encoded instruction word, e.g. one this assembler has no method for.
    pub fn word(&mut self, word: u32) -> &mut Self {
        self.emit(word)
    }

    // ----- data segment -------------------------------------------------------------------

    /// Places `words` in the data segment (word aligned) under `label`.
    pub fn data_words(&mut self, label: &str, words: &[u32]) -> &mut Self {
        self.align_data();
        self.define(label, LabelPos::Data(self.data.len() as u32));
        self.data.extend(words.iter().flat_map(|w| w.to_le_bytes()));
        self
    }

    /// Places `bytes` in the data segment (starting word aligned) under `label`.
    pub fn data_bytes(&mut self, label: &str, bytes: &[u8]) -> &mut Self {
        self.align_data();
        self.define(label, LabelPos::Data(self.data.len() as u32));
        self.data.extend_from_slice(bytes);
        self
    }

    /// Reserves `len` zeroed bytes (word aligned) under `label`; they are stored in the ELF file.
    pub fn reserve(&mut self, label: &str, len: u32) -> &mut Self {
        self.align_data();
        self.define(label, LabelPos::Data(self.data.len() as u32));
        self.data.resize(self.data.len() + len as usize, 0);
        self
    }

    // ----- RV32I --------------------------------------------------------------------------

    /// `lui rd, imm20`: `rd = imm20 << 12`, with `imm20 < 2^20`.
    pub fn lui(&mut self, rd: Reg, imm20: u32) -> &mut Self {
        let imm20 = self.check_range("lui", imm20 as i64, 0, 0xfffff) as u32;
        self.emit(encode_u(OPCODE_LUI, rd, imm20))
    }

    /// `auipc rd, imm20`: `rd = pc + (imm20 << 12)`, with `imm20 < 2^20`.
    pub fn auipc(&mut self, rd: Reg, imm20: u32) -> &mut Self {
        let imm20 = self.check_range("auipc", imm20 as i64, 0, 0xfffff) as u32;
        self.emit(encode_u(OPCODE_AUIPC, rd, imm20))
    }

    /// `jal rd, target`: `rd = pc + 4`, jump to `target` (within ±1 MiB).
    pub fn jal(&mut self, rd: Reg, target: impl Into<Target>) -> &mut Self {
        match target.into() {
            Target::Label(label) => self.push(Item::Jal { rd, label }),
            Target::Offset(offset) => {
                let offset = self.check_offset("jal", offset, J_OFFSET_MIN, J_OFFSET_MAX);
                self.emit(encode_j(rd, offset))
            }
        }
    }

    /// `jalr rd, offset(base)`: `rd = pc + 4`, jump to `(base + offset) & !1`.
    pub fn jalr(&mut self, rd: Reg, offset: i32, base: Reg) -> &mut Self {
        let offset = self.check_i_imm("jalr", offset);
        self.emit(encode_i(OPCODE_JALR, 0, rd, base, offset))
    }

    branch_instructions! {
        beq: 0b000;
        bne: 0b001;
        /// Signed `rs1 < rs2`.
        blt: 0b100;
        /// Signed `rs1 >= rs2`.
        bge: 0b101;
        bltu: 0b110;
        bgeu: 0b111;
    }

    load_instructions! {
        /// Loads a sign-extended byte.
        lb: 0b000;
        /// Loads a sign-extended halfword (2-byte aligned).
        lh: 0b001;
        /// Loads a word (4-byte aligned).
        lw: 0b010;
        lbu: 0b100;
        lhu: 0b101;
    }

    store_instructions! {
        sb: 0b000;
        sh: 0b001;
        sw: 0b010;
    }

    i_type_instructions! {
        addi: 0b000;
        slti: 0b010;
        /// Unsigned compare with the sign-extended immediate.
        sltiu: 0b011;
        xori: 0b100;
        ori: 0b110;
        andi: 0b111;
    }

    shift_imm_instructions! {
        slli: 0b001, 0x00;
        srli: 0b101, 0x00;
        srai: 0b101, FUNCT7_SUB_SRA;
    }

    r_type_instructions! {
        add: 0b000, 0x00;
        sub: 0b000, FUNCT7_SUB_SRA;
        sll: 0b001, 0x00;
        slt: 0b010, 0x00;
        sltu: 0b011, 0x00;
        xor: 0b100, 0x00;
        srl: 0b101, 0x00;
        sra: 0b101, FUNCT7_SUB_SRA;
        or: 0b110, 0x00;
        and: 0b111, 0x00;
        // RV32M
        mul: 0b000, FUNCT7_MULDIV;
        /// Upper word of signed × signed.
        mulh: 0b001, FUNCT7_MULDIV;
        /// Upper word of signed `rs1` × unsigned `rs2`.
        mulhsu: 0b010, FUNCT7_MULDIV;
        mulhu: 0b011, FUNCT7_MULDIV;
        /// Signed division; by zero gives -1, `i32::MIN / -1` gives `i32::MIN` (no trap).
        div: 0b100, FUNCT7_MULDIV;
        divu: 0b101, FUNCT7_MULDIV;
        rem: 0b110, FUNCT7_MULDIV;
        remu: 0b111, FUNCT7_MULDIV;
    }

    /// `ecall`. OpenVM has no environment calls: its transpiler turns this into a failing
    /// terminate (exit code 2), which makes it a convenient way to test the failure path.
    pub fn ecall(&mut self) -> &mut Self {
        self.emit(OPCODE_SYSTEM)
    }

    // ----- pseudo-instructions ------------------------------------------------------------

    /// `addi x0, x0, 0`.
    pub fn nop(&mut self) -> &mut Self {
        self.addi(Reg::ZERO, Reg::ZERO, 0)
    }

    /// `addi rd, rs, 0`.
    pub fn mv(&mut self, rd: Reg, rs: Reg) -> &mut Self {
        self.addi(rd, rs, 0)
    }

    /// Loads a 32-bit constant: one `addi` when it fits 12 signed bits, else `lui` followed by
    /// `addi` when the low part is not zero.
    pub fn li(&mut self, rd: Reg, value: u32) -> &mut Self {
        let signed = value as i32;
        if (I_IMM_MIN..=I_IMM_MAX).contains(&signed) {
            return self.addi(rd, Reg::ZERO, signed);
        }
        let (hi, lo) = split_hi_lo(value);
        self.lui(rd, hi);
        if lo != 0 {
            self.addi(rd, rd, lo);
        }
        self
    }

    /// Loads the address of `label` (text or data): always `lui` + `addi`, resolved by `finish`.
    pub fn la(&mut self, rd: Reg, label: &str) -> &mut Self {
        self.push(Item::AddressHi { rd, label: label.to_string() });
        self.push(Item::AddressLo { rd, label: label.to_string() })
    }

    /// `jal x0, target`.
    pub fn j(&mut self, target: impl Into<Target>) -> &mut Self {
        self.jal(Reg::ZERO, target)
    }

    /// `jal ra, target`.
    pub fn call(&mut self, target: impl Into<Target>) -> &mut Self {
        self.jal(Reg::RA, target)
    }

    /// `jalr x0, 0(ra)`.
    pub fn ret(&mut self) -> &mut Self {
        self.jalr(Reg::ZERO, 0, Reg::RA)
    }

    /// `beq rs, x0, target`.
    pub fn beqz(&mut self, rs: Reg, target: impl Into<Target>) -> &mut Self {
        self.beq(rs, Reg::ZERO, target)
    }

    /// `bne rs, x0, target`.
    pub fn bnez(&mut self, rs: Reg, target: impl Into<Target>) -> &mut Self {
        self.bne(rs, Reg::ZERO, target)
    }

    // ----- OpenVM instructions ------------------------------------------------------------

    /// Ends execution with `exit_code` (0 is success), as `openvm::process::exit` does.
    pub fn terminate(&mut self, exit_code: u8) -> &mut Self {
        self.emit(encode_i(OPCODE_OPENVM_SYSTEM, FUNCT3_TERMINATE, Reg::ZERO, Reg::ZERO, exit_code as i32))
    }

    /// Writes the word in `value` to public-value bytes `base + offset ..+4` (`base` a register
    /// holding a byte index, word aligned at run time). The raw form of [`reveal_u32`](Self::reveal_u32).
    pub fn reveal(&mut self, value: Reg, base: Reg, offset: i32) -> &mut Self {
        let offset = self.check_i_imm("reveal", offset);
        // The guest macro names the index register `rd` and the value `rs1`.
        self.emit(encode_i(OPCODE_OPENVM_SYSTEM, FUNCT3_REVEAL, base, value, offset))
    }

    /// Publishes `value` as the `index`-th u32 public value (`index < 512`), as
    /// `openvm::io::reveal_u32` does, with the byte index in the immediate instead of a register.
    /// The VM config needs `num_public_values >= 4 * (index + 1)`: openvm-circuit's executor panics
    /// on a write past the public-values address space.
    pub fn reveal_u32(&mut self, value: Reg, index: u32) -> &mut Self {
        let index = self.check_range("reveal_u32", index as i64, 0, (I_IMM_MAX / 4) as i64) as i32;
        self.reveal(value, Reg::ZERO, 4 * index)
    }

    /// Moves the next input (in order given to the VM) into the hint stream, prefixed by its length
    /// in bytes as a word and zero-padded to whole words (`openvm::io::read` starts with this).
    pub fn hint_input(&mut self) -> &mut Self {
        self.emit(encode_i(OPCODE_OPENVM_SYSTEM, FUNCT3_PHANTOM, Reg::ZERO, Reg::ZERO, IMM_PHANTOM_HINT_INPUT))
    }

    /// Pops the next word of the hint stream into memory at the address in `ptr`.
    pub fn hint_storew(&mut self, ptr: Reg) -> &mut Self {
        self.emit(encode_i(OPCODE_OPENVM_SYSTEM, FUNCT3_HINT, ptr, Reg::ZERO, IMM_HINT_STOREW))
    }

    /// Pops `num_words` words (a register, 1 to 1023 at run time) of the hint stream into memory
    /// starting at the address in `ptr`.
    pub fn hint_buffer(&mut self, ptr: Reg, num_words: Reg) -> &mut Self {
        self.emit(encode_i(OPCODE_OPENVM_SYSTEM, FUNCT3_HINT, ptr, num_words, IMM_HINT_BUFFER))
    }

    /// Reads the next hint word into `rd` through the memory word at `scratch` (hint stores
    /// only write memory), as `openvm::io::read_u32` does.
    pub fn read_u32(&mut self, rd: Reg, scratch: Reg) -> &mut Self {
        self.hint_storew(scratch).lw(rd, 0, scratch)
    }

    /// Prints `len` bytes of UTF-8 at `ptr` on the host's stdout (a debugging aid; not proved).
    pub fn print_str(&mut self, ptr: Reg, len: Reg) -> &mut Self {
        self.emit(encode_i(OPCODE_OPENVM_SYSTEM, FUNCT3_PHANTOM, ptr, len, IMM_PHANTOM_PRINT_STR))
    }

    // ----- assembling ---------------------------------------------------------------------

    /// Lays out the program (text at [`TEXT_BASE`], data right after it, 16-byte aligned) and
    /// resolves labels. Returns the first error recorded or found.
    pub fn finish(&self) -> Result<Program, AsmError> {
        if let Some(error) = self.errors.first() {
            return Err(error.clone());
        }
        if self.items.is_empty() {
            return Err(AsmError::EmptyProgram);
        }
        let text_end = TEXT_BASE as u64 + 4 * self.items.len() as u64;
        let data_base = text_end.next_multiple_of(16);
        let end = data_base + self.data.len() as u64;
        let max = u64::from(ELF_MAX_MEM).min(u64::from(MAX_ALLOWED_PC) + 1);
        if end > max {
            return Err(AsmError::ProgramTooLarge { end, max });
        }
        let data_base = data_base as u32;
        let address = |pos: LabelPos| match pos {
            LabelPos::Text(index) => TEXT_BASE + 4 * index as u32,
            LabelPos::Data(offset) => data_base + offset,
        };
        let lookup = |index: usize, mnemonic: &'static str, label: &str| {
            self.labels.get(label).map(|&pos| address(pos)).ok_or_else(|| AsmError::UndefinedLabel {
                index,
                mnemonic,
                label: label.to_string(),
            })
        };
        let code_offset = |index: usize, mnemonic: &'static str, label: &str, min: i64, max: i64| {
            let target = match self.labels.get(label) {
                None => return Err(AsmError::UndefinedLabel { index, mnemonic, label: label.to_string() }),
                Some(LabelPos::Data(_)) => return Err(AsmError::DataLabelAsTarget { index, mnemonic, label: label.to_string() }),
                Some(&LabelPos::Text(target)) => target,
            };
            let offset = 4 * (target as i64 - index as i64);
            if !(min..=max).contains(&offset) {
                return Err(AsmError::OffsetOutOfRange { index, mnemonic, label: label.to_string(), offset, min, max });
            }
            Ok(offset as i32)
        };

        let mut text = Vec::with_capacity(self.items.len());
        for (index, item) in self.items.iter().enumerate() {
            text.push(match item {
                Item::Word(word) => *word,
                Item::Branch { mnemonic, funct3, rs1, rs2, label } => {
                    encode_b(*funct3, *rs1, *rs2, code_offset(index, mnemonic, label, B_OFFSET_MIN, B_OFFSET_MAX)?)
                }
                Item::Jal { rd, label } => encode_j(*rd, code_offset(index, "jal", label, J_OFFSET_MIN, J_OFFSET_MAX)?),
                Item::AddressHi { rd, label } => encode_u(OPCODE_LUI, *rd, split_hi_lo(lookup(index, "la", label)?).0),
                Item::AddressLo { rd, label } => encode_i(OPCODE_OP_IMM, 0, *rd, *rd, split_hi_lo(lookup(index, "la", label)?).1),
            });
        }
        let labels = self.labels.iter().map(|(name, &pos)| (name.clone(), address(pos))).collect();
        Ok(Program { text, data_base, data: self.data.clone(), labels })
    }

    // ----- internals ----------------------------------------------------------------------

    fn emit(&mut self, word: u32) -> &mut Self {
        self.push(Item::Word(word))
    }

    fn push(&mut self, item: Item) -> &mut Self {
        self.items.push(item);
        self
    }

    fn define(&mut self, name: &str, pos: LabelPos) -> &mut Self {
        if self.labels.insert(name.to_string(), pos).is_some() {
            self.errors.push(AsmError::DuplicateLabel(name.to_string()));
        }
        self
    }

    fn align_data(&mut self) {
        self.data.resize(self.data.len().next_multiple_of(4), 0);
    }

    /// Records an error for `value` outside `min..=max` and returns a harmless in-range value so
    /// that emission can go on (`finish` reports the error).
    fn check_range(&mut self, mnemonic: &'static str, value: i64, min: i64, max: i64) -> i64 {
        if (min..=max).contains(&value) {
            value
        } else {
            self.errors.push(AsmError::ImmediateOutOfRange { index: self.items.len(), mnemonic, value, min, max });
            0
        }
    }

    fn check_i_imm(&mut self, mnemonic: &'static str, imm: i32) -> i32 {
        self.check_range(mnemonic, imm as i64, I_IMM_MIN as i64, I_IMM_MAX as i64) as i32
    }

    fn check_offset(&mut self, mnemonic: &'static str, offset: i32, min: i64, max: i64) -> i32 {
        if offset % 2 != 0 {
            self.errors.push(AsmError::MisalignedOffset { index: self.items.len(), mnemonic, offset: offset as i64 });
            return 0;
        }
        self.check_range(mnemonic, offset as i64, min, max) as i32
    }

    fn branch(&mut self, mnemonic: &'static str, funct3: u32, rs1: Reg, rs2: Reg, target: Target) -> &mut Self {
        match target {
            Target::Label(label) => self.push(Item::Branch { mnemonic, funct3, rs1, rs2, label }),
            Target::Offset(offset) => {
                let offset = self.check_offset(mnemonic, offset, B_OFFSET_MIN, B_OFFSET_MAX);
                self.emit(encode_b(funct3, rs1, rs2, offset))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Program and ELF output
// ---------------------------------------------------------------------------------------------

/// An assembled program: instruction words from [`TEXT_BASE`], then the data segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    text: Vec<u32>,
    data_base: u32,
    data: Vec<u8>,
    labels: BTreeMap<String, u32>,
}

const ELF_HEADER_SIZE: usize = 52;
const PROGRAM_HEADER_SIZE: usize = 32;
const SECTION_HEADER_SIZE: usize = 40;
const EM_RISCV: u16 = 243;
const ET_EXEC: u16 = 2;
const PT_LOAD: u32 = 1;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;
const SHT_PROGBITS: u32 = 1;
const SHT_STRTAB: u32 = 3;
const SHF_WRITE: u32 = 1;
const SHF_ALLOC: u32 = 2;
const SHF_EXECINSTR: u32 = 4;

impl Program {
    /// The entry point: the first instruction.
    pub fn entry(&self) -> u32 {
        TEXT_BASE
    }

    pub fn text(&self) -> &[u32] {
        &self.text
    }

    pub fn data_base(&self) -> u32 {
        self.data_base
    }

    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The address of a text or data label.
    pub fn label_address(&self, name: &str) -> Option<u32> {
        self.labels.get(name).copied()
    }

    /// An ELF32 little-endian RISC-V executable: a read/execute segment with the text and, when
    /// there is data, a read/write segment with it, plus section headers (`.text`, `.data`,
    /// `.shstrtab`) so that standard tools can disassemble it. OpenVM's `Elf::decode` reads only the
    /// program headers: executable segments become the program, every segment the initial memory.
    pub fn to_elf(&self) -> Vec<u8> {
        let has_data = !self.data.is_empty();
        let num_segments = 1 + has_data as usize;
        let text_offset = ELF_HEADER_SIZE + PROGRAM_HEADER_SIZE * num_segments;
        let text_len = 4 * self.text.len();
        let data_offset = text_offset + text_len;
        let mut shstrtab = b"\0.text\0.shstrtab\0".to_vec();
        let data_name = shstrtab.len() as u32;
        if has_data {
            shstrtab.extend_from_slice(b".data\0");
        }
        let shstrtab_offset = data_offset + self.data.len();
        let section_headers_offset = (shstrtab_offset + shstrtab.len()).next_multiple_of(4);
        let num_sections = 3 + has_data as u16;

        let mut out = Vec::with_capacity(section_headers_offset + SECTION_HEADER_SIZE * num_sections as usize);
        let put16 = |out: &mut Vec<u8>, v: u16| out.extend_from_slice(&v.to_le_bytes());
        let put32 = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_le_bytes());

        // ELF header: magic, 32-bit class, little-endian, version 1, System V ABI.
        out.extend_from_slice(&[0x7f, b'E', b'L', b'F', 1, 1, 1, 0]);
        out.resize(16, 0);
        put16(&mut out, ET_EXEC);
        put16(&mut out, EM_RISCV);
        put32(&mut out, 1); // e_version
        put32(&mut out, self.entry());
        put32(&mut out, ELF_HEADER_SIZE as u32); // e_phoff
        put32(&mut out, section_headers_offset as u32); // e_shoff
        put32(&mut out, 0); // e_flags: no compressed instructions, soft-float ABI
        put16(&mut out, ELF_HEADER_SIZE as u16);
        put16(&mut out, PROGRAM_HEADER_SIZE as u16);
        put16(&mut out, num_segments as u16);
        put16(&mut out, SECTION_HEADER_SIZE as u16);
        put16(&mut out, num_sections);
        put16(&mut out, 2); // e_shstrndx: .shstrtab follows .text

        // Program headers. Offsets and addresses are both word aligned, which is all OpenVM needs.
        let segment = |out: &mut Vec<u8>, offset: usize, vaddr: u32, len: usize, flags: u32| {
            for v in [PT_LOAD, offset as u32, vaddr, vaddr, len as u32, len as u32, flags, 4] {
                put32(out, v);
            }
        };
        segment(&mut out, text_offset, TEXT_BASE, text_len, PF_R | PF_X);
        if has_data {
            segment(&mut out, data_offset, self.data_base, self.data.len(), PF_R | PF_W);
        }

        debug_assert_eq!(out.len(), text_offset);
        for word in &self.text {
            put32(&mut out, *word);
        }
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&shstrtab);
        out.resize(section_headers_offset, 0);

        // Section headers: null, .text, .shstrtab, then .data.
        let section = |out: &mut Vec<u8>, name: u32, kind: u32, flags: u32, addr: u32, offset: usize, size: usize, align: u32| {
            for v in [name, kind, flags, addr, offset as u32, size as u32, 0, 0, align, 0] {
                put32(out, v);
            }
        };
        out.resize(out.len() + SECTION_HEADER_SIZE, 0);
        section(&mut out, 1, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, TEXT_BASE, text_offset, text_len, 4);
        section(&mut out, 7, SHT_STRTAB, 0, 0, shstrtab_offset, shstrtab.len(), 1);
        if has_data {
            section(&mut out, data_name, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, self.data_base, data_offset, self.data.len(), 4);
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Loading into OpenVM
// ---------------------------------------------------------------------------------------------

/// Bytes read as little-endian words, the last one zero-padded: public values as
/// `extract_public_values` returns them, or an input as the guest reads it.
pub fn public_value_words(bytes: &[u8]) -> Vec<u32> {
    bytes.chunks(4).map(|c| c.iter().rev().fold(0, |w, &b| (w << 8) | b as u32)).collect()
}

// ---------------------------------------------------------------------------------------------
// Guests
// ---------------------------------------------------------------------------------------------

fn elf_of(asm: &Assembler) -> Vec<u8> {
    asm.finish().expect("built-in guests assemble").to_elf()
}

/// Computes the `n`-th Fibonacci number mod 2^32 (`F(0) = 0`, `F(1) = 1`) by `n` loop steps and
/// reveals `[n, F(n)]`. See [`fibonacci_public_values`].
pub fn fibonacci(n: u32) -> Vec<u8> {
    use Reg as R;
    let mut asm = Assembler::new();
    asm.li(R::S0, n).mv(R::A0, R::S0).li(R::T0, 0).li(R::T1, 1);
    asm.label("loop").beqz(R::A0, "done");
    asm.add(R::T2, R::T0, R::T1).mv(R::T0, R::T1).mv(R::T1, R::T2).addi(R::A0, R::A0, -1).j("loop");
    asm.label("done").reveal_u32(R::S0, 0).reveal_u32(R::T0, 1).terminate(0);
    elf_of(&asm)
}

/// Host model of [`fibonacci`].
pub fn fibonacci_public_values(n: u32) -> Vec<u32> {
    let (mut a, mut b) = (0u32, 1u32);
    for _ in 0..n {
        (a, b) = (b, a.wrapping_add(b));
    }
    vec![n, a]
}

/// The 16 words in [`mixed`]'s data segment: the edge cases `i32::MIN`, -1, 0, 7, then an LCG
/// sequence from `seed`.
fn mixed_values(seed: u32) -> [u32; 16] {
    let mut values = [0x8000_0000, u32::MAX, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut x = seed;
    for v in &mut values[4..] {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        *v = x;
    }
    values
}

/// Exercises most of RV32IM on a 16-word array in the data segment: byte/halfword/word loads and
/// stores, a signed bubble sort (branches), every multiply/divide/remainder (including division by
/// zero and `i32::MIN / -1`), shifts, compares, `auipc`/`jalr`, a call and return. Reveals
/// `[checksum, smallest, largest, load/store checksum]`; ends with exit code 1 if a branch on
/// the edge values goes the wrong way. See [`mixed_public_values`].
pub fn mixed(seed: u32) -> Vec<u8> {
    use Reg as R;
    let mut asm = Assembler::new();
    asm.data_words("values", &mixed_values(seed)).reserve("sorted", 64).reserve("scratch", 4);

    // Phase A: load each word piecewise, copy it to `sorted`, repack some pieces via sb/sh.
    asm.la(R::S0, "values").la(R::S1, "sorted").la(R::S2, "scratch");
    asm.li(R::S3, 0).li(R::S6, 0).li(R::S7, 64);
    asm.label("phase_a");
    asm.add(R::T0, R::S0, R::S6).lw(R::T1, 0, R::T0).lb(R::T2, 1, R::T0).lbu(R::T3, 3, R::T0);
    asm.lh(R::T4, 2, R::T0).lhu(R::T5, 0, R::T0);
    asm.add(R::T6, R::T2, R::T3).xor(R::S3, R::S3, R::T6).mul(R::T6, R::T4, R::T5).add(R::S3, R::S3, R::T6);
    asm.add(R::T0, R::S1, R::S6).sw(R::T1, 0, R::T0);
    asm.sh(R::T4, 0, R::S2).sb(R::T2, 2, R::S2).sb(R::T3, 3, R::S2).lw(R::T6, 0, R::S2).xor(R::S3, R::S3, R::T6);
    asm.slli(R::T6, R::S3, 7).srli(R::T5, R::S3, 25).or(R::S3, R::T6, R::T5);
    asm.addi(R::S6, R::S6, 4).bne(R::S6, R::S7, "phase_a");

    // Phase B: bubble sort of `sorted`, signed ascending.
    asm.li(R::S5, 15);
    asm.label("outer").beqz(R::S5, "sorted_done").mv(R::T0, R::S1).mv(R::T1, R::S5);
    asm.label("inner").lw(R::T2, 0, R::T0).lw(R::T3, 4, R::T0).bge(R::T3, R::T2, "no_swap");
    asm.sw(R::T3, 0, R::T0).sw(R::T2, 4, R::T0);
    asm.label("no_swap").addi(R::T0, R::T0, 4).addi(R::T1, R::T1, -1).bnez(R::T1, "inner");
    asm.addi(R::S5, R::S5, -1).j("outer");
    asm.label("sorted_done");

    // Phase C: arithmetic on x = sorted[i], y = sorted[(i + 5) % 16].
    asm.mv(R::S4, R::S3).li(R::S6, 0).li(R::S7, 16);
    asm.label("phase_c");
    // auipc + jalr jump over the next instruction: pc-relative code that no label resolves.
    asm.auipc(R::T0, 0).jalr(R::ZERO, 12, R::T0).xori(R::S4, R::S4, -1);
    asm.slli(R::T0, R::S6, 2).add(R::T0, R::S1, R::T0).lw(R::A1, 0, R::T0);
    asm.addi(R::T1, R::S6, 5).andi(R::T1, R::T1, 15).slli(R::T1, R::T1, 2).add(R::T1, R::S1, R::T1).lw(R::A2, 0, R::T1);
    asm.slli(R::T2, R::S4, 5).sub(R::S4, R::T2, R::S4).add(R::S4, R::S4, R::A1);
    asm.mulh(R::T2, R::A1, R::A2).xor(R::S4, R::S4, R::T2);
    asm.mulhu(R::T2, R::A1, R::S4).add(R::S4, R::S4, R::T2);
    asm.mulhsu(R::T2, R::A1, R::A2).xor(R::S4, R::S4, R::T2);
    asm.div(R::T2, R::A1, R::A2).add(R::S4, R::S4, R::T2);
    asm.rem(R::T2, R::A1, R::A2).xor(R::S4, R::S4, R::T2);
    asm.divu(R::T2, R::S4, R::A2).add(R::S4, R::S4, R::T2);
    asm.remu(R::T2, R::A1, R::A2).xor(R::S4, R::S4, R::T2);
    asm.sra(R::T2, R::A1, R::S6).xor(R::S4, R::S4, R::T2);
    asm.srl(R::T2, R::A1, R::A2).add(R::S4, R::S4, R::T2);
    asm.sll(R::T2, R::S4, R::A2).xor(R::S4, R::S4, R::T2);
    asm.slt(R::T2, R::A1, R::A2).add(R::S4, R::S4, R::T2);
    asm.sltu(R::T2, R::A1, R::A2).slli(R::T2, R::T2, 1).add(R::S4, R::S4, R::T2);
    asm.slti(R::T2, R::A1, -1).slli(R::T2, R::T2, 2).add(R::S4, R::S4, R::T2);
    asm.sltiu(R::T2, R::A1, 100).slli(R::T2, R::T2, 3).add(R::S4, R::S4, R::T2);
    asm.xori(R::T2, R::A1, 0x5a5).xor(R::S4, R::S4, R::T2);
    asm.ori(R::T2, R::A1, 0xf0).add(R::S4, R::S4, R::T2);
    asm.andi(R::T2, R::A1, -16).xor(R::S4, R::S4, R::T2);
    asm.srai(R::T2, R::S4, 3).xor(R::S4, R::S4, R::T2);
    asm.srli(R::T2, R::A1, 7).add(R::S4, R::S4, R::T2);
    asm.slli(R::T2, R::A1, 11).xor(R::S4, R::S4, R::T2);
    asm.mv(R::A0, R::S4).call("mix").mv(R::S4, R::A0);
    asm.bge(R::A1, R::ZERO, "non_negative").addi(R::S4, R::S4, 1).j("sign_done");
    asm.label("non_negative").xori(R::S4, R::S4, 0x55);
    asm.label("sign_done").bltu(R::A1, R::A2, "below").addi(R::S4, R::S4, 3);
    asm.label("below").addi(R::S6, R::S6, 1).bne(R::S6, R::S7, "phase_c");
    asm.j("edge_cases");

    // mix(a0, a1) = ((a0 ^ (a0 >> 16)) * 0x045d9f3b) + a1
    asm.label("mix").srli(R::T0, R::A0, 16).xor(R::A0, R::A0, R::T0).li(R::T1, 0x045d_9f3b);
    asm.mul(R::A0, R::A0, R::T1).add(R::A0, R::A0, R::A1).ret();

    // Edge cases of M with constant operands, then branches that must not be taken.
    asm.label("edge_cases").li(R::T0, 0x8000_0000).li(R::T1, u32::MAX).li(R::T3, 12345);
    asm.div(R::T2, R::T0, R::T1).add(R::S4, R::S4, R::T2);
    asm.rem(R::T2, R::T0, R::T1).xor(R::S4, R::S4, R::T2);
    asm.div(R::T2, R::T3, R::ZERO).add(R::S4, R::S4, R::T2);
    asm.rem(R::T2, R::T3, R::ZERO).xor(R::S4, R::S4, R::T2);
    asm.divu(R::T2, R::T3, R::ZERO).add(R::S4, R::S4, R::T2);
    asm.remu(R::T2, R::T3, R::ZERO).xor(R::S4, R::S4, R::T2);
    asm.mulh(R::T2, R::T0, R::T0).add(R::S4, R::S4, R::T2);
    asm.mulhsu(R::T2, R::T1, R::T1).xor(R::S4, R::S4, R::T2);
    asm.mulhu(R::T2, R::T1, R::T1).add(R::S4, R::S4, R::T2);
    asm.blt(R::T1, R::T0, "bad").bge(R::T0, R::T1, "bad").bltu(R::T1, R::T0, "bad").bgeu(R::T0, R::T1, "bad");
    asm.beq(R::T0, R::T1, "bad").bne(R::T0, R::T0, "bad");

    asm.lw(R::T0, 0, R::S1).lw(R::T1, 60, R::S1);
    asm.reveal_u32(R::S4, 0).reveal_u32(R::T0, 1).reveal_u32(R::T1, 2).reveal_u32(R::S3, 3).terminate(0);
    asm.label("bad").terminate(1);
    elf_of(&asm)
}

/// RISC-V `div`: division by zero gives -1 and `i32::MIN / -1` overflows to `i32::MIN`.
fn rv_div(x: u32, y: u32) -> u32 {
    match y {
        0 => u32::MAX,
        _ => (x as i32).wrapping_div(y as i32) as u32,
    }
}

/// RISC-V `rem`: the remainder by zero is the dividend, of `i32::MIN / -1` zero.
fn rv_rem(x: u32, y: u32) -> u32 {
    match y {
        0 => x,
        _ => (x as i32).wrapping_rem(y as i32) as u32,
    }
}

fn rv_divu(x: u32, y: u32) -> u32 {
    x.checked_div(y).unwrap_or(u32::MAX)
}

fn rv_remu(x: u32, y: u32) -> u32 {
    x.checked_rem(y).unwrap_or(x)
}

fn rv_mulh(x: u32, y: u32) -> u32 {
    ((x as i32 as i64 * y as i32 as i64) >> 32) as u32
}

fn rv_mulhsu(x: u32, y: u32) -> u32 {
    ((x as i32 as i128 * y as i128) >> 32) as u32
}

fn rv_mulhu(x: u32, y: u32) -> u32 {
    ((x as u64 * y as u64) >> 32) as u32
}

/// Host model of [`mixed`].
pub fn mixed_public_values(seed: u32) -> Vec<u32> {
    let values = mixed_values(seed);
    let mut a = 0u32;
    for &w in &values {
        let b1 = (w >> 8) as u8 as i8 as u32;
        let b3 = w >> 24;
        let h2 = (w >> 16) as u16 as i16 as u32;
        let h0 = w & 0xffff;
        a ^= b1.wrapping_add(b3);
        a = a.wrapping_add(h2.wrapping_mul(h0));
        let repacked = (h2 & 0xffff) | ((b1 & 0xff) << 16) | (b3 << 24);
        a ^= repacked;
        a = a.rotate_left(7);
    }

    let mut s = values;
    s.sort_by_key(|&v| v as i32);

    let mut c = a;
    for i in 0..16 {
        let (x, y) = (s[i], s[(i + 5) % 16]);
        c = c.wrapping_mul(31).wrapping_add(x);
        c ^= rv_mulh(x, y);
        c = c.wrapping_add(rv_mulhu(x, c));
        c ^= rv_mulhsu(x, y);
        c = c.wrapping_add(rv_div(x, y));
        c ^= rv_rem(x, y);
        c = c.wrapping_add(rv_divu(c, y));
        c ^= rv_remu(x, y);
        c ^= ((x as i32) >> i) as u32;
        c = c.wrapping_add(x >> (y & 31));
        c ^= c << (y & 31);
        c = c.wrapping_add(((x as i32) < (y as i32)) as u32);
        c = c.wrapping_add(((x < y) as u32) << 1);
        c = c.wrapping_add((((x as i32) < -1) as u32) << 2);
        c = c.wrapping_add(((x < 100) as u32) << 3);
        c ^= x ^ 0x5a5;
        c = c.wrapping_add(x | 0xf0);
        c ^= x & !15;
        c ^= ((c as i32) >> 3) as u32;
        c = c.wrapping_add(x >> 7);
        c ^= x << 11;
        c = (c ^ (c >> 16)).wrapping_mul(0x045d_9f3b).wrapping_add(x);
        if (x as i32) < 0 {
            c = c.wrapping_add(1);
        } else {
            c ^= 0x55;
        }
        if x >= y {
            c = c.wrapping_add(3);
        }
    }

    let (min, minus_one, ten) = (0x8000_0000u32, u32::MAX, 12345u32);
    c = c.wrapping_add(rv_div(min, minus_one));
    c ^= rv_rem(min, minus_one);
    c = c.wrapping_add(rv_div(ten, 0));
    c ^= rv_rem(ten, 0);
    c = c.wrapping_add(rv_divu(ten, 0));
    c ^= rv_remu(ten, 0);
    c = c.wrapping_add(rv_mulh(min, min));
    c ^= rv_mulhsu(minus_one, minus_one);
    c = c.wrapping_add(rv_mulhu(minus_one, minus_one));

    vec![c, s[0], s[15], a]
}

const LONG_RUNNING_SEED: u32 = 0x2545_f491;

fn long_running_program(iterations: u32) -> Program {
    use Reg as R;
    let mut asm = Assembler::new();
    asm.reserve("ring", 256);
    asm.li(R::S0, iterations).li(R::S1, 0).li(R::S2, LONG_RUNNING_SEED).li(R::S3, 0).la(R::S4, "ring");
    asm.beqz(R::S0, "loop_done");
    // 16 instructions per iteration: an xorshift step, a read-modify-write of the 64-word ring,
    // a multiply-accumulate.
    asm.label("loop");
    asm.slli(R::T0, R::S2, 13).xor(R::S2, R::S2, R::T0);
    asm.srli(R::T0, R::S2, 17).xor(R::S2, R::S2, R::T0);
    asm.slli(R::T0, R::S2, 5).xor(R::S2, R::S2, R::T0);
    asm.andi(R::T1, R::S1, 63).slli(R::T1, R::T1, 2).add(R::T1, R::S4, R::T1);
    asm.lw(R::T2, 0, R::T1).add(R::T2, R::T2, R::S2).sw(R::T2, 0, R::T1);
    asm.mul(R::T3, R::S2, R::S1).add(R::S3, R::S3, R::T3);
    asm.addi(R::S1, R::S1, 1).bne(R::S1, R::S0, "loop");
    asm.label("loop_done").li(R::S5, 0).mv(R::T1, R::S4).addi(R::T4, R::S4, 256);
    asm.label("fold").lw(R::T2, 0, R::T1).slli(R::T0, R::S5, 5).add(R::S5, R::S5, R::T0).xor(R::S5, R::S5, R::T2);
    asm.addi(R::T1, R::T1, 4).bne(R::T1, R::T4, "fold");
    asm.label("fold_done").reveal_u32(R::S0, 0).reveal_u32(R::S2, 1).reveal_u32(R::S3, 2).reveal_u32(R::S5, 3);
    asm.label("exit").terminate(0);
    asm.finish().expect("built-in guests assemble")
}

/// A loop of `iterations` steps of 16 instructions each (an xorshift generator feeding a 64-word
/// ring buffer in memory and a multiply-accumulate): 200,000 iterations execute about 3.2 million
/// instructions, so that proving it takes several segments (how many depends on the segment
/// height limit). Reveals `[iterations, generator state,
/// accumulator, ring checksum]`. See [`long_running_public_values`] and
/// [`long_running_instruction_count`].
pub fn long_running(iterations: u32) -> Vec<u8> {
    long_running_program(iterations).to_elf()
}

/// Host model of [`long_running`].
pub fn long_running_public_values(iterations: u32) -> Vec<u32> {
    let (mut x, mut acc, mut ring) = (LONG_RUNNING_SEED, 0u32, [0u32; 64]);
    for i in 0..iterations {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        ring[(i % 64) as usize] = ring[(i % 64) as usize].wrapping_add(x);
        acc = acc.wrapping_add(x.wrapping_mul(i));
    }
    let checksum = ring.iter().fold(0u32, |r, &w| r.wrapping_mul(33) ^ w);
    vec![iterations, x, acc, checksum]
}

/// Exactly how many instructions [`long_running`] executes, terminate included.
pub fn long_running_instruction_count(iterations: u32) -> u64 {
    let program = long_running_program(iterations);
    let at = |label: &str| program.label_address(label).expect("label of the long-running guest") as u64;
    let span = |from: &str, to: &str| (at(to) - at(from)) / 4;
    let prologue = (at("loop") - program.entry() as u64) / 4;
    prologue
        + iterations as u64 * span("loop", "loop_done")
        + span("loop_done", "fold")
        + 64 * span("fold", "fold_done")
        + span("fold_done", "exit")
        + 1
}

/// Reads the first input of the input stream as little-endian words (its byte length rounded up
/// to words, the last one zero-padded, as the VM pads it) and reveals `[byte length, word count,
/// wrapping sum, FNV-1a over the words]`. An input written with `StdIn::write(&x)` for a `u64`
/// is its 8 little-endian bytes. Fails (no input) if the input stream is empty. See
/// [`sum_input_public_values`].
pub fn sum_input() -> Vec<u8> {
    use Reg as R;
    let mut asm = Assembler::new();
    asm.reserve("scratch", 4);
    asm.la(R::S0, "scratch").hint_input().read_u32(R::S1, R::S0);
    asm.addi(R::S2, R::S1, 3).srli(R::S2, R::S2, 2);
    asm.li(R::S3, 0).li(R::S4, FNV_OFFSET).li(R::S5, FNV_PRIME).li(R::S6, 0);
    asm.beqz(R::S2, "done");
    asm.label("loop").read_u32(R::T0, R::S0).add(R::S3, R::S3, R::T0);
    asm.xor(R::S4, R::S4, R::T0).mul(R::S4, R::S4, R::S5).addi(R::S6, R::S6, 1).bne(R::S6, R::S2, "loop");
    asm.label("done").reveal_u32(R::S1, 0).reveal_u32(R::S2, 1).reveal_u32(R::S3, 2).reveal_u32(R::S4, 3).terminate(0);
    elf_of(&asm)
}

const FNV_OFFSET: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

/// Host model of [`sum_input`] for the input `bytes`.
pub fn sum_input_public_values(bytes: &[u8]) -> Vec<u32> {
    let words = public_value_words(bytes);
    let sum = words.iter().fold(0u32, |s, &w| s.wrapping_add(w));
    let fnv = words.iter().fold(FNV_OFFSET, |h, &w| (h ^ w).wrapping_mul(FNV_PRIME));
    vec![bytes.len() as u32, words.len() as u32, sum, fnv]
}

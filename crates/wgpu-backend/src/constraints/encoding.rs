//! The encoding of constraint programs, which `shaders/constraint_eval.wgsl` and
//! `shaders/constraint_eval_ext.wgsl` decode.
//!
//! **Instructions** are `[u32; 4]` (a WGSL `vec4<u32>`): `(opcode, destination, a, b)`. The
//! destination is an intermediate slot, except for [`OP_OUT`], where it is an output index.
//! Operands `a` and `b` are tagged words (the top two bits):
//! - `00` slot `s` (bits 0..30);
//! - `01` constant `c`, an index into [`ConstraintProgram::constants`](super::ConstraintProgram::constants);
//! - `10` trace variable: bit 29 the row offset (0 this row, 1 the next row, `(r + 1) mod h`),
//!   bits 24..29 the partition (0 preprocessed, `1 + i` main partition `i` in upstream's order,
//!   cached partitions first, the common main last), bits 0..24 the column;
//! - `11` special: bits 28..30 the kind (0 `is_first_row`, 1 `is_last_row`, 2 `is_transition`,
//!   3 public value), bits 0..28 the public value's index.
//!
//! Leaves of the DAG (variables, selectors, constants, public values) are operands, never
//! instructions. Arithmetic nodes become instructions in the DAG's topological order, after
//! dead nodes are dropped; each result takes the lowest free slot, and a slot is freed right
//! after its node's last use (a linear scan), so the slot count is the DAG's peak number of
//! live intermediates, not its node count.
//!
//! **Outputs**, in order: every constraint (`constraint_idx` order), then per interaction its
//! count followed by its message fields ([`InteractionOutputs`](super::InteractionOutputs)).

/// `dst = a + b`.
pub const OP_ADD: u32 = 0;
/// `dst = a - b`.
pub const OP_SUB: u32 = 1;
/// `dst = a * b`.
pub const OP_MUL: u32 = 2;
/// `dst = -a`.
pub const OP_NEG: u32 = 3;
/// Output `dst` of this row is `a`.
pub const OP_OUT: u32 = 4;

pub const TAG_SLOT: u32 = 0;
pub const TAG_CONST: u32 = 1;
pub const TAG_VAR: u32 = 2;
pub const TAG_SPECIAL: u32 = 3;
pub const SPECIAL_IS_FIRST_ROW: u32 = 0;
pub const SPECIAL_IS_LAST_ROW: u32 = 1;
pub const SPECIAL_IS_TRANSITION: u32 = 2;
pub const SPECIAL_PUBLIC: u32 = 3;

/// Largest column a variable operand can name (24 bits).
pub const MAX_COLUMNS: usize = 1 << 24;
/// Most partitions (preprocessed and main) an operand can name (5 bits).
pub const MAX_PARTITIONS: usize = 32;
/// Most public values an operand can name (28 bits).
pub const MAX_PUBLIC_VALUES: usize = 1 << 28;
/// Most slots (30 bits).
pub const MAX_SLOTS: usize = 1 << 30;
/// Most distinct constants a constant operand can name (30 bits).
pub const MAX_CONSTANTS: usize = 1 << 30;

/// An operand of an instruction, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    Slot(u32),
    Constant(u32),
    /// `partition` 0 is the preprocessed trace, `1 + i` main partition `i`; `next` reads row
    /// `(r + 1) mod h`.
    Variable {
        partition: u32,
        next: bool,
        column: u32,
    },
    IsFirstRow,
    IsLastRow,
    IsTransition,
    Public(u32),
}

impl Operand {
    pub fn encode(self) -> u32 {
        match self {
            Operand::Slot(s) => s,
            Operand::Constant(c) => (TAG_CONST << 30) | c,
            Operand::Variable { partition, next, column } => (TAG_VAR << 30) | ((next as u32) << 29) | (partition << 24) | column,
            Operand::IsFirstRow => (TAG_SPECIAL << 30) | (SPECIAL_IS_FIRST_ROW << 28),
            Operand::IsLastRow => (TAG_SPECIAL << 30) | (SPECIAL_IS_LAST_ROW << 28),
            Operand::IsTransition => (TAG_SPECIAL << 30) | (SPECIAL_IS_TRANSITION << 28),
            Operand::Public(i) => (TAG_SPECIAL << 30) | (SPECIAL_PUBLIC << 28) | i,
        }
    }

    pub fn decode(word: u32) -> Self {
        match word >> 30 {
            TAG_SLOT => Operand::Slot(word & 0x3fff_ffff),
            TAG_CONST => Operand::Constant(word & 0x3fff_ffff),
            TAG_VAR => Operand::Variable { partition: (word >> 24) & 0x1f, next: (word >> 29) & 1 == 1, column: word & 0xff_ffff },
            _ => match (word >> 28) & 3 {
                SPECIAL_IS_FIRST_ROW => Operand::IsFirstRow,
                SPECIAL_IS_LAST_ROW => Operand::IsLastRow,
                SPECIAL_IS_TRANSITION => Operand::IsTransition,
                _ => Operand::Public(word & 0x0fff_ffff),
            },
        }
    }
}

// The encoding of a constraint program (src/constraint_program.rs writes it): instructions are
// (opcode, destination, operand a, operand b); an operand word is a 2-bit tag over a payload:
//   slot or constant: the index (30 bits);
//   trace variable: next-row bit 29, partition in bits 24..29, column in bits 0..24;
//   special: kind in bits 28..30 (selectors), a public value's index below.
// The interpreters and the round-0 expansion decode operands only through these.

const OP_ADD: u32 = 0u;
const OP_SUB: u32 = 1u;
const OP_MUL: u32 = 2u;
const OP_NEG: u32 = 3u;
const OP_OUT: u32 = 4u;

const TAG_SLOT: u32 = 0u;
const TAG_CONST: u32 = 1u;
const TAG_VAR: u32 = 2u;

const SPECIAL_IS_FIRST_ROW: u32 = 0u;
const SPECIAL_IS_LAST_ROW: u32 = 1u;
const SPECIAL_IS_TRANSITION: u32 = 2u;
const SPECIAL_PUBLIC: u32 = 3u;

fn operand_tag(word: u32) -> u32 {
    return word >> 30u;
}

// A slot's or constant's index.
fn operand_index(word: u32) -> u32 {
    return word & 0x3fffffffu;
}

fn var_partition(word: u32) -> u32 {
    return (word >> 24u) & 0x1fu;
}

fn var_column(word: u32) -> u32 {
    return word & 0xffffffu;
}

// 1 when the variable reads the next row.
fn var_next(word: u32) -> u32 {
    return (word >> 29u) & 1u;
}

fn special_kind(word: u32) -> u32 {
    return (word >> 28u) & 3u;
}

fn public_index(word: u32) -> u32 {
    return word & 0x0fffffffu;
}

// The constraint-program interpreter (src/constraint_program.rs describes the encoding): one
// invocation per row runs every instruction of an AIR's compiled program and writes each output
// (constraints, interaction counts and message fields) of its row to out[o * total_rows + r]
// (r the row's index among those evaluated). A dispatch runs rows row_offset .. row_offset +
// row_count, within the per-dispatch work budget.
//
// Virtual-row mode (entry point main_virtual, zerocheck round 0): the rows are not trace rows
// but points of cosets of the skip domain, whose interpolated trace columns and selectors
// zerocheck_round0_expand wrote to a buffer bound as trace0 (see virtual_operand). A separate
// entry point, so that the row interpreter's pipeline stays as it was.
//
// A dispatch runs the program's instructions pc_start..pc_end: a program longer than an
// invocation may loop runs in pieces (src/constraint_program.rs, DeviceConstraintProgram::pieces).
//
// Slots below FAST_SLOTS live in this invocation's column of a workgroup-memory table
// (slot-major); the rest spill to `scratch`, slot-major across the whole grid. Trace columns
// come from up to four column-major chunk buffers; values[2p], values[2p + 1] give partition p's
// first chunk binding and columns per chunk.
#import babybear
#import grid
#import trace_chunks
#import constraint_encoding

override WORKGROUP_SIZE: u32;
// Slots per invocation in workgroup memory, and FAST_SLOTS * WORKGROUP_SIZE.
override FAST_SLOTS: u32;
override FAST_WORDS: u32;

struct Params {
    row_start: u32,
    row_count: u32,
    row_offset: u32,
    total_rows: u32,
    height: u32,
    pc_start: u32,
    pc_end: u32,
    const_base: u32,
    public_base: u32,
    scratch_stride: u32,
    workgroup_base: u32,
    vmap_base: u32,
    next_stride: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> program: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> values: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<storage, read_write> scratch: array<u32>;
@group(0) @binding(4) var<storage, read> trace0: array<u32>;
@group(0) @binding(5) var<storage, read> trace1: array<u32>;
@group(0) @binding(6) var<storage, read> trace2: array<u32>;
@group(0) @binding(7) var<storage, read> trace3: array<u32>;
@group(0) @binding(8) var<uniform> params: Params;

var<workgroup> fast: array<u32, FAST_WORDS>;


fn slot_load(slot: u32, lid: u32, gid: u32) -> u32 {
    if (slot < FAST_SLOTS) {
        return fast[slot * WORKGROUP_SIZE + lid];
    }
    return scratch[(slot - FAST_SLOTS) * params.scratch_stride + gid];
}

fn slot_store(slot: u32, lid: u32, gid: u32, v: u32) {
    if (slot < FAST_SLOTS) {
        fast[slot * WORKGROUP_SIZE + lid] = v;
    } else {
        scratch[(slot - FAST_SLOTS) * params.scratch_stride + gid] = v;
    }
}

fn operand(word: u32, row: u32, lid: u32, gid: u32) -> u32 {
    let tag = operand_tag(word);
    switch tag {
        case TAG_SLOT: {
            return slot_load(operand_index(word), lid, gid);
        }
        case TAG_CONST: {
            return values[params.const_base + (operand_index(word))];
        }
        case TAG_VAR: {
            let part = var_partition(word);
            let column = var_column(word);
            var r = row;
            if ((var_next(word)) == 1u) {
                r = select(row + 1u, 0u, row + 1u == params.height);
            }
            let first_chunk = values[2u * part];
            let per_chunk = values[2u * part + 1u];
            return trace_word(first_chunk + column / per_chunk, (column % per_chunk) * params.height + r);
        }
        default: {
            let kind = special_kind(word);
            if (kind == SPECIAL_IS_FIRST_ROW) {
                return select(0u, BB_ONE, row == 0u);
            }
            if (kind == SPECIAL_IS_LAST_ROW) {
                return select(0u, BB_ONE, row + 1u == params.height);
            }
            if (kind == SPECIAL_IS_TRANSITION) {
                return select(BB_ONE, 0u, row + 1u == params.height);
            }
            return values[params.public_base + (public_index(word))];
        }
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (i >= params.row_count) {
        return;
    }
    let row = params.row_start + params.row_offset + i;
    let lid = inv.lid;
    for (var pc = params.pc_start; pc < params.pc_end; pc++) {
        let ins = program[pc];
        let a = operand(ins.z, row, lid, i);
        switch ins.x {
            case OP_ADD: {
                slot_store(ins.y, lid, i, bb_add(a, operand(ins.w, row, lid, i)));
            }
            case OP_SUB: {
                slot_store(ins.y, lid, i, bb_sub(a, operand(ins.w, row, lid, i)));
            }
            case OP_MUL: {
                slot_store(ins.y, lid, i, bb_mul(a, operand(ins.w, row, lid, i)));
            }
            case OP_NEG: {
                slot_store(ins.y, lid, i, bb_neg(a));
            }
            default: {
                out[ins.y * params.total_rows + params.row_offset + i] = a;
            }
        }
    }
}

// Virtual-row mode: an operand at virtual row i. Trace variables and selectors are read from the
// virtual columns bound as trace0 (column-major, total_rows rows each): selectors at columns
// 0 (is_first_row), 1 (is_last_row), 2 (is_transition); variable (partition p, column c, row
// offset o) at column values[vmap_base + p] + c * next_stride + o.
fn virtual_operand(word: u32, i: u32, lid: u32) -> u32 {
    let tag = operand_tag(word);
    if (tag == TAG_SLOT) {
        return slot_load(operand_index(word), lid, i);
    }
    if (tag == TAG_CONST) {
        return values[params.const_base + (operand_index(word))];
    }
    if (tag == TAG_VAR) {
        let part = var_partition(word);
        let column = var_column(word);
        let offset = var_next(word);
        let vcol = values[params.vmap_base + part] + column * params.next_stride + offset;
        return trace_word(0u, vcol * params.total_rows + params.row_offset + i);
    }
    let kind = special_kind(word);
    if (kind == SPECIAL_PUBLIC) {
        return values[params.public_base + (public_index(word))];
    }
    // (Through trace_word, so that the entry point binds the same buffers as main.)
    return trace_word(0u, kind * params.total_rows + params.row_offset + i);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main_virtual(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (i >= params.row_count) {
        return;
    }
    let lid = inv.lid;
    for (var pc = params.pc_start; pc < params.pc_end; pc++) {
        let ins = program[pc];
        let a = virtual_operand(ins.z, i, lid);
        switch ins.x {
            case OP_ADD: {
                slot_store(ins.y, lid, i, bb_add(a, virtual_operand(ins.w, i, lid)));
            }
            case OP_SUB: {
                slot_store(ins.y, lid, i, bb_sub(a, virtual_operand(ins.w, i, lid)));
            }
            case OP_MUL: {
                slot_store(ins.y, lid, i, bb_mul(a, virtual_operand(ins.w, i, lid)));
            }
            case OP_NEG: {
                slot_store(ins.y, lid, i, bb_neg(a));
            }
            default: {
                out[ins.y * params.total_rows + params.row_offset + i] = a;
            }
        }
    }
}

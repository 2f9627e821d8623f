// The constraint-program interpreter in the extension field (src/constraint_program.rs
// describes the encoding; shaders/constraint_eval.wgsl is the base-field form), for the
// zerocheck's multilinear rounds (src/zerocheck_mle.rs): one invocation per (x, y) with
// x = x_first + i / num_y, y = i % num_y. Every trace variable and selector is an AIR's folded
// column (extension elements, `height` rows), read as the multilinear interpolation
// t(x, y) = t[2y] + x (t[2y + 1] - t[2y]) (or t[0] when height is 1). The columns are split
// over up to four chunk bindings (`folded0` .. `folded3`, shared/folded_chunks.wgsl), each
// column-major with `columns_per_chunk` whole columns (the last chunk fewer), so that an AIR
// wider than one binding allows is read in place.
//
// The program is split into parts (src/constraint_program.rs, SplitProgram; the unsplit
// program is one part), part k the instructions from table_word(part_base + k) to
// table_word(part_base + k + 1); invocation i runs group g = i / (num_x num_y) of parts_per_group
// consecutive parts for its (x, y), so several invocations share one point when points are few.
// A dispatch runs groups group_offset .. group_offset + dispatch_groups: all of them at once, or,
// for a program cut into chained pieces (src/constraint_program.rs, DeviceConstraintProgram::
// pieces; every slot then in scratch, FAST_SLOTS = 0), one piece per dispatch in order, each
// piece's sums a group of their own. It covers y_offset .. y_offset + y_count of the num_y
// values of y, within the per-dispatch work budget.
//
// Up to three weighted sums of its outputs, each times eq at y (element eq_base + y), go to
// out[((y * num_groups + g) * num_x + (x - x_first)) * num_sums + s], rows that
// ext_column_sums adds: s = 0 the
// constraints (outputs below num_constraints) with their weights (λ's powers); with LogUp
// (num_sums = 3) s = 1 the interaction counts and s = 2 the message fields, each with its
// weight (eq(ξ, b) and a power of β), the latter plus the constant weight num_outputs (the
// denominators' β^len (bus + 1) terms). Target word k (from target_base) says whether
// interaction output num_constraints + k is a count (1) or a message field (2).
//
// Slots below FAST_SLOTS live in this invocation's column of a workgroup-memory table of
// extension elements; the rest spill to `scratch`, slot-major across the whole grid. `tables`
// is one AIR's constant data in one binding (leaving four for the folded columns within
// WebGPU's eight storage buffers): words (read through table_word) holding the partition table
// (first folded column and width per partition), the constants, the public values (base
// field), the interaction outputs' targets and the programs' part starts; then from element
// weight_base the weights (one per output, then the denominators' constant), and eq's table
// at eq_base.
#import babybear_ext4
#import grid
#import constraint_encoding
#import folded_chunks

override WORKGROUP_SIZE: u32;
// Slots per invocation in workgroup memory, and FAST_SLOTS * WORKGROUP_SIZE.
override FAST_SLOTS: u32;
override FAST_WORDS: u32;

struct Params {
    num_constraints: u32,
    height: u32,
    num_y: u32,
    num_x: u32,
    x_first: u32,
    eq_base: u32,
    const_base: u32,
    public_base: u32,
    scratch_stride: u32,
    workgroup_base: u32,
    num_sums: u32,
    num_outputs: u32,
    target_base: u32,
    part_base: u32,
    num_parts: u32,
    parts_per_group: u32,
    num_groups: u32,
    columns_per_chunk: u32,
    weight_base: u32,
    group_offset: u32,
    dispatch_groups: u32,
    y_offset: u32,
    y_count: u32,
    _pad0: u32,
}

@group(0) @binding(0) var<storage, read> program: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> tables: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> scratch: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> folded0: array<vec4<u32>>;
@group(0) @binding(5) var<storage, read> folded1: array<vec4<u32>>;
@group(0) @binding(6) var<storage, read> folded2: array<vec4<u32>>;
@group(0) @binding(7) var<storage, read> folded3: array<vec4<u32>>;
@group(0) @binding(8) var<uniform> params: Params;

var<workgroup> fast: array<vec4<u32>, FAST_WORDS>;

fn slot_load(slot: u32, lid: u32, gid: u32) -> vec4<u32> {
    if (slot < FAST_SLOTS) {
        return fast[slot * WORKGROUP_SIZE + lid];
    }
    return scratch[(slot - FAST_SLOTS) * params.scratch_stride + gid];
}

fn slot_store(slot: u32, lid: u32, gid: u32, v: vec4<u32>) {
    if (slot < FAST_SLOTS) {
        fast[slot * WORKGROUP_SIZE + lid] = v;
    } else {
        scratch[(slot - FAST_SLOTS) * params.scratch_stride + gid] = v;
    }
}

// Word `index` of the tables.
fn table_word(index: u32) -> u32 {
    return tables[index >> 2u][index & 3u];
}

// Folded column `col` at (x, y), x in Montgomery form.
fn column_at(col: u32, x: u32, y: u32) -> vec4<u32> {
    let chunk = col / params.columns_per_chunk;
    let start = (col % params.columns_per_chunk) * params.height;
    if (params.height == 1u) {
        return folded_element(chunk, start);
    }
    let t0 = folded_element(chunk, start + 2u * y);
    let t1 = folded_element(chunk, start + 2u * y + 1u);
    return ext_add(t0, ext_mul_base(ext_sub(t1, t0), x));
}

fn operand(word: u32, x: u32, y: u32, lid: u32, gid: u32) -> vec4<u32> {
    let tag = operand_tag(word);
    if (tag == TAG_SLOT) {
        return slot_load(operand_index(word), lid, gid);
    }
    if (tag == TAG_CONST) {
        return ext_from_base(table_word(params.const_base + operand_index(word)));
    }
    if (tag == TAG_VAR) {
        let part = var_partition(word);
        let column = var_column(word);
        let offset = var_next(word);
        let col = table_word(2u * part) + offset * table_word(2u * part + 1u) + column;
        return column_at(col, x, y);
    }
    let kind = special_kind(word);
    if (kind == SPECIAL_PUBLIC) {
        return ext_from_base(table_word(params.public_base + public_index(word)));
    }
    // Folded selectors: columns 0 is_first_row, 1 is_transition, 2 is_last_row (upstream's
    // order).
    var sel = 0u;
    if (kind == SPECIAL_IS_LAST_ROW) {
        sel = 2u;
    } else if (kind == SPECIAL_IS_TRANSITION) {
        sel = 1u;
    }
    return column_at(sel, x, y);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    let per_group = params.num_x * params.y_count;
    if (i >= per_group * params.dispatch_groups) {
        return;
    }
    let lid = inv.lid;
    let g = params.group_offset + i / per_group;
    let xi = (i % per_group) / params.y_count;
    let y = params.y_offset + i % params.y_count;
    let first_part = g * params.parts_per_group;
    let pc_start = table_word(params.part_base + first_part);
    let pc_end = table_word(params.part_base + min(first_part + params.parts_per_group, params.num_parts));
    // x in Montgomery form (x is at most the constraint degree).
    var x = 0u;
    for (var k = 0u; k < params.x_first + xi; k++) {
        x = bb_add(x, BB_ONE);
    }
    var acc = vec4<u32>(0u);
    var numer = vec4<u32>(0u);
    var denom = vec4<u32>(0u);
    let logup = params.num_sums == 3u;
    if (logup && g == 0u) {
        denom = tables[params.weight_base + params.num_outputs];
    }
    for (var pc = pc_start; pc < pc_end; pc++) {
        let ins = program[pc];
        let a = operand(ins.z, x, y, lid, i);
        switch ins.x {
            case OP_ADD: {
                slot_store(ins.y, lid, i, ext_add(a, operand(ins.w, x, y, lid, i)));
            }
            case OP_SUB: {
                slot_store(ins.y, lid, i, ext_sub(a, operand(ins.w, x, y, lid, i)));
            }
            case OP_MUL: {
                slot_store(ins.y, lid, i, ext_mul(a, operand(ins.w, x, y, lid, i)));
            }
            case OP_NEG: {
                slot_store(ins.y, lid, i, ext_sub(vec4<u32>(0u), a));
            }
            default: {
                // An output: a constraint, or with LogUp an interaction's count or field.
                if (ins.y < params.num_constraints) {
                    acc = ext_add(acc, ext_mul(tables[params.weight_base + ins.y], a));
                } else if (logup) {
                    let w = ext_mul(tables[params.weight_base + ins.y], a);
                    if (table_word(params.target_base + ins.y - params.num_constraints) == 1u) {
                        numer = ext_add(numer, w);
                    } else {
                        denom = ext_add(denom, w);
                    }
                }
            }
        }
    }
    let e = tables[params.eq_base + y];
    let at = ((y * params.num_groups + g) * params.num_x + xi) * params.num_sums;
    out[at] = ext_mul(e, acc);
    if (logup) {
        out[at + 1u] = ext_mul(e, numer);
        out[at + 2u] = ext_mul(e, denom);
    }
}

// LogUp's GKR input layer (upstream's prove_zerocheck_and_logup): the constraint_eval outputs of
// one AIR's interactions, on a chunk of rows, become fractions (p, q) of extension elements in
// upstream's `Frac` layout (p at 2f, q at 2f + 1):
//   p = count * norm,   q = (beta^len (bus + 1) + alpha) + sum_m beta^m message_m,
// where norm = 1 / reps undoes the lifting of a trace shorter than 2^l_skip (its fractions are
// repeated reps times). Fraction (interaction k, copy c, row r) lands at
//   start_k + c * height + r, where start_k is the interaction's slice in upstream's layout.
// Invocations past `num_fracs` write the padding (0, alpha) at out_base + (j - num_fracs).
//
// `values` is the constraint program's output-major values on rows row_start .. row_start + rows
// (`values[o * rows + i]`). `table` holds alpha at 0, beta^m at 1 + m, and per interaction two
// entries from table_base + 2k: (count output, first message output, message length, start_k) and the
// constant beta^len (bus + 1) + alpha.
#import grid
#import babybear_ext4

override WORKGROUP_SIZE: u32;

struct Params {
    count: u32,
    num_fracs: u32,
    rows: u32,
    row_start: u32,
    height: u32,
    lifted: u32,
    out_base: u32,
    table_base: u32,
    norm: u32,
    workgroup_base: u32,
    // Fractions per part of a layer over several bindings (fraction f in part f / part_len).
    part_len: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> values: array<u32>;
@group(0) @binding(1) var<storage, read> table: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> out_0: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> out_1: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read_write> out_2: array<vec4<u32>>;
@group(0) @binding(5) var<storage, read_write> out_3: array<vec4<u32>>;
@group(0) @binding(6) var<uniform> params: Params;

fn put(f: u32, p: vec4<u32>, q: vec4<u32>) {
    let part = f / params.part_len;
    let at = 2u * (f - part * params.part_len);
    switch part {
        case 0u: { out_0[at] = p; out_0[at + 1u] = q; }
        case 1u: { out_1[at] = p; out_1[at + 1u] = q; }
        case 2u: { out_2[at] = p; out_2[at + 1u] = q; }
        default: { out_3[at] = p; out_3[at + 1u] = q; }
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let j = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (j >= params.count) {
        return;
    }
    if (j >= params.num_fracs) {
        put(params.out_base + (j - params.num_fracs), vec4<u32>(0u, 0u, 0u, 0u), table[0]);
        return;
    }
    // j = (k * reps + c) * rows + i, reps = lifted / height copies of each row.
    let i = j % params.rows;
    let kc = j / params.rows;
    let reps = params.lifted / params.height;
    let c = kc % reps;
    let k = kc / reps;
    let rec = table[params.table_base + 2u * k];
    let p = ext_from_base(bb_mul(values[rec.x * params.rows + i], params.norm));
    var q = table[params.table_base + 2u * k + 1u];
    for (var m = 0u; m < rec.z; m = m + 1u) {
        q = ext_add(q, ext_mul_base(table[1u + m], values[(rec.y + m) * params.rows + i]));
    }
    put(rec.w + c * params.height + params.row_start + i, p, q);
}

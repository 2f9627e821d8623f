// What every trace-generation kernel shares: one invocation per trace row, its record read from
// the uploaded record arena (upstream's record structs, byte for byte), its columns written
// into a column-major trace. Record field offsets and column indices are not written here: they
// are generated from upstream's `#[repr(C)]` record and column structs (`offset_of!`) and
// prepended to each kernel as `REC_*` and `COL_*` constants (src/tracegen/kernel.rs).
#import babybear
#import grid
#import field_int

struct TraceParams {
    // Trace rows (a power of two; rows past the records stay zero unless a chip pads them).
    height: u32,
    // Records in this dispatch's record buffer and the trace row of its first record.
    records: u32,
    first_row: u32,
    // Words per record (records are whole words apart).
    record_words: u32,
    // This dispatch writes columns first_column .. first_column + columns, which its output
    // buffer holds column-major; lookups are counted only by the dispatch of column 0, so a
    // trace split over several buffers counts each row once.
    first_column: u32,
    columns: u32,
    range_max_bits: u32,
    timestamp_max_bits: u32,
    pointer_max_bits: u32,
    // Sizes of the range-tuple checker's two dimensions.
    tuple_size0: u32,
    tuple_size1: u32,
    workgroup_base: u32,
}

@group(0) @binding(0) var<storage, read> records: array<u32>;
@group(0) @binding(1) var<storage, read_write> trace: array<u32>;

// The row this invocation fills and the first word of its record.
var<private> trace_row: u32;
var<private> record_base: u32;


fn rec_u32(byte: u32) -> u32 {
    return records[record_base + byte / 4u];
}

fn rec_u8(byte: u32) -> u32 {
    return (records[record_base + byte / 4u] >> ((byte % 4u) * 8u)) & 0xffu;
}

fn rec_u16(byte: u32) -> u32 {
    return (records[record_base + byte / 4u] >> ((byte % 4u) * 8u)) & 0xffffu;
}

// The four bytes at `byte` (any alignment) as a little-endian u32.
fn rec_bytes4(byte: u32) -> u32 {
    return rec_u8(byte) | (rec_u8(byte + 1u) << 8u) | (rec_u8(byte + 2u) << 16u) | (rec_u8(byte + 3u) << 24u);
}

// Byte limb i of a word, least significant first.
fn limb(x: u32, i: u32) -> u32 {
    return (x >> (8u * i)) & 0xffu;
}

// The field element of a small signed integer.
fn signed_field(x: i32) -> u32 {
    if (x < 0) {
        return bb_neg(bb_from_u32(u32(-x)));
    }
    return bb_from_u32(u32(x));
}

// A most significant byte limb as a signed integer when `is_signed` (upstream's *_msb_f), and
// the value its range check takes: shifted by 128 into [0, 256) when signed.
struct SignedMsb {
    value: i32,
    range: u32,
}

fn signed_msb(msb: u32, is_signed: bool) -> SignedMsb {
    if (is_signed && (msb >> 7u) == 1u) {
        return SignedMsb(i32(msb) - 256, msb - 128u);
    }
    return SignedMsb(i32(msb), msb + select(0u, 128u, is_signed));
}

fn counting() -> bool {
    return params.first_column == 0u;
}

// Writes a field element (Montgomery form) at column `col` of this row, if this dispatch holds it.
fn put(col: u32, value: u32) {
    if (col >= params.first_column && col < params.first_column + params.columns) {
        trace[(col - params.first_column) * params.height + trace_row] = value;
    }
}

// Writes the integer `x` as a field element.
fn put_u32(col: u32, x: u32) {
    put(col, bb_from_u32(x));
}

// Sets this invocation's row and record; false past the last record of the dispatch.
fn begin_row(inv: Invocation, workgroup_size: u32) -> bool {
    let i = global_invocation(inv, params.workgroup_base, workgroup_size);
    if (i >= params.records) {
        return false;
    }
    trace_row = params.first_row + i;
    record_base = i * params.record_words;
    return true;
}

// Writes the four byte limbs of `x` at columns col .. col + 3, least significant first.
fn put_word_limbs(col: u32, x: u32) {
    for (var i = 0u; i < 4u; i++) {
        put_u32(col + i, limb(x, i));
    }
}

// Writes the four record bytes at `byte` as limbs at columns col .. col + 3.
fn put_rec_limbs(col: u32, byte: u32) {
    for (var i = 0u; i < 4u; i++) {
        put_u32(col + i, rec_u8(byte + i));
    }
}

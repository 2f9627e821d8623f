// Writing the memory chips' traces: column chunk first_column .. first_column + columns of a
// column-major trace of `height` rows is bound as `trace`.

fn put_at(row: u32, col: u32, value: u32) {
    if (col >= params.first_column && col < params.first_column + params.columns) {
        trace[(col - params.first_column) * params.height + row] = value;
    }
}

fn put_digest(row: u32, col: u32, d: array<u32, 8>) {
    for (var k = 0u; k < DIGEST; k++) {
        put_at(row, col + k, d[k]);
    }
}

// -1 in Montgomery form.
const BB_NEG_ONE: u32 = 0x68000003u;

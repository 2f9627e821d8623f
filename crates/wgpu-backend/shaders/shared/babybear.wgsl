// BabyBear, p = 2^31 - 2^27 + 1, in Montgomery form with R = 2^32: the same 32-bit words
// Plonky3 stores, so host slices upload unchanged. Every value is kept in [0, p).

const BB_P: u32 = 0x78000001u;
// p^-1 mod 2^32, for Montgomery reduction.
const BB_MU: u32 = 0x88000001u;
// R mod p: the Montgomery form of 1.
const BB_ONE: u32 = 0x0ffffffeu;

fn bb_add(a: u32, b: u32) -> u32 {
    // a, b < p < 2^31: the sum cannot wrap.
    let s = a + b;
    return select(s, s - BB_P, s >= BB_P);
}

fn bb_sub(a: u32, b: u32) -> u32 {
    let d = a - b;
    return select(d, d + BB_P, a < b);
}

fn bb_neg(a: u32) -> u32 {
    return select(BB_P - a, 0u, a == 0u);
}

// (x / 2^32) mod p for x < p * 2^32.
fn bb_monty_reduce(x: u64) -> u32 {
    let t = u32(x) * BB_MU;
    let u = u64(t) * u64(BB_P);
    let hi = u32((x - u) >> 32u);
    return select(hi, hi + BB_P, x < u);
}

fn bb_mul(a: u32, b: u32) -> u32 {
    return bb_monty_reduce(u64(a) * u64(b));
}

fn bb_square(a: u32) -> u32 {
    return bb_mul(a, a);
}

fn bb_double(a: u32) -> u32 {
    return bb_add(a, a);
}

// a^e by square-and-multiply.
fn bb_pow(a: u32, e: u32) -> u32 {
    var base = a;
    var acc = BB_ONE;
    var k = e;
    while (k != 0u) {
        if ((k & 1u) != 0u) {
            acc = bb_mul(acc, base);
        }
        base = bb_mul(base, base);
        k = k >> 1u;
    }
    return acc;
}

// a^(p-2) = a^-1 (0 maps to 0).
fn bb_inv(a: u32) -> u32 {
    return bb_pow(a, BB_P - 2u);
}

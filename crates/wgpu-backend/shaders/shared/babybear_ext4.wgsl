// The degree-4 binomial extension of BabyBear, x^4 = 11 (Plonky3's BinomialExtensionField<BabyBear, 4>):
// coefficients of 1, x, x^2, x^3, each a Montgomery-form base element.
#import babybear

// 11 in Montgomery form (11 * 2^32 mod p).
const EXT_W: u32 = 0x37ffffe9u;

fn ext_add(a: vec4<u32>, b: vec4<u32>) -> vec4<u32> {
    return vec4<u32>(bb_add(a.x, b.x), bb_add(a.y, b.y), bb_add(a.z, b.z), bb_add(a.w, b.w));
}

fn ext_sub(a: vec4<u32>, b: vec4<u32>) -> vec4<u32> {
    return vec4<u32>(bb_sub(a.x, b.x), bb_sub(a.y, b.y), bb_sub(a.z, b.z), bb_sub(a.w, b.w));
}

fn ext_mul_base(a: vec4<u32>, s: u32) -> vec4<u32> {
    return vec4<u32>(bb_mul(a.x, s), bb_mul(a.y, s), bb_mul(a.z, s), bb_mul(a.w, s));
}

fn ext_from_base(s: u32) -> vec4<u32> {
    return vec4<u32>(s, 0u, 0u, 0u);
}

// Schoolbook product; the terms of degree >= 4 wrap around multiplied by W = 11.
fn ext_mul(a: vec4<u32>, b: vec4<u32>) -> vec4<u32> {
    let c0 = bb_mul(a.x, b.x);
    let c1 = bb_add(bb_mul(a.x, b.y), bb_mul(a.y, b.x));
    let c2 = bb_add(bb_add(bb_mul(a.x, b.z), bb_mul(a.y, b.y)), bb_mul(a.z, b.x));
    let c3 = bb_add(bb_add(bb_mul(a.x, b.w), bb_mul(a.y, b.z)), bb_add(bb_mul(a.z, b.y), bb_mul(a.w, b.x)));
    let c4 = bb_add(bb_add(bb_mul(a.y, b.w), bb_mul(a.z, b.z)), bb_mul(a.w, b.y));
    let c5 = bb_add(bb_mul(a.z, b.w), bb_mul(a.w, b.z));
    let c6 = bb_mul(a.w, b.w);
    return vec4<u32>(
        bb_add(c0, bb_mul(c4, EXT_W)),
        bb_add(c1, bb_mul(c5, EXT_W)),
        bb_add(c2, bb_mul(c6, EXT_W)),
        c3,
    );
}

// Integers as field elements, for the trace-generation kernels.
#import babybear

// R^2 mod p: multiplying by it and reducing puts an integer in Montgomery form.
const BB_R2: u32 = 0x45dddde3u;

// The field element of an integer (any u32, reduced mod p), in the device's Montgomery form.
fn bb_from_u32(x: u32) -> u32 {
    return bb_monty_reduce(u64(x) * u64(BB_R2));
}

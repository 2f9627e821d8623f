//! BabyBear values as the 32-bit Montgomery words the GPU works on.

use openvm_wgpu_common::GpuError;
use p3_baby_bear::BabyBear;
use p3_field::extension::BinomialExtensionField;

pub type F = BabyBear;
pub type EF = BinomialExtensionField<BabyBear, 4>;

/// The Montgomery words of `xs`, without copying.
pub fn as_words(xs: &[F]) -> &[u32] {
    // SAFETY: `BabyBear` is `#[repr(transparent)]` over its u32 Montgomery value.
    unsafe { std::slice::from_raw_parts(xs.as_ptr() as *const u32, xs.len()) }
}

/// The Montgomery words of extension elements, four per element.
pub fn ext_as_words(xs: &[EF]) -> &[u32] {
    // SAFETY: `BinomialExtensionField<BabyBear, 4>` is `#[repr(transparent)]` over `[BabyBear; 4]`.
    unsafe { std::slice::from_raw_parts(xs.as_ptr() as *const u32, xs.len() * 4) }
}

/// The four Montgomery words of one extension element (a WGSL `vec4<u32>`).
pub fn ext_words(x: EF) -> [u32; 4] {
    let w = ext_as_words(std::slice::from_ref(&x));
    [w[0], w[1], w[2], w[3]]
}

/// Field elements from Montgomery words read back from the GPU.
///
/// Kernels keep every value in `[0, p)`; a word outside it means the device computed a wrong
/// value (a kernel bug or a device fault), which is an error, never reduced or trusted.
pub fn from_words(ws: Vec<u32>) -> Result<Vec<F>, GpuError> {
    const P: u32 = 0x7800_0001;
    if let Some((i, w)) = ws.iter().enumerate().find(|(_, &w)| w >= P) {
        return Err(GpuError::invalid(
            "reading field elements from the GPU",
            format!("word {i} of {} is {w:#x}, not a canonical BabyBear value: the device computed a wrong value", ws.len()),
        ));
    }
    let mut ws = std::mem::ManuallyDrop::new(ws);
    // SAFETY: same layout as u32 (repr(transparent)), every word is a canonical Montgomery value,
    // and the allocation is handed over with its original length and capacity.
    Ok(unsafe { Vec::from_raw_parts(ws.as_mut_ptr() as *mut F, ws.len(), ws.capacity()) })
}

/// Extension elements from words read back from the GPU, four per element (see [`from_words`]).
pub fn ext_from_words(ws: Vec<u32>) -> Result<Vec<EF>, GpuError> {
    let base = from_words(ws)?;
    Ok(base
        .chunks_exact(4)
        .map(|c| {
            let mut e = [F::default(); 4];
            e.copy_from_slice(c);
            // SAFETY: repr(transparent) over [BabyBear; 4].
            unsafe { std::mem::transmute::<[F; 4], EF>(e) }
        })
        .collect())
}

/// The Montgomery word of one element.
pub fn word(x: F) -> u32 {
    as_words(std::slice::from_ref(&x))[0]
}

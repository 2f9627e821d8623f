//! BabyBear values as the 32-bit Montgomery words the GPU works on.

use openvm_wgpu_common::{GpuBuffer, GpuError};
use p3_baby_bear::BabyBear;
use p3_field::extension::BinomialExtensionField;

pub type F = BabyBear;
pub type EF = BinomialExtensionField<BabyBear, 4>;

/// The modulus: every word a kernel writes lies below it.
const P: u32 = 0x7800_0001;

/// One extension element as the GPU stores it: its four Montgomery words, a WGSL `vec4<u32>`.
/// Device buffers of extension elements are [`ExtBuffer`]s, so their lengths and offsets count
/// elements, not words.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Ext4(pub [u32; 4]);

/// A device buffer of extension elements.
pub type ExtBuffer = GpuBuffer<Ext4>;

impl Ext4 {
    /// Zero (zero's Montgomery form is the word 0).
    pub const ZERO: Ext4 = Ext4([0; 4]);
}

impl From<EF> for Ext4 {
    fn from(x: EF) -> Self {
        Ext4(ext_words(x))
    }
}

impl TryFrom<Ext4> for EF {
    type Error = GpuError;

    /// The element, refused when a word is not canonical (see [`from_words`]).
    fn try_from(x: Ext4) -> Result<Self, GpuError> {
        Ok(from_ext4s(vec![x])?[0])
    }
}

/// Extension elements as the GPU stores them, without copying.
pub fn as_ext4s(xs: &[EF]) -> &[Ext4] {
    // SAFETY: `BinomialExtensionField<BabyBear, 4>` is `#[repr(transparent)]` over `[BabyBear; 4]`,
    // `BabyBear` over its u32 Montgomery value, and `Ext4` over `[u32; 4]`.
    unsafe { std::slice::from_raw_parts(xs.as_ptr() as *const Ext4, xs.len()) }
}

/// Extension elements read back from the GPU, every word checked canonical as
/// [`from_words`] checks them.
pub fn from_ext4s(xs: Vec<Ext4>) -> Result<Vec<EF>, GpuError> {
    if let Some((i, x)) = xs.iter().enumerate().find(|(_, x)| x.0.iter().any(|&w| w >= P)) {
        return Err(GpuError::invalid(
            "reading extension elements from the GPU",
            format!("element {i} of {} is {:x?}, not canonical BabyBear values: the device computed a wrong value", xs.len(), x.0),
        ));
    }
    let mut xs = std::mem::ManuallyDrop::new(xs);
    // SAFETY: same size and alignment as `Ext4` (see `as_ext4s`), every word is a canonical
    // Montgomery value, and the allocation is handed over with its original length and capacity.
    Ok(unsafe { Vec::from_raw_parts(xs.as_mut_ptr() as *mut EF, xs.len(), xs.capacity()) })
}

/// The Montgomery words of `xs`, without copying.
pub fn as_words(xs: &[F]) -> &[u32] {
    // SAFETY: `BabyBear` is `#[repr(transparent)]` over its u32 Montgomery value.
    unsafe { std::slice::from_raw_parts(xs.as_ptr() as *const u32, xs.len()) }
}

/// The Montgomery words of extension elements, four per element (for word buffers that mix
/// base-field words and extension elements; an [`ExtBuffer`] takes [`as_ext4s`]).
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

#[cfg(test)]
mod tests {
    use p3_field::{BasedVectorSpace, PrimeCharacteristicRing};

    use super::*;

    /// An extension element is its four Montgomery words in order, on the host and as the GPU
    /// stores it; a word outside [0, p) read back is refused.
    #[test]
    fn ext4_is_the_elements_words_and_refuses_non_canonical_ones() {
        let xs: Vec<EF> = (0..5u32).map(|i| EF::from_basis_coefficients_fn(|c| F::from_u32(7 * i + c as u32) - F::ONE)).collect();
        let ext: Vec<Ext4> = xs.iter().map(|&x| Ext4::from(x)).collect();
        assert_eq!(as_ext4s(&xs), &ext[..]);
        assert_eq!(bytemuck::cast_slice::<Ext4, u32>(&ext), ext_as_words(&xs));
        assert_eq!(Ext4::from(EF::ZERO), Ext4::ZERO);
        assert_eq!(from_ext4s(ext.clone()).unwrap(), xs);
        assert_eq!(EF::try_from(ext[3]).unwrap(), xs[3]);
        let mut bad = ext;
        bad[2].0[1] = P;
        assert!(from_ext4s(bad.clone()).is_err());
        assert!(EF::try_from(bad[2]).is_err());
    }
}

//! The initial memory image of a segment, handed to upstream's memory chips.
//!
//! Upstream's CPU system copies the whole guest memory at the start of every segment
//! (`AddressMap::clone`: every page of every address space, touched or not, written into a fresh
//! mapping, on one thread). For a guest's 512 MiB address spaces that copy takes longer than the
//! segment's execution. The memory chips only read the image, and most of it is zero: a fresh
//! mapping is zero already, so only the non-zero pages are copied, in parallel.

use openvm_circuit::system::memory::online::{AddressMap, LinearMemory};
use openvm_stark_backend::p3_maybe_rayon::prelude::*;

/// Bytes compared and copied at a time (the host's page size).
const PAGE: usize = 4096;

/// A copy of `image`: fresh zero mappings of the same sizes, with the non-zero pages copied.
pub fn copy_nonzero_pages(image: &AddressMap) -> AddressMap {
    let mut copy: AddressMap = AddressMap::new(image.config.clone());
    for (dst, src) in copy.mem.iter_mut().zip(&image.mem) {
        dst.as_mut_slice().par_chunks_mut(PAGE).zip(src.as_slice().par_chunks(PAGE)).for_each(|(d, s)| {
            if s.iter().any(|&b| b != 0) {
                d.copy_from_slice(s);
            }
        });
    }
    copy
}

#[cfg(test)]
mod tests {
    use openvm_circuit::arch::MemoryConfig;

    use super::*;

    #[test]
    fn the_copy_equals_the_image() {
        let mut image: AddressMap = AddressMap::from_mem_config(&MemoryConfig::default());
        // Scattered bytes, a page boundary, the last byte of each address space.
        for mem in image.mem.iter_mut().filter(|m| m.size() > 0) {
            let n = mem.size();
            let bytes = mem.as_mut_slice();
            for (i, at) in [0, 1, PAGE - 1, PAGE, 3 * PAGE + 17, n / 2, n - 1].into_iter().enumerate() {
                bytes[at.min(n - 1)] = 1 + i as u8;
            }
        }
        let copy = copy_nonzero_pages(&image);
        assert_eq!(copy.config.len(), image.config.len());
        for (a, b) in copy.mem.iter().zip(&image.mem) {
            assert!(a.as_slice() == b.as_slice());
        }
    }
}

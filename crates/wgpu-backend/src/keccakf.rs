//! The keccakf AIR (Plonky3's `KeccakAir`) as the examples and benchmarks prove it, and its trace.

use openvm_stark_backend::PartitionedBaseAir;
use p3_air::{Air, AirBuilder, BaseAir, BaseAirWithPublicValues};
use p3_keccak_air::KeccakAir;
use p3_matrix::dense::RowMajorMatrix;
use rand::{rngs::StdRng, Rng, SeedableRng};

use crate::field::F;

/// Keccak-f[1600] permutations, one per 24 rows.
pub struct KeccakfAir(pub KeccakAir);

impl Default for KeccakfAir {
    fn default() -> Self {
        Self(KeccakAir {})
    }
}

impl<T> BaseAir<T> for KeccakfAir {
    fn width(&self) -> usize {
        BaseAir::<T>::width(&self.0)
    }
}
impl<T: p3_field::Field> BaseAirWithPublicValues<T> for KeccakfAir {}
impl<T: p3_field::Field> PartitionedBaseAir<T> for KeccakfAir {}
impl<AB: AirBuilder> Air<AB> for KeccakfAir {
    fn eval(&self, builder: &mut AB) {
        self.0.eval(builder);
    }
}

/// The trace of `perms` random permutations (seeded, so runs compare).
pub fn keccakf_trace(perms: usize, seed: u64) -> RowMajorMatrix<F> {
    let mut rng = StdRng::seed_from_u64(seed);
    let inputs: Vec<[u64; 25]> = (0..perms).map(|_| rng.random()).collect();
    p3_keccak_air::generate_trace_rows::<F>(inputs, 0)
}

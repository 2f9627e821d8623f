//! Whole proofs of AIRs we did not write: Plonky3's Blake3, Keccak and Poseidon2 (widths 16 and
//! 24) AIRs, and an AIR of one constraint with a chain of 120,000 operations (more instructions
//! than lavapipe runs in one invocation: every constraint interpreter, the base field's, round
//! 0's on virtual rows and the extension field's, runs it in chained pieces). Our proofs are
//! openvm-cpu-backend's, byte for byte (proof-of-work bits 0), and verify, under every limit
//! profile where the trace fits.

use crate::common;

use std::sync::Arc;

use crate::common::proofs::{assert_same_proof_as_cpu, P3Air};
use openvm_stark_backend::{
    prover::{AirProvingContext, ColMajorMatrix, ProvingContext},
    test_utils::{test_system_params_small, TestFixture},
    AirRef, SystemParams,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::BabyBearPoseidon2Config;
use openvm_wgpu_backend::{field::F, LimitProfile};
use p3_air::{Air, AirBuilder, BaseAir};
use p3_baby_bear::GenericPoseidon2LinearLayersBabyBear;
use p3_blake3_air::Blake3Air;
use p3_field::PrimeCharacteristicRing;
use p3_matrix::{dense::RowMajorMatrix, Matrix};
use p3_poseidon2_air::{Poseidon2Air, RoundConstants};

type SC = BabyBearPoseidon2Config;
type Ctx = common::rap::Ctx;

/// One AIR and its trace.
struct Fixture<A> {
    air: Arc<P3Air<A>>,
    trace: RowMajorMatrix<F>,
}

impl<A: Send + Sync + 'static> TestFixture<SC> for Fixture<A>
where
    P3Air<A>: openvm_stark_backend::AnyAir<SC>,
{
    fn airs(&self) -> Vec<AirRef<SC>> {
        vec![self.air.clone()]
    }

    fn generate_proving_ctx(&self) -> Ctx {
        ProvingContext::new(vec![(0, AirProvingContext::simple_no_pis(ColMajorMatrix::from_row_major(&self.trace)))])
    }
}

fn params() -> SystemParams {
    common::proofs::zero_pow(test_system_params_small(2, 8, 3))
}

#[test]
fn blake3_proves_identically() {
    let air = Blake3Air {};
    let trace = air.generate_trace_rows::<F>(8, 0);
    let fx = Fixture { air: Arc::new(P3Air(air)), trace };
    assert_same_proof_as_cpu(&fx, params(), &LimitProfile::ALL, "blake3, 8 hashes");
}

#[test]
fn poseidon2_widths_16_and_24_prove_identically() {
    type P16 = Poseidon2Air<F, GenericPoseidon2LinearLayersBabyBear, 16, 7, 1, 4, 13>;
    type P24 = Poseidon2Air<F, GenericPoseidon2LinearLayersBabyBear, 24, 7, 1, 4, 21>;
    let air = P16::new(RoundConstants::from_rng(&mut common::rng(1)));
    let trace = air.generate_trace_rows(16, 0);
    assert_same_proof_as_cpu(&Fixture { air: Arc::new(P3Air(air)), trace }, params(), &LimitProfile::ALL, "poseidon2 width 16");
    let air = P24::new(RoundConstants::from_rng(&mut common::rng(2)));
    let trace = air.generate_trace_rows(16, 0);
    assert_same_proof_as_cpu(&Fixture { air: Arc::new(P3Air(air)), trace }, params(), &LimitProfile::ALL, "poseidon2 width 24");
}

/// Columns x, y, z and one constraint: z = t_n with t_0 = x, t_(i+1) = c_i t_i + y, where the
/// c_i are distinct constants (two DAG nodes per step, degree 1 throughout).
struct ChainAir {
    steps: usize,
}

impl ChainAir {
    fn constant(i: usize) -> F {
        F::from_usize(i + 2)
    }

    fn trace(&self, rows: usize) -> RowMajorMatrix<F> {
        let mut rng = common::rng(3);
        let mut values = Vec::with_capacity(3 * rows);
        for _ in 0..rows {
            let xy = common::random_field(&mut rng, 2);
            let t = (0..self.steps).fold(xy[0], |t, i| t * Self::constant(i) + xy[1]);
            values.extend([xy[0], xy[1], t]);
        }
        RowMajorMatrix::new(values, 3)
    }
}

impl BaseAir<F> for ChainAir {
    fn width(&self) -> usize {
        3
    }
}

impl<AB: AirBuilder<F = F>> Air<AB> for ChainAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row = main.row_slice(0).expect("one row");
        let (x, y, z): (AB::Expr, AB::Expr, AB::Expr) = (row[0].clone().into(), row[1].clone().into(), row[2].clone().into());
        let t = (0..self.steps).fold(x, |t, i| t * Self::constant(i) + y.clone());
        builder.assert_zero(t - z);
    }
}

#[test]
fn a_constraint_of_a_long_chain_proves_identically() {
    // Upstream's expression trees recurse as deep as the chain: a large stack.
    std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(|| {
            let air = ChainAir { steps: 60_000 };
            let trace = air.trace(16);
            let fx = Fixture { air: Arc::new(P3Air(air)), trace };
            assert_same_proof_as_cpu(&fx, params(), &LimitProfile::ALL, "a chain of 120,000 operations");
        })
        .unwrap()
        .join()
        .unwrap();
}

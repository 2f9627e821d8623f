//! Whole proofs of random AIRs: random constraint DAGs (leaves of every kind, fan-in from any
//! earlier node, long chains) made valid by construction, with balanced interactions on random
//! buses. Every constraint interpreter runs them (LogUp's input layer on trace rows, round 0 on
//! virtual rows, the multilinear rounds in the extension field), under every limit profile; the
//! proofs are openvm-cpu-backend's, byte for byte (proof-of-work bits 0), and verify.
//! `OPENVM_WGPU_RANDOM_AIR_SEED` and `OPENVM_WGPU_RANDOM_AIR_CASES` run other and more cases.

use crate::common;

use std::sync::Arc;

use crate::common::proofs::assert_same_proof_as_cpu;
use openvm_stark_backend::{
    interaction::InteractionBuilder,
    prover::{AirProvingContext, ColMajorMatrix, ProvingContext},
    test_utils::{test_system_params_small, TestFixture},
    AirRef, PartitionedBaseAir, SystemParams,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::BabyBearPoseidon2Config;
use openvm_wgpu_backend::{field::F, LimitProfile};
use p3_air::{Air, AirBuilderWithPublicValues, BaseAir, BaseAirWithPublicValues};
use p3_field::{PrimeCharacteristicRing, PrimeField32};
use p3_matrix::{dense::RowMajorMatrix, Matrix};
use rand::{rngs::StdRng, Rng};

type SC = BabyBearPoseidon2Config;

#[derive(Clone, Copy, Debug)]
enum Node {
    Var { column: usize, next: bool },
    IsFirstRow,
    IsLastRow,
    IsTransition,
    Constant(F),
    Public(usize),
    Add(usize, usize),
    Sub(usize, usize),
    Mul(usize, usize),
    Neg(usize),
}

/// An AIR over `data` random columns: node `constraints[k]` minus column `data + k` is
/// constraint k (the columns past the data hold the nodes' values, so every row satisfies
/// them), and each interaction is sent and received with counts c and -c, so they balance.
#[derive(Clone, Debug)]
struct RandomAir {
    data: usize,
    public_values: usize,
    nodes: Vec<Node>,
    constraints: Vec<usize>,
    /// (bus, message nodes, count node).
    interactions: Vec<(u16, Vec<usize>, usize)>,
}

impl RandomAir {
    /// Nodes of degree at most 2 (so constraints stay within the parameters' degree): leaves
    /// of every kind first, then `arithmetic` nodes reading the node before or any earlier one,
    /// then a chain of `chain` additions and subtractions.
    fn random(rng: &mut StdRng, data: usize, arithmetic: usize, chain: usize, constraints: usize, interactions: usize) -> Self {
        let public_values = rng.random_range(0..3);
        let mut nodes = Vec::new();
        let mut degree = Vec::new();
        let constants = [F::ZERO, F::ONE, F::NEG_ONE];
        for k in 0..data + 12 {
            let (node, d) = match if k < data { 0 } else { rng.random_range(0..6) } {
                0 => (Node::Var { column: if k < data { k } else { rng.random_range(0..data) }, next: rng.random_bool(0.3) }, 1),
                1 => ([Node::IsFirstRow, Node::IsLastRow, Node::IsTransition][rng.random_range(0..3)], 1),
                2 if public_values > 0 => (Node::Public(rng.random_range(0..public_values)), 0),
                3 => (Node::Constant(constants[rng.random_range(0..3)]), 0),
                _ => (Node::Constant(F::from_u32(rng.random_range(0..F::ORDER_U32))), 0),
            };
            nodes.push(node);
            degree.push(d);
        }
        let leaves = nodes.len();
        for _ in 0..arithmetic {
            let n = nodes.len();
            let a = if rng.random_bool(0.5) { n - 1 } else { rng.random_range(0..n) };
            let b = rng.random_range(0..n);
            let (node, d) = match rng.random_range(0..4) {
                2 if degree[a] + degree[b] <= 2 => (Node::Mul(a, b), degree[a] + degree[b]),
                0 | 2 => (Node::Add(a, b), degree[a].max(degree[b])),
                1 => (Node::Sub(a, b), degree[a].max(degree[b])),
                _ => (Node::Neg(a), degree[a]),
            };
            nodes.push(node);
            degree.push(d);
        }
        for _ in 0..chain {
            let n = nodes.len();
            let leaf = rng.random_range(0..leaves);
            nodes.push(if rng.random_bool(0.5) { Node::Add(n - 1, leaf) } else { Node::Sub(n - 1, leaf) });
        }
        let n = nodes.len();
        let mut constraints: Vec<usize> = (0..constraints).map(|_| rng.random_range(0..n)).collect();
        constraints.push(n - 1);
        let interactions = (0..interactions)
            .map(|_| {
                (rng.random_range(0..4), (0..rng.random_range(1..5)).map(|_| rng.random_range(0..n)).collect(), rng.random_range(0..n))
            })
            .collect();
        RandomAir { data, public_values, nodes, constraints, interactions }
    }

    /// Every node's value on `row` of the data columns `data` (column-major, `height` rows).
    fn values(&self, data: &[F], height: usize, row: usize, public_values: &[F]) -> Vec<F> {
        let mut v: Vec<F> = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            let x = match *node {
                Node::Var { column, next } => data[column * height + (row + next as usize) % height],
                Node::IsFirstRow => F::from_bool(row == 0),
                Node::IsLastRow => F::from_bool(row + 1 == height),
                Node::IsTransition => F::from_bool(row + 1 != height),
                Node::Constant(c) => c,
                Node::Public(i) => public_values[i],
                Node::Add(a, b) => v[a] + v[b],
                Node::Sub(a, b) => v[a] - v[b],
                Node::Mul(a, b) => v[a] * v[b],
                Node::Neg(a) => -v[a],
            };
            v.push(x);
        }
        v
    }

    /// A valid trace of `height` rows (random data, the constraint columns computed) and public
    /// values.
    fn trace(&self, rng: &mut StdRng, height: usize) -> (RowMajorMatrix<F>, Vec<F>) {
        let data = common::random_field(rng, self.data * height);
        let public_values = common::random_field(rng, self.public_values);
        let width = self.data + self.constraints.len();
        let mut rows = Vec::with_capacity(width * height);
        for row in 0..height {
            let v = self.values(&data, height, row, &public_values);
            rows.extend((0..self.data).map(|c| data[c * height + row]));
            rows.extend(self.constraints.iter().map(|&c| v[c]));
        }
        (RowMajorMatrix::new(rows, width), public_values)
    }
}

impl BaseAir<F> for RandomAir {
    fn width(&self) -> usize {
        self.data + self.constraints.len()
    }
}
impl BaseAirWithPublicValues<F> for RandomAir {
    fn num_public_values(&self) -> usize {
        self.public_values
    }
}
impl PartitionedBaseAir<F> for RandomAir {}

impl<AB: InteractionBuilder<F = F> + AirBuilderWithPublicValues> Air<AB> for RandomAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let (local, next) = (main.row_slice(0).expect("this row").to_vec(), main.row_slice(1).expect("next row").to_vec());
        let publics: Vec<AB::Expr> = builder.public_values().iter().map(|&p| p.into()).collect();
        let mut v: Vec<AB::Expr> = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            let x: AB::Expr = match *node {
                Node::Var { column, next: true } => next[column].into(),
                Node::Var { column, next: false } => local[column].into(),
                Node::IsFirstRow => builder.is_first_row(),
                Node::IsLastRow => builder.is_last_row(),
                Node::IsTransition => builder.is_transition(),
                Node::Constant(c) => AB::Expr::from(c),
                Node::Public(i) => publics[i].clone(),
                Node::Add(a, b) => v[a].clone() + v[b].clone(),
                Node::Sub(a, b) => v[a].clone() - v[b].clone(),
                Node::Mul(a, b) => v[a].clone() * v[b].clone(),
                Node::Neg(a) => -v[a].clone(),
            };
            v.push(x);
        }
        for (k, &c) in self.constraints.iter().enumerate() {
            builder.assert_zero(v[c].clone() - local[self.data + k].into());
        }
        for (bus, message, count) in &self.interactions {
            let fields: Vec<AB::Expr> = message.iter().map(|&m| v[m].clone()).collect();
            builder.push_interaction(*bus, fields.clone(), v[*count].clone(), 0);
            builder.push_interaction(*bus, fields, -v[*count].clone(), 0);
        }
    }
}

struct Fixture {
    air: Arc<RandomAir>,
    trace: RowMajorMatrix<F>,
    public_values: Vec<F>,
}

impl TestFixture<SC> for Fixture {
    fn airs(&self) -> Vec<AirRef<SC>> {
        vec![self.air.clone()]
    }

    fn generate_proving_ctx(&self) -> common::rap::Ctx {
        ProvingContext::new(vec![(0, AirProvingContext::simple(ColMajorMatrix::from_row_major(&self.trace), self.public_values.clone()))])
    }
}

fn params() -> SystemParams {
    common::proofs::zero_pow(test_system_params_small(2, 8, 3))
}

#[test]
fn random_airs_prove_identically_on_every_profile() {
    let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let seed = var("OPENVM_WGPU_RANDOM_AIR_SEED").unwrap_or(0);
    let cases = var("OPENVM_WGPU_RANDOM_AIR_CASES").unwrap_or(12);
    eprintln!("random AIRs: seed {seed}, {cases} cases");
    // Upstream's expression trees recurse as deep as a chain: a large stack.
    std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(move || {
            for k in 0..cases {
                let mut rng = common::rng(seed + k);
                let data = rng.random_range(1..40);
                let (arithmetic, chain) =
                    (rng.random_range(0..2000), if k % 3 == 2 { rng.random_range(5000..9000) } else { rng.random_range(0..200) });
                let (constraints, interactions) = (rng.random_range(0..60), rng.random_range(0..6));
                let air = RandomAir::random(&mut rng, data, arithmetic, chain, constraints, interactions);
                let height = 1 << rng.random_range(0..6);
                let (trace, public_values) = air.trace(&mut rng, height);
                let what = format!(
                    "random AIR (seed {}, {} nodes, {} constraints, height {height})",
                    seed + k,
                    air.nodes.len(),
                    air.constraints.len()
                );
                assert_same_proof_as_cpu(&Fixture { air: Arc::new(air), trace, public_values }, params(), &LimitProfile::ALL, &what);
            }
        })
        .unwrap()
        .join()
        .unwrap();
}

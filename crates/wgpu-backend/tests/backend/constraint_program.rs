//! Constraint programs (docs/ARCHITECTURE.md rule 11): every AIR of upstream's test fixtures,
//! the keccakf AIR and Plonky3's Poseidon2 AIR are compiled from `vk.symbolic_constraints` and
//! interpreted on the GPU over random (invalid, so nonzero) traces under every limit profile;
//! every constraint value, interaction count and message field equals upstream's own evaluation
//! of the same DAG on the host (`SymbolicEvaluator::eval_nodes`, and for the small AIRs also
//! `eval_expr` over upstream's expression trees).

use crate::common;

use crate::common::proofs::P3Air;

use std::sync::Arc;

use openvm_stark_backend::{
    air_builders::symbolic::{
        symbolic_expression::SymbolicEvaluator,
        symbolic_variable::{Entry, SymbolicVariable},
        SymbolicConstraints, SymbolicConstraintsDag, SymbolicExpressionNode,
    },
    keygen::types::TraceWidth,
    test_utils::{
        test_system_params_small, CachedFixture11, FibFixture, InteractionsFixture11, MixtureFixture, PreprocessedAndCachedFixture,
        PreprocessedFibFixture, TestFixture,
    },
    AirRef, StarkEngine,
};
use openvm_stark_sdk::config::{
    app_params_with_100_bits_security,
    baby_bear_poseidon2::{BabyBearPoseidon2Config, BabyBearPoseidon2RefEngine},
};
use openvm_wgpu_backend::{
    common::ColumnMatrix,
    constraints::{
        encoding::OP_OUT, host_outputs, ConstraintProgram, ConstraintTraces, EvalOptions, HostColumns, HostRow, HostTraces, Operand,
        ProgramSplit,
    },
    field::{as_words, F},
    kernels::constraint_eval,
    GpuContext, LimitProfile,
};
use openvm_wgpu_fixtures::keccakf::KeccakfAir;
use p3_baby_bear::GenericPoseidon2LinearLayersBabyBear;
use p3_blake3_air::Blake3Air;
use p3_field::PrimeCharacteristicRing;
use p3_poseidon2_air::{Poseidon2Air, RoundConstants};

type SC = BabyBearPoseidon2Config;

/// Plonky3's Poseidon2 AIR for BabyBear, widths 16 and 24, x^7 with one register (the
/// parameters of Plonky3's BabyBear examples).
type P2 = Poseidon2Air<F, GenericPoseidon2LinearLayersBabyBear, 16, 7, 1, 4, 13>;
type P2W24 = Poseidon2Air<F, GenericPoseidon2LinearLayersBabyBear, 24, 7, 1, 4, 21>;

/// One AIR: its DAG and trace shape.
struct Case {
    name: String,
    dag: SymbolicConstraintsDag<F>,
    width: TraceWidth,
    num_public_values: usize,
}

fn keygen_cases(name: &str, airs: Vec<AirRef<SC>>, engine: &BabyBearPoseidon2RefEngine) -> Vec<Case> {
    let pk = engine.keygen(&airs).0;
    pk.per_air
        .iter()
        .enumerate()
        .map(|(i, p)| Case {
            name: format!("{name}[{i}] {}", p.air_name),
            dag: p.vk.symbolic_constraints.clone(),
            width: p.vk.params.width.clone(),
            num_public_values: p.vk.params.num_public_values,
        })
        .collect()
}

fn fixture_cases() -> Vec<Case> {
    let params = test_system_params_small(2, 8, 3);
    let engine: BabyBearPoseidon2RefEngine = StarkEngine::new(params.clone());
    let config = || BabyBearPoseidon2Config::default_from_params(params.clone());
    let sels = vec![true, false, true, true];
    let mut cases = Vec::new();
    cases.extend(keygen_cases("fib", TestFixture::<SC>::airs(&FibFixture::new(0, 1, 8)), &engine));
    cases.extend(keygen_cases("interactions", TestFixture::<SC>::airs(&InteractionsFixture11), &engine));
    cases.extend(keygen_cases("cached", CachedFixture11::new(config()).airs(), &engine));
    cases.extend(keygen_cases("preprocessed fib", TestFixture::<SC>::airs(&PreprocessedFibFixture::new(0, 1, sels.clone())), &engine));
    cases.extend(keygen_cases("preprocessed and cached", PreprocessedAndCachedFixture::new(sels, config(), 2).airs(), &engine));
    cases.extend(keygen_cases("mixture", MixtureFixture::standard(3, config()).airs(), &engine));
    cases
}

fn big_cases() -> Vec<Case> {
    let engine: BabyBearPoseidon2RefEngine = StarkEngine::new(app_params_with_100_bits_security(14));
    let mut cases = keygen_cases("keccakf", vec![Arc::new(KeccakfAir::default())], &engine);
    let constants = RoundConstants::from_rng(&mut common::rng(7));
    cases.extend(keygen_cases("poseidon2", vec![Arc::new(P3Air(P2::new(constants)))], &engine));
    let constants = RoundConstants::from_rng(&mut common::rng(8));
    cases.extend(keygen_cases("poseidon2 width 24", vec![Arc::new(P3Air(P2W24::new(constants)))], &engine));
    // 88,496 instructions: more than lavapipe's 65,535 loop iterations per invocation, so it
    // runs in pieces on every device whose limit is below that.
    cases.extend(keygen_cases("blake3", vec![Arc::new(P3Air(Blake3Air {}))], &engine));
    cases
}

/// A random column-major matrix on the host.
struct HostMatrix {
    height: usize,
    width: usize,
    values: Vec<F>,
}

impl HostMatrix {
    fn random(rng: &mut rand::rngs::StdRng, height: usize, width: usize) -> Self {
        HostMatrix { height, width, values: common::random_field(rng, height * width) }
    }

    fn upload(&self, ctx: &GpuContext) -> ColumnMatrix {
        ColumnMatrix::from_col_major(ctx, "test trace", self.height, self.width, as_words(&self.values)).unwrap()
    }
}

/// Upstream's values of every output of `dag` on `row`, in the program's output order
/// (constraints, then per interaction its count and message), by upstream's `SymbolicEvaluator`
/// over the DAG and, for small AIRs, over upstream's expression trees too.
fn expected_outputs(dag: &SymbolicConstraintsDag<F>, tree: Option<&SymbolicConstraints<F>>, traces: &HostTraces<'_>, row: usize) -> Vec<F> {
    let out = host_outputs(dag, traces, row);
    if let Some(tree) = tree {
        let ev = HostRow::new(traces, row);
        let mut from_tree: Vec<F> = tree.constraints.iter().map(|e| ev.eval_expr(e)).collect();
        for i in &tree.interactions {
            from_tree.push(ev.eval_expr(&i.count));
            from_tree.extend(i.message.iter().map(|e| ev.eval_expr(e)));
        }
        assert_eq!(out, from_tree, "upstream's DAG and tree evaluations disagree");
    }
    out
}

/// Evaluates `case` on random traces of `height` over `rows` on `ctx` and compares every output
/// with upstream's host evaluation.
fn check(
    ctx: &GpuContext,
    profile: LimitProfile,
    case: &Case,
    height: usize,
    rows: std::ops::Range<usize>,
    options: EvalOptions,
    seed: u64,
) {
    let what = format!("{} h={height} rows {rows:?} {options:?} on {profile}", case.name);
    let program = ConstraintProgram::compile(&case.dag).unwrap_or_else(|e| panic!("{what}: {e}"));
    let mut rng = common::rng(seed);
    let preprocessed = case.width.preprocessed.map(|w| HostMatrix::random(&mut rng, height, w));
    let mains: Vec<HostMatrix> = case
        .width
        .cached_mains
        .iter()
        .chain(std::iter::once(&case.width.common_main))
        .map(|&w| HostMatrix::random(&mut rng, height, w))
        .collect();
    let public_values = common::random_field(&mut rng, case.num_public_values);

    let d_pre = preprocessed.as_ref().map(|m| m.upload(ctx));
    let d_mains: Vec<ColumnMatrix> = mains.iter().map(|m| m.upload(ctx)).collect();
    let d_main_refs: Vec<&ColumnMatrix> = d_mains.iter().collect();
    let traces = ConstraintTraces { preprocessed: d_pre.as_ref(), mains: &d_main_refs, public_values: &public_values };
    let device = program.upload(ctx).unwrap();
    let got = device.evaluate(ctx, &traces, rows.clone(), options).unwrap_or_else(|e| panic!("{what}: {e}"));

    let tree = (case.dag.constraints.nodes.len() < 2000).then(|| SymbolicConstraints::from(&case.dag));
    let host = |m: &HostMatrix| HostColumns { height: m.height, values: m.values.clone() };
    let h_pre = preprocessed.as_ref().map(host);
    let h_mains: Vec<HostColumns> = mains.iter().map(host).collect();
    let traces = HostTraces { preprocessed: h_pre.as_ref(), mains: &h_mains, public_values: &public_values };
    for row in rows {
        let want = expected_outputs(&case.dag, tree.as_ref(), &traces, row);
        assert_eq!(want.len(), program.num_outputs, "{what}");
        for (o, w) in want.iter().enumerate() {
            let g = got.get(o, row);
            assert_eq!(g, *w, "{what}: output {o} (of {} constraints) on row {row}", program.num_constraints);
        }
    }
}

#[test]
fn fixture_airs_match_upstream_on_every_profile() {
    let cases = fixture_cases();
    assert!(cases.iter().any(|c| !c.dag.interactions.is_empty()));
    assert!(cases.iter().any(|c| c.width.preprocessed.is_some() && !c.width.cached_mains.is_empty()));
    assert!(cases.iter().any(|c| c.num_public_values > 0));
    for (profile, ctx) in common::profiles() {
        for (k, case) in cases.iter().enumerate() {
            let seed = k as u64;
            for (height, rows) in [(1usize, 0..1usize), (2, 0..2), (16, 0..16), (64, 59..64), (37, 3..37)] {
                check(&ctx, profile, case, height, rows.clone(), EvalOptions::default(), seed);
            }
            // One fast slot: every other intermediate spills to global scratch.
            check(&ctx, profile, case, 16, 0..16, EvalOptions { fast_slot_cap: Some(1), ..Default::default() }, seed + 100);
            let split = EvalOptions { split: ProgramSplit::PartsPerInvocation(1), ..Default::default() };
            check(&ctx, profile, case, 16, 0..16, split, seed + 200);
        }
    }
}

#[test]
fn keccakf_and_poseidon2_match_upstream_on_every_profile() {
    let cases = big_cases();
    for case in &cases {
        let program = ConstraintProgram::compile(&case.dag).unwrap();
        let arithmetic = case
            .dag
            .constraints
            .nodes
            .iter()
            .filter(|n| {
                matches!(
                    n,
                    SymbolicExpressionNode::Add { .. }
                        | SymbolicExpressionNode::Sub { .. }
                        | SymbolicExpressionNode::Mul { .. }
                        | SymbolicExpressionNode::Neg { .. }
                )
            })
            .count();
        eprintln!(
            "{}: {} columns, {} nodes ({arithmetic} arithmetic), {} constraints, {} instructions, {} slots",
            case.name,
            case.width.common_main,
            case.dag.constraints.nodes.len(),
            program.num_constraints,
            program.instructions.len(),
            program.num_slots
        );
        // The split program computes every output exactly once, in parts of whole programs.
        let split = &program.split;
        let mut seen = vec![0u32; program.num_outputs];
        for ins in &split.instructions {
            if ins[0] == OP_OUT {
                seen[ins[1] as usize] += 1;
            }
        }
        assert!(seen.iter().all(|&c| c == 1), "{}: every output once in the split program", case.name);
        assert_eq!(*split.part_starts.last().unwrap() as usize, split.instructions.len());
        assert!(split.part_starts.windows(2).all(|w| w[0] < w[1]), "{}: nonempty parts", case.name);
        // Keccakf's constraints share little: it splits finely; the work stays bounded.
        assert!(case.name.contains("poseidon2") || split.parts() > 100, "{}: {} parts", case.name, split.parts());
        assert!(split.instructions.len() <= 2 * program.instructions.len() + 4 * program.num_outputs, "{}: split work", case.name);
        let longest = split.part_starts.windows(2).map(|w| w[1] - w[0]).max().unwrap();
        eprintln!(
            "{}: split into {} parts, {} instructions in all ({:.2}x), the longest {longest}, {} slots",
            case.name,
            split.parts(),
            split.instructions.len(),
            split.instructions.len() as f64 / program.instructions.len() as f64,
            split.num_slots
        );
        // Slots are reused: far fewer than one per arithmetic node.
        assert!((program.num_slots as usize) < arithmetic / 4, "{}: {} slots for {arithmetic} nodes", case.name, program.num_slots);
    }
    assert!(cases[0].width.common_main == 2633 && cases[0].dag.constraints.constraint_idx.len() > 1000);
    for (profile, ctx) in common::profiles() {
        for (k, case) in cases.iter().enumerate() {
            let seed = 1000 + k as u64;
            check(&ctx, profile, case, 8, 0..8, EvalOptions::default(), seed);
            check(&ctx, profile, case, 64, 60..64, EvalOptions { fast_slot_cap: Some(2), ..Default::default() }, seed + 1);
            // The split program run part after part, and the unsplit one, whatever the slots.
            for split in [ProgramSplit::PartsPerInvocation(1), ProgramSplit::Unsplit] {
                check(&ctx, profile, case, 16, 0..16, EvalOptions { split, ..Default::default() }, seed + 2);
            }
        }
    }
}

/// A keccakf trace too wide for one binding under the tiny profile (16 MiB): its columns are
/// split over two buffers, and the rows near the end (the next row wraps to 0) are checked.
#[test]
fn keccakf_trace_split_over_bindings() {
    let case = big_cases().remove(0);
    let (profile, ctx) = (LimitProfile::Tiny, common::ctx(LimitProfile::Tiny));
    let height = 2048;
    let m = ColumnMatrix::zeroed(&ctx, "probe", height, case.width.common_main).unwrap();
    assert!(m.chunks.len() > 1, "the test trace should need several bindings on {profile}");
    drop(m);
    check(&ctx, profile, &case, height, height - 16..height, EvalOptions::default(), 5);
}

/// A keccakf trace over more buffers than the interpreter binds (tiny profile, 8192 rows: six
/// chunks): its rows are gathered into virtual columns first; the first and last rows (the
/// next row wraps) are checked.
#[test]
fn keccakf_trace_over_more_buffers_than_bindings() {
    let case = big_cases().remove(0);
    let (profile, ctx) = (LimitProfile::Tiny, common::ctx(LimitProfile::Tiny));
    let height = 8192;
    let m = ColumnMatrix::zeroed(&ctx, "probe", height, case.width.common_main).unwrap();
    assert!(m.chunks.len() > openvm_wgpu_backend::kernels::constraint_eval::TRACE_BINDINGS, "{} chunks on {profile}", m.chunks.len());
    drop(m);
    check(&ctx, profile, &case, height, 0..8, EvalOptions::default(), 6);
    check(&ctx, profile, &case, height, height - 8..height, EvalOptions { fast_slot_cap: Some(2), ..Default::default() }, 7);
}

#[test]
fn programs_spill_and_reuse_slots() {
    let cases = big_cases();
    for (profile, ctx) in common::profiles() {
        // keccakf needs more slots than any profile keeps in workgroup memory.
        let program = ConstraintProgram::compile(&cases[0].dag).unwrap();
        let g = constraint_eval::geometry(&ctx.limits, program.num_slots, EvalOptions::default());
        assert!(g.spill_slots > 0, "{} on {profile} should spill: {} slots, {g:?}", cases[0].name, program.num_slots);
    }
    // Operands round-trip through their encoding; every output is written exactly once.
    for case in fixture_cases().iter().chain(&cases) {
        let program = ConstraintProgram::compile(&case.dag).unwrap();
        let mut written = vec![0; program.num_outputs];
        for ins in &program.instructions {
            for &w in &ins[2..] {
                assert_eq!(Operand::decode(w).encode(), w);
            }
            if ins[0] == OP_OUT {
                written[ins[1] as usize] += 1;
            } else {
                assert!(ins[1] < program.num_slots);
            }
        }
        assert!(written.iter().all(|&c| c == 1), "{}", case.name);
    }
}

#[test]
fn bad_inputs_are_errors() {
    let case = fixture_cases().into_iter().find(|c| c.width.preprocessed.is_some() && !c.width.cached_mains.is_empty()).unwrap();
    let ctx = common::ctx(LimitProfile::Native);
    let program = ConstraintProgram::compile(&case.dag).unwrap().upload(&ctx).unwrap();
    let mut rng = common::rng(3);
    let h = 8;
    let pre = HostMatrix::random(&mut rng, h, case.width.preprocessed.unwrap()).upload(&ctx);
    let mains: Vec<ColumnMatrix> = case
        .width
        .cached_mains
        .iter()
        .chain(std::iter::once(&case.width.common_main))
        .map(|&w| HostMatrix::random(&mut rng, h, w).upload(&ctx))
        .collect();
    let refs: Vec<&ColumnMatrix> = mains.iter().collect();
    let publics = common::random_field(&mut rng, case.num_public_values);
    let ok = ConstraintTraces { preprocessed: Some(&pre), mains: &refs, public_values: &publics };
    assert!(program.evaluate(&ctx, &ok, 0..h, EvalOptions::default()).is_ok());
    let err = |t: &ConstraintTraces<'_>, rows: std::ops::Range<usize>| {
        program.evaluate(&ctx, t, rows, EvalOptions::default()).unwrap_err().to_string()
    };
    let missing_pre = ConstraintTraces { preprocessed: None, ..ok };
    assert!(err(&missing_pre, 0..h).contains("preprocessed"), "{}", err(&missing_pre, 0..h));
    let fewer = ConstraintTraces { mains: &refs[..1], ..ok };
    assert!(err(&fewer, 0..h).contains("main partition"), "{}", err(&fewer, 0..h));
    assert!(err(&ok, 4..h + 1).contains("outside"));
    let short = HostMatrix::random(&mut rng, h / 2, case.width.common_main).upload(&ctx);
    let mut mixed = refs.clone();
    *mixed.last_mut().unwrap() = &short;
    let mixed_heights = ConstraintTraces { mains: &mixed, ..ok };
    assert!(err(&mixed_heights, 0..4).contains("height"));
}

/// The shape of a random constraint DAG ([`random_dag`]).
#[derive(Clone, Debug)]
struct DagSpec {
    preprocessed: Option<usize>,
    cached: Vec<usize>,
    common: usize,
    public_values: usize,
    /// Leaves (variables, selectors, constants, public values) and random arithmetic nodes.
    leaves: usize,
    arithmetic: usize,
    /// A chain of nodes each reading the one before, ending in a constraint.
    chain: usize,
    constraints: usize,
    interactions: usize,
}

/// A random DAG over `spec`'s partitions: leaves of every kind (variables on this and the next
/// row of every partition, the three selectors, public values, constants 0, 1, p - 1 and random
/// ones), arithmetic nodes whose operands are the node before (deep chains) or any earlier node
/// (wide fan-in), one long chain, random constraints and interactions with random buses and
/// message lengths.
fn random_dag(rng: &mut rand::rngs::StdRng, spec: &DagSpec) -> Case {
    use openvm_stark_backend::{air_builders::symbolic::SymbolicExpressionDag, interaction::Interaction};
    use rand::Rng;
    let mut nodes: Vec<SymbolicExpressionNode<F>> = Vec::new();
    let mut degree: Vec<usize> = Vec::new();
    let partitions: Vec<(Option<usize>, usize)> = spec
        .preprocessed
        .map(|w| (None, w))
        .into_iter()
        .chain(spec.cached.iter().chain(std::iter::once(&spec.common)).enumerate().map(|(i, &w)| (Some(i), w)))
        .filter(|&(_, w)| w > 0)
        .collect();
    let constants = [F::ZERO, F::ONE, F::NEG_ONE];
    for k in 0..spec.leaves {
        let (node, d) = match if k < partitions.len() { 0 } else { rng.random_range(0..8) } {
            0..=3 => {
                let (part, width) = partitions[if k < partitions.len() { k } else { rng.random_range(0..partitions.len()) }];
                let offset = rng.random_range(0..2);
                let entry = match part {
                    None => Entry::Preprocessed { offset },
                    Some(part_index) => Entry::Main { part_index, offset },
                };
                // Both ends of the partition appear among the first leaves.
                let index = if k < partitions.len() { width - 1 } else { rng.random_range(0..width) };
                (SymbolicExpressionNode::Variable(SymbolicVariable::new(entry, index)), 1)
            }
            4 => (
                [SymbolicExpressionNode::IsFirstRow, SymbolicExpressionNode::IsLastRow, SymbolicExpressionNode::IsTransition]
                    [rng.random_range(0..3)]
                .clone(),
                1,
            ),
            5 if spec.public_values > 0 => {
                (SymbolicExpressionNode::Variable(SymbolicVariable::new(Entry::Public, rng.random_range(0..spec.public_values))), 0)
            }
            6 => (SymbolicExpressionNode::Constant(constants[rng.random_range(0..3)]), 0),
            _ => (SymbolicExpressionNode::Constant(F::from_u32(rng.random_range(0..<F as p3_field::PrimeField32>::ORDER_U32))), 0),
        };
        nodes.push(node);
        degree.push(d);
    }
    let push_op = |nodes: &mut Vec<SymbolicExpressionNode<F>>, degree: &mut Vec<usize>, a: usize, b: usize, op: u32| {
        let (node, d) = match op {
            0 => (
                SymbolicExpressionNode::Add { left_idx: a, right_idx: b, degree_multiple: degree[a].max(degree[b]) },
                degree[a].max(degree[b]),
            ),
            1 => (
                SymbolicExpressionNode::Sub { left_idx: a, right_idx: b, degree_multiple: degree[a].max(degree[b]) },
                degree[a].max(degree[b]),
            ),
            2 => (SymbolicExpressionNode::Mul { left_idx: a, right_idx: b, degree_multiple: degree[a] + degree[b] }, degree[a] + degree[b]),
            _ => (SymbolicExpressionNode::Neg { idx: a, degree_multiple: degree[a] }, degree[a]),
        };
        nodes.push(node);
        degree.push(d);
    };
    for _ in 0..spec.arithmetic {
        let n = nodes.len();
        let a = if rng.random_bool(0.5) { n - 1 } else { rng.random_range(0..n) };
        let b = rng.random_range(0..n);
        let op = rng.random_range(0..4);
        push_op(&mut nodes, &mut degree, a, b, op);
    }
    let mut chain_end = None;
    for _ in 0..spec.chain {
        let n = nodes.len();
        // Additions and subtractions of leaves keep the degree bounded along the chain.
        let leaf = rng.random_range(0..spec.leaves);
        let op = rng.random_range(0..2);
        push_op(&mut nodes, &mut degree, n - 1, leaf, op);
        chain_end = Some(n);
    }
    let n = nodes.len();
    let mut constraint_idx: Vec<usize> = (0..spec.constraints).map(|_| rng.random_range(0..n)).collect();
    constraint_idx.extend(chain_end);
    let interactions = (0..spec.interactions)
        .map(|_| Interaction {
            message: (0..rng.random_range(0..6)).map(|_| rng.random_range(0..n)).collect(),
            count: rng.random_range(0..n),
            bus_index: rng.random_range(0..8),
            count_weight: rng.random_range(0..4),
        })
        .collect();
    Case {
        name: format!("random DAG {spec:?}"),
        dag: SymbolicConstraintsDag { constraints: SymbolicExpressionDag { nodes, constraint_idx }, interactions },
        width: TraceWidth { preprocessed: spec.preprocessed, cached_mains: spec.cached.clone(), common_main: spec.common },
        num_public_values: spec.public_values,
    }
}

/// Random-DAG cases from `OPENVM_WGPU_RANDOM_DAG_SEED` (default 0), as many as
/// `OPENVM_WGPU_RANDOM_DAG_CASES` says (default: sized for lavapipe in CI).
fn random_dag_cases(default_cases: usize) -> (u64, usize) {
    let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    (var("OPENVM_WGPU_RANDOM_DAG_SEED").unwrap_or(0), var("OPENVM_WGPU_RANDOM_DAG_CASES").map_or(default_cases, |c| c as usize))
}

/// Random DAGs of every shape, on every profile: every output of the GPU interpreters (trace
/// rows; rows gathered into virtual columns for traces over more buffers than it binds) equals
/// upstream's `SymbolicEvaluator`.
#[test]
fn random_constraint_dags_match_upstream_on_every_profile() {
    use rand::Rng;
    let (seed, cases) = random_dag_cases(12);
    eprintln!("random DAGs: seed {seed}, {cases} cases");
    for (profile, ctx) in common::profiles() {
        let mut rng = common::rng(seed);
        for k in 0..cases {
            let spec = DagSpec {
                preprocessed: rng.random_bool(0.5).then(|| rng.random_range(1..12)),
                cached: (0..rng.random_range(0..3)).map(|_| rng.random_range(1..20)).collect(),
                common: rng.random_range(1..200),
                public_values: rng.random_range(0..4),
                leaves: rng.random_range(8..64),
                arithmetic: rng.random_range(0..3000),
                chain: rng.random_range(0..6000),
                constraints: rng.random_range(0..400),
                interactions: rng.random_range(0..12),
            };
            let case = random_dag(&mut rng, &spec);
            let height = [1usize, 2, 8, 64][k % 4];
            let options = [
                EvalOptions::default(),
                EvalOptions { fast_slot_cap: Some(1), ..Default::default() },
                EvalOptions { split: ProgramSplit::PartsPerInvocation(1), ..Default::default() },
                EvalOptions { split: ProgramSplit::Unsplit, ..Default::default() },
            ][k % 4];
            check(&ctx, profile, &case, height, 0..height, options, seed + k as u64);
        }
    }
}

/// The extremes: a chain of 120,000 nodes in one constraint (more instructions than lavapipe
/// runs in one invocation, and one part: chained pieces everywhere below that), and 2^14
/// columns over three partitions with thousands of outputs.
#[test]
fn deep_and_wide_random_dags_match_upstream() {
    let mut rng = common::rng(11);
    let deep = DagSpec {
        preprocessed: Some(3),
        cached: vec![],
        common: 40,
        public_values: 2,
        leaves: 48,
        arithmetic: 200,
        chain: 120_000,
        constraints: 20,
        interactions: 2,
    };
    let wide = DagSpec {
        preprocessed: Some(1 << 10),
        cached: vec![1 << 12],
        common: (1 << 14) - (1 << 12) - (1 << 10),
        public_values: 3,
        leaves: 6000,
        arithmetic: 20_000,
        chain: 0,
        constraints: 5000,
        interactions: 40,
    };
    for spec in [deep, wide] {
        let case = random_dag(&mut rng, &spec);
        let program = ConstraintProgram::compile(&case.dag).unwrap();
        eprintln!("{} instructions, {} slots, {} parts", program.instructions.len(), program.num_slots, program.split.parts());
        for (profile, ctx) in common::profiles() {
            check(&ctx, profile, &case, 8, 0..8, EvalOptions::default(), 21);
            check(&ctx, profile, &case, 4, 0..4, EvalOptions { split: ProgramSplit::Unsplit, ..Default::default() }, 22);
        }
    }
}

/// A program whose spilled slots over all rows exceed one binding (tiny: 16 MiB) is evaluated
/// in blocks of rows whose scratch fits, not refused.
#[test]
fn spilled_slots_of_many_rows_fit_in_blocks() {
    let mut rng = common::rng(12);
    let spec = DagSpec {
        preprocessed: None,
        cached: vec![],
        common: 200,
        public_values: 0,
        leaves: 400,
        arithmetic: 20_000,
        chain: 0,
        constraints: 300,
        interactions: 0,
    };
    let case = random_dag(&mut rng, &spec);
    let program = ConstraintProgram::compile(&case.dag).unwrap();
    let (profile, ctx) = (LimitProfile::Tiny, common::ctx(LimitProfile::Tiny));
    let height = 8192;
    let spilled = constraint_eval::geometry(&ctx.limits, program.num_slots, EvalOptions::default()).spill_slots as u64;
    assert!(
        spilled * height as u64 * 4 > ctx.limits.max_binding_bytes(),
        "{spilled} spilled slots should not fit one binding for {height} rows"
    );
    check(&ctx, profile, &case, height, 0..height, EvalOptions::default(), 13);
}

/// The device's loop limit as the probe finds it: on lavapipe (CI) its cap of 65,535 iterations
/// shared by the loops of an invocation, which a two-loop probe shows too; elsewhere at least
/// what the probe asks for. Every profile's limit is at most the device's.
#[test]
fn the_loop_probe_measures_the_devices_limit() {
    use openvm_wgpu_common::{limits, loop_probe};
    let native = common::ctx(LimitProfile::Native);
    let probed = loop_probe::probe(&native.device, &native.queue, &native.limits).unwrap();
    let lavapipe = native.adapter_info.name.contains("llvmpipe");
    eprintln!("{}: {probed} loop iterations per invocation", native.adapter_info.name);
    if lavapipe {
        assert_eq!(probed, limits::LAVAPIPE_LOOP_ITERATIONS);
        let two = loop_probe::run(&native.device, &native.queue, &native.limits, 40_000, 40_000).unwrap();
        assert_eq!(two.first, 40_000);
        assert!(two.second < 40_000, "the cap is shared by both loops: {two:?}");
    } else {
        let all =
            loop_probe::run(&native.device, &native.queue, &native.limits, limits::LOOP_PROBE_ITERATIONS, limits::LOOP_PROBE_ITERATIONS)
                .unwrap();
        assert_eq!((all.first, all.second), (limits::LOOP_PROBE_ITERATIONS, limits::LOOP_PROBE_ITERATIONS));
    }
    assert_eq!(native.limits.max_loop_iterations, probed);
    for (profile, ctx) in common::profiles() {
        assert!(ctx.limits.max_loop_iterations <= probed, "{profile}");
        if let Some(cap) = profile.loop_iteration_cap() {
            assert_eq!(ctx.limits.max_loop_iterations, cap.min(probed), "{profile}");
        }
    }
}

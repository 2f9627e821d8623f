//! The engine's behaviour around proving: bad input refused with a clear error and no panic, a
//! device too small for the job reported with sizes, and several proofs at once on one device.

use std::sync::Arc;

use openvm_stark_backend::{
    prover::{AirProvingContext, ColMajorMatrix, DeviceDataTransporter, MatrixDimensions, ProvingContext},
    test_utils::{test_system_params_small, FibFixture, InteractionsFixture11, TestFixture},
    StarkEngine,
};
use openvm_stark_sdk::config::app_params_with_100_bits_security;
use openvm_wgpu_backend::{error::WgpuProverError, field::F, BabyBearPoseidon2WgpuEngine, GpuContext, GpuError, LimitProfile};
use openvm_wgpu_fixtures::keccakf::{keccakf_trace, KeccakfAir};
use p3_field::PrimeCharacteristicRing;

type Engine = BabyBearPoseidon2WgpuEngine;

fn fib_ctx(engine: &Engine, width: usize, height: usize) -> ProvingContext<openvm_wgpu_backend::backend::WgpuBackend> {
    let trace = ColMajorMatrix::new(vec![F::ONE; width * height], width);
    engine
        .device()
        .transport_proving_ctx_to_device(&ProvingContext::new(vec![(0, AirProvingContext::new(vec![], trace, vec![F::ZERO; 3]))]))
}

#[test]
fn bad_traces_are_refused_with_a_clear_error() {
    let engine: Engine = StarkEngine::new(test_system_params_small(2, 6, 3));
    let fx = FibFixture::new(0, 1, 16);
    let (pk, _) = fx.keygen(&engine);
    let d_pk = engine.device().transport_pk_to_device(&pk);

    // Fibonacci has 2 columns.
    let err = engine.prove(&d_pk, fib_ctx(&engine, 3, 16)).expect_err("a 3-column trace must be refused");
    assert!(matches!(&err, WgpuProverError::InvalidInput(m) if m.contains("3 columns") && m.contains("has 2")), "{err}");

    // Taller than 2^(l_skip + n_stack) = 2^8.
    let err = engine.prove(&d_pk, fib_ctx(&engine, 2, 512)).expect_err("a 512-row trace must be refused");
    assert!(matches!(&err, WgpuProverError::InvalidInput(m) if m.contains("exceeds")), "{err}");

    // An AIR index that is not in the key.
    let trace = ColMajorMatrix::new(vec![F::ONE; 32], 2);
    let ctx = engine.device().transport_proving_ctx_to_device(&ProvingContext::new(vec![(5, AirProvingContext::simple_no_pis(trace))]));
    let err = engine.prove(&d_pk, ctx).expect_err("AIR 5 does not exist");
    assert!(err.to_string().contains("AIR index 5"), "{err}");
    // (A height that is not a power of two cannot reach the engine: ColMajorMatrix refuses it.)
}

#[test]
fn a_device_too_small_for_the_proof_says_what_was_needed() {
    // A stacked height of 2^22 under the tiny profile: a codeword column (2^23 rows, 32 MiB)
    // cannot be bound on a device that allows 16 MiB per binding, and the encoding transforms
    // whole columns. (At the example's 2^21 the proof fits: tests/backend/proof_identity.rs.)
    let ctx = GpuContext::shared(LimitProfile::Tiny).unwrap();
    let engine = Engine::with_context(app_params_with_100_bits_security(22), ctx);
    let (pk, _) = engine.keygen(&[Arc::new(KeccakfAir::default())]);
    let d_pk = engine.device().transport_pk_to_device(&pk);
    let trace = ColMajorMatrix::from_row_major(&keccakf_trace(2, 1));
    let ctx = engine.device().transport_proving_ctx_to_device(&ProvingContext::new(vec![(0, AirProvingContext::simple_no_pis(trace))]));
    let err = engine.prove(&d_pk, ctx).expect_err("the tiny profile cannot hold this commitment");
    match &err {
        WgpuProverError::Gpu(GpuError::BufferTooLargeIn { needed, available, .. }) => assert!(needed > available, "{err}"),
        other => panic!("expected an oversize error with sizes, got {other}"),
    }
    assert!(err.to_string().contains("MiB of GPU memory in all"), "{err}");
}

/// A trace whose folded columns the multilinear rounds cannot bind (tiny profile: four chunks
/// of 16 MiB; keccakf with 342 permutations, 2^14 rows, folds to 1024 x 5269 extension
/// elements, 86 MB) is refused by the engine's input check, before any proving work.
#[test]
fn an_air_too_large_for_the_multilinear_rounds_is_refused_before_proving() {
    let ctx = GpuContext::shared(LimitProfile::Tiny).unwrap();
    let engine = Engine::with_context(app_params_with_100_bits_security(21), ctx);
    let (pk, _) = engine.keygen(&[Arc::new(KeccakfAir::default())]);
    let d_pk = engine.device().transport_pk_to_device(&pk);
    let trace = ColMajorMatrix::from_row_major(&keccakf_trace(342, 1));
    assert_eq!(trace.height(), 1 << 14);
    let ctx = engine.device().transport_proving_ctx_to_device(&ProvingContext::new(vec![(0, AirProvingContext::simple_no_pis(trace))]));
    let err = engine.prove(&d_pk, ctx).expect_err("the tiny profile cannot bind these folded columns");
    let message = err.to_string();
    assert!(matches!(err, WgpuProverError::InvalidInput(_)), "{message}");
    assert!(message.contains("AIR 0") && message.contains("folded columns of 1024 x 5269"), "{message}");
    assert!(message.contains("at most 4"), "{message}");
}

#[test]
fn two_threads_prove_on_one_device() {
    let params = test_system_params_small(2, 8, 3);
    let engine: Engine = StarkEngine::new(params);
    std::thread::scope(|s| {
        let a = s.spawn(|| {
            let (vk, proof) = FibFixture::new(0, 1, 1 << 6).keygen_and_prove(&engine);
            engine.verify(&vk, &proof).map_err(|e| format!("fib: {e:?}"))
        });
        let b = s.spawn(|| {
            let (vk, proof) = InteractionsFixture11.keygen_and_prove(&engine);
            engine.verify(&vk, &proof).map_err(|e| format!("interactions: {e:?}"))
        });
        a.join().unwrap().unwrap();
        b.join().unwrap().unwrap();
    });
}

/// A trace that violates its AIR's constraints gets no proof: the error names the AIR, the
/// constraint and the first row where it fails (found on the host). With
/// l_skip 2 the AIR has multilinear rounds (checked at round 1); with l_skip 5 it has none
/// (checked at the folded point).
#[test]
fn a_trace_violating_a_constraint_is_refused_naming_the_air() {
    for l_skip in [2, 5] {
        let engine: Engine = StarkEngine::new(test_system_params_small(l_skip, 6, 3));
        let fx = FibFixture::new(0, 1, 16);
        let (pk, vk) = fx.keygen(&engine);
        let d_pk = engine.device().transport_pk_to_device(&pk);
        let mut host = fx.generate_proving_ctx();
        // Row 5 of column 0 no longer follows the Fibonacci rule.
        host.per_trace[0].1.common_main.values[5] += F::ONE;
        let err = engine.prove(&d_pk, engine.device().transport_proving_ctx_to_device(&host)).expect_err("a violated constraint");
        // The first failing row is 4: its transition "next.left = right" (constraint 2, after the
        // two first-row constraints) reads the changed row 5.
        match &err {
            WgpuProverError::ConstraintsNotSatisfied { index: 0, air, constraint: 2, row: 4 } => {
                assert_eq!(air, &pk.per_air[0].air_name, "{err}")
            }
            other => panic!("l_skip {l_skip}: expected constraint 2 of AIR 0 failing on row 4, got {other}"),
        }
        assert!(err.to_string().contains("constraint 2 does not hold on row 4"), "{err}");
        // The untouched trace proves and verifies.
        let proof = engine.prove(&d_pk, engine.device().transport_proving_ctx_to_device(&fx.generate_proving_ctx())).unwrap();
        engine.verify(&vk, &proof).unwrap();
    }
}

/// Interactions that do not balance get no proof: the error names the bus and its AIRs.
#[test]
fn unbalanced_interactions_are_refused_naming_the_bus() {
    let engine: Engine = StarkEngine::new(test_system_params_small(2, 6, 3));
    let fx = InteractionsFixture11;
    let (pk, _) = fx.keygen(&engine);
    let d_pk = engine.device().transport_pk_to_device(&pk);
    let mut host = fx.generate_proving_ctx();
    // The sender's message field on row 1 (count 3; columns: count, field) changes: nothing
    // receives it.
    let sender = &mut host.per_trace[0].1.common_main;
    let height = sender.values.len() / 2;
    assert_eq!(sender.values[1], F::from_u32(3));
    sender.values[height + 1] += F::ONE;
    let err = engine.prove(&d_pk, engine.device().transport_proving_ctx_to_device(&host)).expect_err("unbalanced interactions");
    match &err {
        WgpuProverError::UnbalancedInteractions { detail } => {
            assert!(detail.contains("bus 0 (AIRs 0 (DummyInteractionAir), 1 (DummyInteractionAir))"), "{err}")
        }
        other => panic!("expected an unbalanced-interactions error, got {other}"),
    }
}

/// The host's diagnosis of a flagged AIR: on a valid trace every constraint holds (so a GPU
/// that flagged it is reported as a device fault), on a changed one the first failing
/// constraint and row are found.
#[test]
fn the_host_finds_the_first_violated_constraint() {
    use openvm_wgpu_backend::constraints::{first_violation, HostColumns, HostTraces};
    let engine: Engine = StarkEngine::new(test_system_params_small(2, 6, 3));
    let fx = FibFixture::new(0, 1, 16);
    let (pk, _) = fx.keygen(&engine);
    let dag = &pk.per_air[0].vk.symbolic_constraints;
    let host = TestFixture::<openvm_wgpu_backend::device::SC>::generate_proving_ctx(&fx);
    let (_, air) = &host.per_trace[0];
    let main = HostColumns { height: air.common_main.height(), values: air.common_main.values.clone() };
    let traces = HostTraces { preprocessed: None, mains: std::slice::from_ref(&main), public_values: &air.public_values };
    assert_eq!(first_violation(dag, &traces), None);
    let mut bad = HostColumns { height: main.height, values: main.values.clone() };
    // Row 0's left column: "left = a on the first row" (constraint 0) fails there first.
    bad.values[0] += F::ONE;
    let traces = HostTraces { mains: std::slice::from_ref(&bad), ..traces };
    assert_eq!(first_violation(dag, &traces), Some((0, 0)));
}

/// A proving key made for other system parameters than the engine's is refused before any GPU
/// work, saying so.
#[test]
fn a_proving_key_for_other_parameters_is_refused() {
    let keygen: Engine = StarkEngine::new(test_system_params_small(2, 6, 3));
    let engine: Engine = StarkEngine::new(test_system_params_small(3, 6, 3));
    let fx = FibFixture::new(0, 1, 16);
    let (pk, _) = fx.keygen(&keygen);
    let d_pk = engine.device().transport_pk_to_device(&pk);
    let err = engine.prove(&d_pk, engine.device().transport_proving_ctx_to_device(&fx.generate_proving_ctx())).unwrap_err();
    assert!(matches!(err, WgpuProverError::InvalidInput(_)) && err.to_string().contains("other system parameters"), "{err}");
}

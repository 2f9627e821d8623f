//! The STARK aggregation path: a tiny guest's app proof through the leaf and internal layers on
//! our engine, the final proof checked with openvm-sdk's STARK verifier (openvm-verify-stark-host)
//! against the app's commitments; a leaf proof compared with openvm-cpu-backend's.

use std::{sync::Arc, time::Instant};

use openvm_circuit::arch::VirtualMachine;
use openvm_continuations::{circuit::inner::ProofsType, prover::ChildVkKind};
use openvm_rv32im_circuit::{Rv32ImConfig, Rv32ImCpuBuilder};
use openvm_stark_backend::{codec::Encode, prover::DeviceDataTransporter, StarkEngine, SystemParams};
use openvm_stark_sdk::config::baby_bear_poseidon2::DuplexSponge;
use openvm_wgpu_backend::{field::F, BabyBearPoseidon2WgpuEngine, GpuContext, LimitProfile};
use openvm_wgpu_circuit::{
    aggregation::{
        continuation_proof, verify_stark, AggregationError, AggregationParams, AggregationProver, AggregationStep, LayerReport, LeafProver,
    },
    elf::rv32im_exe,
    prove_rv32im, transport_cpu_proving_ctx, TraceGeneration,
};
use openvm_wgpu_fixtures::asm;
use p3_field::{PrimeCharacteristicRing, PrimeField32};

use crate::common::{zero_pow_params, CpuEngine};

/// Small aggregation parameters without proof of work, as the app's ([`zero_pow_params`]):
/// upstream requires proof of work in all layers or none, and byte-identical proofs need none.
/// Stacked heights of 2^18 hold every verifier trace of these layers, and prove on a software
/// adapter in about three quarters of 2^20's time.
fn test_aggregation_params() -> AggregationParams {
    AggregationParams { leaf: zero_pow_params(18), internal: zero_pow_params(18), num_children_leaf: 4, num_children_internal: 3 }
}

fn step_line(s: &AggregationStep) -> String {
    format!("{} proof {} of {} ({} children): {:?}", s.layer, s.index + 1, s.of, s.children, s.time)
}

fn layer_names(layers: &[LayerReport]) -> Vec<(&str, usize)> {
    layers.iter().map(|l| (l.layer.as_str(), l.proofs.len())).collect()
}

/// One segment of the Fibonacci guest, proved on our engine, then aggregated on our engine into
/// the SDK's final STARK proof: leaf, internal-for-leaf, internal-recursive and the SDK's one
/// additional internal-recursive proof. openvm-cpu-backend makes the same leaf key, and from one
/// leaf proving context the same proof as ours; the layers above are proved from ours.
/// openvm-sdk's verifier accepts the final proof against the app's commitments and rejects it
/// against another executable's or with altered public values.
#[test]
fn a_tiny_guest_aggregates_to_the_final_stark_proof_on_our_engine() {
    let gpu = GpuContext::shared(LimitProfile::Native).expect("a GPU adapter (scripts/ensure-vulkan.sh installs lavapipe)");
    let config = Rv32ImConfig::with_public_values(asm::GUEST_PUBLIC_VALUE_BYTES);
    let exe = rv32im_exe(&asm::fibonacci(10)).unwrap_or_else(|e| panic!("{e}"));
    let app_params = zero_pow_params(19);
    let started = Instant::now();
    let app = prove_rv32im(gpu, app_params, config.clone(), exe, vec![].into(), TraceGeneration::Gpu, &mut |_| {})
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("app layer: {} segment(s) in {:?}", app.proofs.len(), started.elapsed());
    assert_eq!(app.proofs.len(), 1);
    let memory_dimensions = config.rv32i.system.memory_config.memory_dimensions();
    let num_user_pvs = asm::GUEST_PUBLIC_VALUE_BYTES;

    let started = Instant::now();
    let ours = AggregationProver::<BabyBearPoseidon2WgpuEngine>::new(Arc::new(app.vk.clone()), test_aggregation_params())
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("aggregation keygen on our engine: {:?}", started.elapsed());

    // The leaf layer from a proving context made once: openvm-cpu-backend makes the same leaf
    // key, and from that context the same proof bytes. (Upstream's verifier trace generation
    // orders the ExpBitsLen AIR's rows by thread scheduling, so two runs' contexts, and their
    // proofs, may differ.)
    let cpu_engine: CpuEngine = StarkEngine::new(test_aggregation_params().leaf);
    let cpu_leaf = LeafProver::<CpuEngine>::new::<CpuEngine>(Arc::new(app.vk.clone()), test_aggregation_params().leaf, false, None);
    assert_eq!(format!("{:?}", cpu_leaf.get_vk_commit(false)), format!("{:?}", ours.leaf.get_vk_commit(false)));
    assert_eq!(cpu_leaf.get_vk().pre_hash, ours.leaf.get_vk().pre_hash);
    let ctx = cpu_leaf.generate_proving_ctx(&app.proofs, ChildVkKind::App, ProofsType::Vm, None, &());
    let our_engine = BabyBearPoseidon2WgpuEngine::<DuplexSponge>::new(test_aggregation_params().leaf);
    let started = Instant::now();
    let our_ctx = transport_cpu_proving_ctx(our_engine.device(), &ctx).unwrap_or_else(|e| panic!("{e}"));
    let our_leaf =
        our_engine.prove(&our_engine.device().transport_pk_to_device(&cpu_leaf.get_pk()), our_ctx).unwrap_or_else(|e| panic!("{e}"));
    let ours_took = started.elapsed();
    let cpu_proof = cpu_engine.prove(&cpu_engine.device().transport_pk_to_device(&cpu_leaf.get_pk()), ctx).unwrap();
    eprintln!("leaf proof of one context: ours {ours_took:?}, openvm-cpu-backend {:?}", started.elapsed() - ours_took);
    assert!(our_leaf.encode_to_vec().unwrap() == cpu_proof.encode_to_vec().unwrap(), "the leaf proofs differ");

    // The layers above, on our engine, from that leaf proof. (`prove` runs the leaf layer
    // itself; a proof without segments is refused.)
    let app_proof = || continuation_proof(&app).unwrap_or_else(|e| panic!("{e}"));
    let no_segments = openvm_circuit::arch::ContinuationVmProof { per_segment: vec![], ..app_proof() };
    assert!(matches!(ours.prove(no_segments, &mut |_| {}), Err(AggregationError::NoSegments)));
    let aggregated = ours
        .prove_above_leaves(vec![our_leaf], app_proof().user_public_values, &mut |s| eprintln!("ours: {}", step_line(s)))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(layer_names(&aggregated.layers), [("internal_for_leaf", 1), ("internal_recursive.0", 1), ("internal_recursive.1", 1)]);
    assert_eq!(aggregated.internal_recursive_layers, 2);

    let vk = ours.verifying_key(app.exe_commit, memory_dimensions, num_user_pvs);
    verify_stark(&vk, &aggregated.proof).unwrap_or_else(|e| panic!("{e}"));
    let revealed: Vec<u8> = aggregated.proof.user_pvs_proof.public_values.iter().map(|v| v.as_canonical_u32() as u8).collect();
    assert_eq!(asm::public_value_words(&revealed)[..2], asm::fibonacci_public_values(10)[..]);

    // Another executable's commitment, or other public values: rejected.
    let mut other_exe = vk.clone();
    other_exe.baseline.app_exe_commit[0] += F::ONE;
    assert!(matches!(verify_stark(&other_exe, &aggregated.proof), Err(AggregationError::Verify(_))));
    let mut altered = aggregated.proof.clone();
    altered.user_pvs_proof.public_values[0] += F::ONE;
    assert!(matches!(verify_stark(&vk, &altered), Err(AggregationError::Verify(_))));
}

/// Parameters upstream would assert on are refused with a reason, before any keygen.
#[test]
fn aggregation_parameters_are_checked() {
    let app_params = zero_pow_params(19);
    let engine: CpuEngine = StarkEngine::new(app_params);
    let (_, pk) = VirtualMachine::new_with_keygen(engine, Rv32ImCpuBuilder, Rv32ImConfig::default()).unwrap_or_else(|e| panic!("{e}"));
    let app_vk = Arc::new(pk.get_vk());
    let refused = |params: AggregationParams| match AggregationProver::<CpuEngine>::new(app_vk.clone(), params) {
        Err(AggregationError::Params(reason)) => reason,
        Err(e) => panic!("another error: {e}"),
        Ok(_) => panic!("accepted"),
    };
    let leaf_arity = refused(AggregationParams { num_children_leaf: 0, ..test_aggregation_params() });
    assert!(leaf_arity.contains("children per leaf proof"), "{leaf_arity}");
    let internal_arity = refused(AggregationParams { num_children_internal: 1, ..test_aggregation_params() });
    assert!(internal_arity.contains("children per internal proof"), "{internal_arity}");
    // Proof of work in the leaf layer but not in the app's.
    let with_pow = AggregationParams { leaf: SystemParams::new_for_testing(20), ..test_aggregation_params() };
    let pow = refused(with_pow);
    assert!(pow.contains("logup.pow_bits (app 0, leaf 2, internal 0)"), "{pow}");
}

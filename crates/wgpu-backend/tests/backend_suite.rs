//! The upstream backend conformance suite (written by the protocol's authors) against our engine.

use openvm_wgpu_backend::BabyBearPoseidon2WgpuEngine;

openvm_backend_tests::backend_test_suite!(BabyBearPoseidon2WgpuEngine);

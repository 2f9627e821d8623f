//! The backend's tests, one module per file, in one test binary: the prover's generic code is
//! compiled and linked once for all of them. Upstream's conformance suite (tests/backend_suite.rs)
//! is a binary of its own: it installs a global tracing subscriber at debug level, which would
//! trace every other test of the process.

mod common;

mod commit;
mod constraint_program;
mod device_transcript;
mod engine;
mod field_arith;
mod grinding;
mod logup_gkr;
mod logup_input;
mod ntt_roundtrip;
mod pipeline_cache;
mod plonky3_airs;
mod proof_identity;
mod random_airs;
mod shader_portability;
mod stacked_reduction;
mod whir;
mod zerocheck_mle;
mod zerocheck_round0;

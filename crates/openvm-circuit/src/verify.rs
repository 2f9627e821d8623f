//! Segment verification with the segments' STARK proofs checked concurrently.
//!
//! Upstream's `verify_segments` verifies each segment's STARK proof in turn and then checks
//! that the segments chain (one program commitment, each segment starting at the previous
//! one's final pc and memory root, only the last terminating, with exit code 0). A STARK proof's
//! verification is independent of the others' and takes most of the time (about 90 ms for a
//! VM segment, mostly on one thread), so [`verify_segments_concurrently`] runs upstream's
//! verifier (`StarkEngine::verify`) on every proof at once, then makes upstream's chain checks
//! in upstream's order. Both accept and reject the same proofs (tests/vm/prove.rs).

use std::borrow::Borrow;

use openvm_circuit::{
    arch::{
        hasher::poseidon2::vm_poseidon2_hasher, ExitCode, VerifiedExecutionPayload, VmVerificationError, BOUNDARY_AIR_ID, CONNECTOR_AIR_ID,
        MERKLE_AIR_ID, PROGRAM_AIR_ID, PROGRAM_CACHED_TRACE_INDEX,
    },
    system::{
        connector::{VmConnectorPvs, DEFAULT_SUSPEND_EXIT_CODE},
        memory::{merkle::MemoryMerklePvs, CHUNK},
        program::trace::compute_exe_commit,
    },
};
use openvm_stark_backend::{
    keygen::types::MultiStarkVerifyingKey,
    p3_field::{PrimeCharacteristicRing, PrimeField32},
    p3_maybe_rayon::prelude::*,
    proof::Proof,
    StarkEngine,
};
use openvm_wgpu_backend::{device::SC, field::F};

/// Upstream's `verify_segments`, the STARK proofs verified concurrently.
pub fn verify_segments_concurrently<E>(
    engine: &E,
    vk: &MultiStarkVerifyingKey<SC>,
    proofs: &[Proof<SC>],
) -> Result<VerifiedExecutionPayload<F>, VmVerificationError<SC>>
where
    E: StarkEngine<SC = SC> + Sync,
{
    if proofs.is_empty() {
        return Err(VmVerificationError::ProofNotFound);
    }
    // The first failing proof's error, as upstream's loop would report it.
    let verified: Vec<_> = proofs.par_iter().map(|proof| engine.verify(vk, proof)).collect();
    if let Some(Err(e)) = verified.into_iter().find(Result::is_err) {
        return Err(VmVerificationError::StarkError(e));
    }

    let mut prev_final_memory_root = None;
    let mut prev_final_pc = None;
    let mut start_pc = None;
    let mut initial_memory_root = None;
    let mut program_commit = None;
    for (i, proof) in proofs.iter().enumerate() {
        let mut present = [false; 4];
        for (air_idx, (vdata, pvs)) in proof.trace_vdata.iter().zip(proof.public_values.iter()).enumerate() {
            match air_idx {
                PROGRAM_AIR_ID => {
                    present[0] = true;
                    let commit = vdata.as_ref().ok_or(VmVerificationError::SystemAirMissing { air_id: PROGRAM_AIR_ID })?.cached_commitments
                        [PROGRAM_CACHED_TRACE_INDEX];
                    match program_commit {
                        None => program_commit = Some(commit),
                        Some(c) if c != commit => return Err(VmVerificationError::ProgramCommitMismatch { index: i }),
                        Some(_) => {}
                    }
                }
                CONNECTOR_AIR_ID => {
                    present[1] = true;
                    let pvs: &VmConnectorPvs<F> = pvs.as_slice().borrow();
                    match prev_final_pc {
                        Some(prev) if pvs.initial_pc != prev => {
                            return Err(VmVerificationError::InitialPcMismatch {
                                initial: pvs.initial_pc.as_canonical_u32(),
                                prev_final: prev.as_canonical_u32(),
                            })
                        }
                        Some(_) => {}
                        None => start_pc = Some(pvs.initial_pc),
                    }
                    prev_final_pc = Some(pvs.final_pc);
                    let terminates = i == proofs.len() - 1;
                    if pvs.is_terminate != F::from_bool(terminates) {
                        return Err(VmVerificationError::IsTerminateMismatch {
                            expected: terminates,
                            actual: pvs.is_terminate.as_canonical_u32() != 0,
                        });
                    }
                    let exit_code = if terminates { ExitCode::Success as u32 } else { DEFAULT_SUSPEND_EXIT_CODE };
                    if pvs.exit_code != F::from_u32(exit_code) {
                        return Err(VmVerificationError::ExitCodeMismatch {
                            expected: exit_code,
                            actual: pvs.exit_code.as_canonical_u32(),
                        });
                    }
                }
                BOUNDARY_AIR_ID => {
                    present[2] = vdata.is_some();
                    if !pvs.is_empty() {
                        return Err(VmVerificationError::UnexpectedPvs { expected: 0, actual: pvs.len() });
                    }
                }
                MERKLE_AIR_ID => {
                    present[3] = true;
                    let pvs: &MemoryMerklePvs<F, CHUNK> = pvs.as_slice().borrow();
                    match prev_final_memory_root {
                        Some(prev) if pvs.initial_root != prev => return Err(VmVerificationError::InitialMemoryRootMismatch),
                        Some(_) => {}
                        None => initial_memory_root = Some(pvs.initial_root),
                    }
                    prev_final_memory_root = Some(pvs.final_root);
                }
                _ if !pvs.is_empty() => return Err(VmVerificationError::UnexpectedPvs { expected: 0, actual: pvs.len() }),
                _ => {}
            }
        }
        let missing = [PROGRAM_AIR_ID, CONNECTOR_AIR_ID, BOUNDARY_AIR_ID, MERKLE_AIR_ID].into_iter().zip(present).find(|(_, p)| !p);
        if let Some((air_id, _)) = missing {
            return Err(VmVerificationError::SystemAirMissing { air_id });
        }
    }
    let (Some(program_commit), Some(initial_memory_root), Some(start_pc), Some(final_memory_root)) =
        (program_commit, initial_memory_root, start_pc, prev_final_memory_root)
    else {
        return Err(VmVerificationError::ProofNotFound);
    };
    let exe_commit = compute_exe_commit(&vm_poseidon2_hasher(), &program_commit, &initial_memory_root, start_pc);
    Ok(VerifiedExecutionPayload { exe_commit, final_memory_root })
}

//! Proof-of-work grinding that returns the smallest witness (ARCHITECTURE.md rule 12).
//!
//! Upstream's `FiatShamirTranscript::grind` returns whichever witness its parallel search finds
//! first, so two runs may produce different proofs. Here the witness is the smallest `w` in
//! `0..p` (canonical order) with `check_witness(bits, w)`: the same on every run and device.
//!
//! For the sdk's `DuplexSponge` (Poseidon2 width 16, rate 8, overwrite mode) the check is one
//! permutation, so the search runs on the GPU (shaders/pow_grind.wgsl). `check_witness` observes
//! w and samples: the absorb writes `state[absorb_idx] = w`; if that fills the rate the absorb
//! permutes and leaves `absorb_idx = 0, sample_idx = RATE`, so the sample does not permute again;
//! otherwise `absorb_idx != 0` makes the sample permute. Either way exactly one permutation of
//! the state with w at `absorb_idx` happens (whatever `sample_idx` was), and the sample is word
//! `RATE - 1` of the result. Other transcripts are searched sequentially on the host.

use std::any::Any;

use openvm_stark_backend::FiatShamirTranscript;
use openvm_stark_sdk::config::baby_bear_poseidon2::DuplexSponge;
use openvm_wgpu_common::{GpuBuffer, GpuContext};
use p3_field::PrimeCharacteristicRing;

use crate::{
    device::SC,
    error::WgpuProverError,
    field::{as_words, F},
    kernels::pow_grind::{self, PowBatch, MAX_BITS, P},
};

/// Finds the smallest proof-of-work witness for `bits` and applies it to `transcript` (as
/// upstream's `grind` does, through `check_witness`). `bits == 0` returns zero and leaves the
/// transcript untouched.
pub fn grind<TS: FiatShamirTranscript<SC> + 'static>(ctx: &GpuContext, transcript: &mut TS, bits: usize) -> Result<F, WgpuProverError> {
    let _span = tracing::info_span!("grind_pow").entered();
    if bits == 0 {
        return Ok(F::ZERO);
    }
    if bits > MAX_BITS as usize {
        return Err(WgpuProverError::InvalidInput(format!("proof-of-work bits {bits} exceed {MAX_BITS} (2^bits must stay below p)")));
    }
    let witness = match (&*transcript as &dyn Any).downcast_ref::<DuplexSponge>() {
        Some(sponge) => gpu_search(ctx, sponge, bits as u32)?,
        None => cpu_search(&*transcript, bits)?,
    };
    if !transcript.check_witness(bits, witness) {
        return Err(WgpuProverError::Grinding(format!("the witness {witness} found for {bits} bits fails check_witness")));
    }
    Ok(witness)
}

/// The smallest witness for the sponge's current state, searched on the GPU in batches of
/// consecutive candidates; stops after the first batch that contains one.
pub fn gpu_search(ctx: &GpuContext, sponge: &DuplexSponge, bits: u32) -> Result<F, WgpuProverError> {
    let state: [u32; 16] = as_words(sponge.state()).try_into().expect("the sponge is 16 words wide");
    // Set before each batch, so a pooled buffer serves.
    let found = GpuBuffer::<u32>::uninit(ctx, pow_grind::NAME, 1)?;
    let g = pow_grind::geometry(&ctx.limits, bits);
    let mut start = 0u64;
    let mut batch = 0;
    while start < P {
        let count = g.batch(batch).min(P - start);
        // The reset is ordered before the submission that reads it; the batch and its result
        // are one submission.
        found.write(ctx, 0, &[u32::MAX])?;
        let mut enc = ctx.encoder(pow_grind::NAME);
        pow_grind::record(ctx, &mut enc, &found, PowBatch { state: &state, absorb_idx: sponge.absorb_idx(), bits, start, count })?;
        let w = found.submit_and_read(ctx, pow_grind::NAME, enc, 0..1)?[0];
        if w != u32::MAX {
            return Ok(F::from_u32(w));
        }
        start += count;
        batch += 1;
    }
    Err(WgpuProverError::Grinding(format!("no witness for {bits} bits in the whole field")))
}

/// The smallest witness by a sequential search from zero, `check_witness` on clones.
pub fn cpu_search<TS: FiatShamirTranscript<SC>>(transcript: &TS, bits: usize) -> Result<F, WgpuProverError> {
    (0..P as u32)
        .map(F::from_u32)
        .find(|&w| transcript.clone().check_witness(bits, w))
        .ok_or_else(|| WgpuProverError::Grinding(format!("no witness for {bits} bits in the whole field")))
}

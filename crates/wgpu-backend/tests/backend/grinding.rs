//! Proof-of-work grinding (ARCHITECTURE.md rule 12) against upstream's transcript, under every
//! limit profile: the GPU witness passes `check_witness`, is the smallest one (a sequential
//! search with upstream's `check_witness` on clones), and leaves the transcript exactly as
//! upstream's `check_witness` does.

use crate::common;

use openvm_stark_backend::FiatShamirTranscript;
use openvm_stark_sdk::config::baby_bear_poseidon2::{
    default_duplex_sponge, default_duplex_sponge_recorder, BabyBearPoseidon2Config as SC, DuplexSponge,
};
use openvm_wgpu_backend::{common::ContextOptions, error::WgpuProverError, field::F, openings::grinding::grind, GpuContext};
use p3_field::{PrimeCharacteristicRing, PrimeField32};
use rand::Rng;

/// The smallest witness, by upstream's own check on clones.
fn smallest_witness<TS: FiatShamirTranscript<SC>>(ts: &TS, bits: usize) -> F {
    (0u32..).map(F::from_u32).find(|&w| ts.clone().check_witness(bits, w)).unwrap()
}

/// Upstream's `check_witness` on a clone.
fn passes<TS: FiatShamirTranscript<SC>>(ts: &TS, bits: usize, w: F) -> bool {
    ts.clone().check_witness(bits, w)
}

/// Transcripts in varied states: every absorb position 0..7, right after a sample (and after
/// several), and a fresh sponge.
fn transcripts(seed: u64) -> Vec<(String, DuplexSponge)> {
    let mut rng = common::rng(seed);
    let mut out = vec![("fresh".to_string(), default_duplex_sponge())];
    for pos in 0..8 {
        let mut ts = default_duplex_sponge();
        let n = 8 * rng.random_range(0..4) + pos;
        for x in common::random_field(&mut rng, n) {
            FiatShamirTranscript::<SC>::observe(&mut ts, x);
        }
        assert_eq!(ts.absorb_idx(), pos);
        out.push((format!("absorb_idx {pos} after {n} observes"), ts));
    }
    for samples in [1, 3, 8, 9] {
        let mut ts = default_duplex_sponge();
        let n = rng.random_range(1..20);
        for x in common::random_field(&mut rng, n) {
            FiatShamirTranscript::<SC>::observe(&mut ts, x);
        }
        for _ in 0..samples {
            let _ = FiatShamirTranscript::<SC>::sample(&mut ts);
        }
        out.push((format!("after {samples} samples (sample_idx {})", ts.sample_idx()), ts));
    }
    out
}

fn assert_same_sponge(a: &DuplexSponge, b: &DuplexSponge, what: &str) {
    assert_eq!(a.state(), b.state(), "{what}: state");
    assert_eq!((a.absorb_idx(), a.sample_idx()), (b.absorb_idx(), b.sample_idx()), "{what}: indices");
    // The next samples agree too (last_op_perm is private; it only affects recorders).
    let (mut a, mut b) = (a.clone(), b.clone());
    for _ in 0..3 {
        assert_eq!(FiatShamirTranscript::<SC>::sample(&mut a), FiatShamirTranscript::<SC>::sample(&mut b), "{what}: next sample");
    }
}

#[test]
fn gpu_witness_is_the_smallest_and_advances_the_transcript_like_upstream() {
    for (profile, ctx) in common::profiles() {
        for (i, (name, ts)) in transcripts(7 + profile as u64).into_iter().enumerate() {
            // 16 bits (about 65536 permutations per search) on a few states, so a software
            // device stays quick.
            let bits_list: &[usize] = if i % 5 == 1 { &[1, 4, 8, 12, 16] } else { &[1, 4, 8, 12] };
            for &bits in bits_list {
                let what = format!("{profile} {name} bits {bits}");
                let mut gpu = ts.clone();
                let dispatches = ctx.stats().params;
                let w = grind(&ctx, &mut gpu, bits).unwrap_or_else(|e| panic!("{what}: {e}"));
                let after = ctx.stats().params;
                assert!(after.created + after.reused > dispatches.created + dispatches.reused, "{what}: the search ran on the GPU");
                assert!(passes(&ts, bits, w), "{what}: witness {w} fails check_witness");
                assert_eq!(w, smallest_witness(&ts, bits), "{what}: not the smallest witness");
                let mut upstream = ts.clone();
                assert!(FiatShamirTranscript::<SC>::check_witness(&mut upstream, bits, w));
                assert_same_sponge(&gpu, &upstream, &what);
            }
        }
    }
}

#[test]
fn zero_bits_return_zero_and_leave_the_transcript_alone() {
    for (profile, ctx) in common::profiles() {
        for (name, ts) in transcripts(99) {
            let mut t = ts.clone();
            assert_eq!(grind(&ctx, &mut t, 0).unwrap(), F::ZERO, "{profile} {name}");
            assert_same_sponge(&t, &ts, &format!("{profile} {name}"));
            // Upstream agrees.
            let mut u = ts.clone();
            assert_eq!(FiatShamirTranscript::<SC>::grind(&mut u, 0), F::ZERO);
            assert_same_sponge(&t, &u, &format!("{profile} {name} (upstream)"));
        }
    }
}

#[test]
fn other_transcripts_are_searched_on_the_host_for_the_same_witness() {
    // A device of its own, so other tests' dispatches do not move its counters.
    let ctx = GpuContext::new(&ContextOptions::default()).unwrap();
    let mut rng = common::rng(5);
    for n in [0usize, 3, 8, 13] {
        let mut rec = default_duplex_sponge_recorder();
        let mut sponge = default_duplex_sponge();
        for x in common::random_field(&mut rng, n) {
            FiatShamirTranscript::<SC>::observe(&mut rec, x);
            FiatShamirTranscript::<SC>::observe(&mut sponge, x);
        }
        for bits in [1, 6, 10] {
            let (mut r, mut s) = (rec.clone(), sponge.clone());
            let dispatches = ctx.stats().params;
            let wr = grind(&ctx, &mut r, bits).unwrap();
            assert_eq!(ctx.stats().params, dispatches, "a recorder is searched on the host");
            let ws = grind(&ctx, &mut s, bits).unwrap();
            assert_eq!(wr, ws, "{n} observes, {bits} bits");
            assert_eq!(wr, smallest_witness(&rec, bits));
            assert_same_sponge(&r.inner, &s, &format!("{n} observes, {bits} bits"));
            assert_eq!(r.log.len(), rec.log.len() + 2, "the recorder logged the witness and the sample");
        }
    }
}

#[test]
fn upstream_grind_and_ours_both_pass_and_out_of_range_bits_are_refused() {
    let ctx = common::ctx(openvm_wgpu_backend::LimitProfile::Native);
    let ts = transcripts(3).pop().unwrap().1;
    let mut up = ts.clone();
    let wu = FiatShamirTranscript::<SC>::grind(&mut up, 8);
    let mut ours = ts.clone();
    let w = grind(&ctx, &mut ours, 8).unwrap();
    assert!(w.as_canonical_u32() <= wu.as_canonical_u32(), "ours is the smallest: {w} vs upstream's {wu}");
    assert!(passes(&ts, 8, wu) && passes(&ts, 8, w));
    let mut t = ts.clone();
    let err = grind(&ctx, &mut t, 31).expect_err("31 bits exceed what upstream allows");
    assert!(matches!(err, WgpuProverError::InvalidInput(ref m) if m.contains("31")), "{err}");
    assert_same_sponge(&t, &ts, "refused input leaves the transcript alone");
}

//! The device's duplex sponge (`device_transcript::RoundTranscript`, kernel
//! `transcript_sponge`) against upstream's `DuplexSponge` under every limit profile: random
//! sequences of observations and samples, started from every absorb and sample position, give
//! the same challenges and leave the host transcript in the state upstream's would have, for
//! the plain sponge and its recording wrapper (whose log must equal a host-only run's); with
//! the host sampling the same steps give the same values. The sponge's permutation, one
//! invocation per state word (`poseidon2_lanes`), against Plonky3's.

use crate::common;

use openvm_stark_backend::{FiatShamirTranscript, TranscriptHistory};
use openvm_stark_sdk::config::baby_bear_poseidon2::{
    default_duplex_sponge, default_duplex_sponge_recorder, poseidon2_perm, BabyBearPoseidon2Config, DuplexSponge, DuplexSpongeRecorder,
};
use openvm_wgpu_backend::{
    field::{as_ext4s, as_words, from_words, EF, F},
    kernels::poseidon2_permute::permute_lanes,
    logup_zerocheck::device_transcript::{RoundTranscript, SpongePlacement},
    GpuContext, LimitProfile,
};
use p3_field::PrimeCharacteristicRing;
use p3_symmetric::Permutation;
use rand::{rngs::StdRng, Rng};

type SC = BabyBearPoseidon2Config;

#[test]
fn poseidon2_lanes_matches_the_sdk_permutation() {
    for (profile, ctx) in common::profiles() {
        let mut states: Vec<[F; 16]> = vec![[F::ZERO; 16], [F::ONE; 16], [F::NEG_ONE; 16]];
        let mut rng = common::rng(17);
        states.extend((0..200).map(|_| std::array::from_fn(|_| rng.random())));
        let flat: Vec<F> = states.iter().flatten().copied().collect();
        let got = from_words(permute_lanes(&ctx, as_words(&flat)).unwrap()).unwrap();
        for (i, s) in states.iter().enumerate() {
            let mut want = *s;
            poseidon2_perm().permute_mut(&mut want);
            assert_eq!(&got[16 * i..16 * i + 16], &want[..], "state {i} under {profile}");
        }
    }
}

/// A random schedule: (messages observed, challenges sampled) per step.
fn schedule(rng: &mut StdRng, steps: usize) -> Vec<(usize, usize)> {
    (0..steps).map(|_| (rng.random_range(0..6), rng.random_range(0..3))).collect()
}

/// Runs `schedule` through a RoundTranscript over `ts` (the messages written from the host,
/// as a kernel would) and the same steps directly on `reference`; checks the challenges and
/// the transcripts' next samples agree.
fn run<TS: FiatShamirTranscript<SC> + 'static>(
    ctx: &GpuContext,
    ts: &mut TS,
    reference: &mut TS,
    placement: SpongePlacement,
    rng: &mut StdRng,
    what: &str,
) -> bool {
    let steps = schedule(rng, 40);
    let messages: Vec<EF> = (0..steps.iter().map(|s| s.0).sum::<usize>()).map(|_| rng.random()).collect();
    let samples: usize = steps.iter().map(|s| s.1).sum();
    let mut rt = RoundTranscript::new(ctx, "test", ts, placement, messages.len(), samples).unwrap();
    let on_device = rt.on_device();
    rt.messages().write(ctx, 0, as_ext4s(&messages)).unwrap();
    let mut enc = ctx.encoder("test");
    let (mut m, mut c) = (0, 0);
    let mut expected = Vec::new();
    for (i, &(observe, sample)) in steps.iter().enumerate() {
        rt.step(&mut enc, m..m + observe, c, sample).unwrap();
        for &e in &messages[m..m + observe] {
            reference.observe_ext(e);
        }
        expected.extend((0..sample).map(|_| reference.sample_ext()));
        (m, c) = (m + observe, c + sample);
        if i % 7 == 6 {
            rt.flush(&mut enc).unwrap();
        }
    }
    let (got_messages, challenges) = rt.finish(enc).unwrap();
    assert_eq!(got_messages, messages, "{what}: messages");
    assert_eq!(challenges, expected, "{what}: challenges");
    assert_eq!(ts.sample_ext(), reference.sample_ext(), "{what}: transcript state after");
    on_device
}

/// A transcript advanced by `k` observations and `s` samples, so the run starts mid-block.
fn advance<TS: FiatShamirTranscript<SC>>(ts: &mut TS, k: usize, s: usize) {
    for i in 0..k {
        ts.observe(F::new(i as u32 + 1));
    }
    for _ in 0..s {
        let _ = ts.sample();
    }
}

/// Every start position within a block on the native device; two under the other profiles
/// (the kernel is one invocation, so the profiles differ only in its workgroup).
#[test]
fn device_sponge_matches_upstream() {
    for (profile, ctx) in common::profiles() {
        let mut rng = common::rng(5);
        let native = profile == LimitProfile::Native;
        let starts: Vec<(usize, usize)> =
            if native { (0..9).flat_map(|k| [(k, 0), (k, 1), (k, 3)]).collect() } else { vec![(0, 0), (5, 1)] };
        for (k, s) in starts {
            let what = format!("{profile}, start after {k} observations and {s} samples");
            let mut ts: DuplexSponge = default_duplex_sponge();
            advance(&mut ts, k, s);
            let mut reference = ts.clone();
            assert!(run(&ctx, &mut ts, &mut reference, SpongePlacement::Auto, &mut rng, &what), "{what}: sponge on the device");
        }
    }
}

/// The same steps with the host sampling.
#[test]
fn host_sampling_matches_upstream() {
    let ctx = common::ctx(LimitProfile::Native);
    let mut rng = common::rng(7);
    for (k, s) in [(0, 0), (5, 1)] {
        let mut ts: DuplexSponge = default_duplex_sponge();
        advance(&mut ts, k, s);
        let mut reference = ts.clone();
        assert!(!run(&ctx, &mut ts, &mut reference, SpongePlacement::Host, &mut rng, "host"), "host sampling");
    }
}

#[test]
fn recorder_log_is_upstreams() {
    let ctx = common::ctx(LimitProfile::Native);
    let mut rng = common::rng(6);
    let mut ts: DuplexSpongeRecorder = default_duplex_sponge_recorder();
    advance(&mut ts, 3, 1);
    let mut reference = ts.clone();
    assert!(run(&ctx, &mut ts, &mut reference, SpongePlacement::Auto, &mut rng, "recorder"), "recorder: sponge on the device");
    assert_eq!(ts.len(), reference.len(), "log length");
    let (log, expected) = (ts.into_log(), reference.into_log());
    assert_eq!(log.values(), expected.values(), "logged values");
    assert_eq!(log.samples(), expected.samples(), "logged sample flags");
}

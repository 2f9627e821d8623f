//! `openvm-wgpu bench rounds`: what one small round costs. The openings run dozens of rounds
//! (sumcheck rounds, proof-of-work searches, codeword commitments) whose GPU work is small, so
//! their time is set by submission latency and by the kernels' speed on small inputs:
//! - an empty submission with a 32-byte read-back (the floor of every round);
//! - the proof-of-work search (`grinding::grind`) at WHIR's bit counts, against upstream's
//!   `grind` on all cores on the same transcripts;
//! - a Merkle commitment of one extension-field codeword column, as WHIR makes per round;
//! - LogUp's GKR (`fractional_sumcheck`, hundreds of rounds) with the challenges sampled on
//!   the device and on the host, its recording alone, and its dispatches.

use std::time::Instant;

use openvm_stark_backend::prover::fractional_sumcheck_gkr::Frac;
use openvm_stark_backend::FiatShamirTranscript;
use openvm_stark_sdk::config::baby_bear_poseidon2::{BabyBearPoseidon2Config, DuplexSponge};
use openvm_wgpu_backend::{
    commit::merkle_tree::MerkleTree,
    field::{EF, F},
    logup_zerocheck::device_transcript::SpongePlacement,
    logup_zerocheck::fractional::{fractional_sumcheck_with, FracInput},
    openings::grinding,
    GpuContext, GpuError,
};
use openvm_wgpu_common::{ColumnMatrix, GpuBuffer};
use p3_baby_bear::default_babybear_poseidon2_16;
use rand::{rngs::StdRng, Rng, SeedableRng};

use crate::DeviceArgs;

/// What one small round of the openings costs
///
/// The submission round trip, the proof-of-work search against upstream's on all cores, a
/// WHIR-round codeword commitment, and LogUp's GKR with the challenges sampled on the device and
/// on the host.
#[derive(clap::Args)]
pub struct RoundsArgs {
    /// Proof-of-work bit counts to search, comma-separated
    #[arg(long, value_name = "N,N,...", value_delimiter = ',', default_value = "5,15,20")]
    bits: Vec<usize>,
    /// Milliseconds the GPU idles before each search, as in a proof while a host phase runs (its
    /// clocks drop)
    #[arg(long, value_name = "MS", default_value_t = 0)]
    idle_ms: u64,
    /// log2 of the committed codeword's rows
    #[arg(long, value_name = "N", default_value_t = 21)]
    codeword_log: usize,
    /// log2 of the GKR's fractions, comma-separated
    #[arg(long, value_name = "N,N,...", value_delimiter = ',', default_value = "16,20,24")]
    gkr_log: Vec<usize>,
    #[command(flatten)]
    device: DeviceArgs,
}

type SC = BabyBearPoseidon2Config;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

pub fn run(args: &RoundsArgs) -> Result<(), String> {
    let ctx = GpuContext::shared(args.device.profile).map_err(err)?;
    println!("device: {} ({:?})", ctx.adapter_info.name, ctx.adapter_info.backend);

    // The floor: submit an empty encoder and read 32 bytes back.
    let buf = GpuBuffer::<u32>::zeroed(&ctx, "bench", 8).map_err(err)?;
    let trips = 200;
    let start = Instant::now();
    for _ in 0..trips {
        buf.submit_and_read(&ctx, "bench", ctx.encoder("bench"), 0..8).map_err(err)?;
    }
    println!("round trip (empty submission + 32-byte read-back): {:.1} us", start.elapsed().as_secs_f64() * 1e6 / trips as f64);

    // Proof-of-work searches on random transcripts, GPU (smallest witness) against upstream's
    // parallel search on the CPU. With --idle-ms the GPU idles that long before each search, as
    // it does in a proof while a host phase runs (its clocks drop).
    let idle = std::time::Duration::from_millis(args.idle_ms);
    println!("GPU idle before each search: {} ms", idle.as_millis());
    println!("| bits | searches | GPU ms per search | CPU ms per search | CPU / GPU |\n|---|---|---|---|---|");
    let mut rng = StdRng::seed_from_u64(5);
    for &bits in &args.bits {
        let searches = if bits >= 20 { 8 } else { 16 };
        let states: Vec<DuplexSponge> = (0..searches)
            .map(|_| {
                let mut ts = DuplexSponge::from(default_babybear_poseidon2_16());
                for _ in 0..rng.random_range(1..20) {
                    FiatShamirTranscript::<SC>::observe(&mut ts, rng.random::<F>());
                }
                ts
            })
            .collect();
        // Warm-up (pipeline compilation, clocks).
        let _ = grinding::grind(&ctx, &mut states[0].clone(), bits).map_err(err)?;
        let mut gpu = 0.0;
        for s in &states {
            std::thread::sleep(idle);
            let start = Instant::now();
            let _ = grinding::grind(&ctx, &mut s.clone(), bits).map_err(err)?;
            gpu += start.elapsed().as_secs_f64() * 1e3 / searches as f64;
        }
        let start = Instant::now();
        for s in &states {
            let _ = FiatShamirTranscript::<SC>::grind(&mut s.clone(), bits);
        }
        let cpu = start.elapsed().as_secs_f64() * 1e3 / searches as f64;
        println!("| {bits} | {searches} | {gpu:.2} | {cpu:.2} | {:.1}x |", cpu / gpu);
    }

    // A WHIR-round codeword commitment: 2^log rows of one extension element, 16 rows per query.
    let log = args.codeword_log;
    let words: Vec<u32> = (0..4usize << log).map(|_| rng.random_range(0..0x7800_0001)).collect();
    let times: Vec<f64> = (0..5)
        .map(|_| -> Result<f64, String> {
            let m = ColumnMatrix::from_col_major(&ctx, "bench", 1 << log, 4, &words).map_err(err)?;
            let start = Instant::now();
            let tree = MerkleTree::new(&ctx, m, 16).map_err(err)?;
            let _root = tree.root(&ctx).map_err(|e: GpuError| err(e))?;
            Ok(start.elapsed().as_secs_f64() * 1e3)
        })
        .collect::<Result<_, _>>()?;
    println!(
        "merkle_tree over 2^{log} rows x 4 columns (16 rows per query), root read back: {:?} ms",
        times.iter().map(|t| format!("{t:.2}")).collect::<Vec<_>>()
    );

    // LogUp's GKR on 2^log random fractions, best of three after a warm-up, per placement.
    // Where the time goes: the GKR's spans (tree, recording the layers, the final wait and
    // replay), per run; and its dispatches (every dispatch takes one parameter slot).
    let spans = crate::phases::PhaseTimes::install(false);
    println!("| GKR fractions | sampling | ms | tree | layers recorded | finish | dispatches |\n|---|---|---|---|---|---|---|");
    for &log in &args.gkr_log {
        let fracs: Vec<Frac<EF>> = (0..1usize << log).map(|_| Frac { p: rng.random(), q: rng.random() }).collect();
        let input = FracInput::from_host(&ctx, &fracs).map_err(err)?;
        for placement in [SpongePlacement::Auto, SpongePlacement::Host] {
            let reps = 3;
            let run = || fractional_sumcheck_with(&ctx, &mut DuplexSponge::from(default_babybear_poseidon2_16()), &input, false, placement);
            let uniforms = || ctx.stats().param_slots;
            let before = uniforms();
            run().map_err(err)?;
            let dispatches = uniforms() - before;
            spans.take();
            let start = Instant::now();
            for _ in 0..reps {
                run().map_err(err)?;
            }
            let ms = start.elapsed().as_secs_f64() * 1e3 / reps as f64;
            let taken = spans.take();
            let span = |name: &str| taken.iter().find(|p| p.name == name).map_or(0.0, |p| p.time.as_secs_f64() * 1e3 / reps as f64);
            println!(
                "| 2^{log} | {placement:?} | {ms:.2} | {:.2} | {:.2} | {:.2} | {dispatches} |",
                span("gkr_tree"),
                span("gkr_layers"),
                span("gkr_finish")
            );
        }
    }
    Ok(())
}

//! `openvm-wgpu bench throughput`: several keccakf proofs in flight on one device from several
//! threads (one engine, one shared device and pipeline set), as proofs per second for 1, 2, 4
//! threads. Every proof is verified after the timed run.

use std::{sync::Arc, time::Instant};

use openvm_stark_backend::{
    prover::{AirProvingContext, ColMajorMatrix, DeviceDataTransporter, ProvingContext},
    StarkEngine,
};
use openvm_stark_sdk::config::{app_params_with_100_bits_security, baby_bear_poseidon2::DuplexSponge};
use openvm_wgpu_backend::{BabyBearPoseidon2WgpuEngine, GpuContext};
use openvm_wgpu_fixtures::keccakf::{keccakf_trace, KeccakfAir};

use crate::DeviceArgs;

/// Keccakf proofs in flight from several threads on one device: proofs per second
///
/// One engine, one shared device and pipeline set; every proof is verified after the timed run.
#[derive(clap::Args)]
pub struct ThroughputArgs {
    /// Keccak-f permutations per proof
    #[arg(long, value_name = "N", default_value_t = 1 << 10)]
    perms: usize,
    /// Proving threads of each run, comma-separated
    #[arg(long, value_name = "N,N,...", value_delimiter = ',', default_value = "1,2,4")]
    threads: Vec<usize>,
    /// Proofs each thread makes
    #[arg(long, value_name = "N", default_value_t = 4)]
    proofs_per_thread: usize,
    #[command(flatten)]
    device: DeviceArgs,
}

pub fn run(args: &ThroughputArgs) -> Result<(), String> {
    let (perms, threads) = (args.perms, &args.threads);
    let per_thread = args.proofs_per_thread.max(1);
    let gpu = GpuContext::shared(args.device.profile).map_err(|e| e.to_string())?;
    eprintln!("device: {} ({:?}); keccakf, {perms} permutations", gpu.adapter_info.name, gpu.adapter_info.backend);
    let engine = BabyBearPoseidon2WgpuEngine::<DuplexSponge>::with_context(app_params_with_100_bits_security(21), gpu);
    let (pk, vk) = engine.keygen(&[Arc::new(KeccakfAir::default())]);
    let d_pk = engine.device().transport_pk_to_device(&pk);
    let trace = ColMajorMatrix::from_row_major(&keccakf_trace(perms, 42));
    let prove_one = || {
        let ctx = engine
            .device()
            .transport_proving_ctx_to_device(&ProvingContext::new(vec![(0, AirProvingContext::simple_no_pis(trace.clone()))]));
        engine.prove(&d_pk, ctx).map_err(|e| format!("proving failed: {e}"))
    };
    // Compiles every pipeline before timing.
    let warm = prove_one()?;
    engine.verify(&vk, &warm).map_err(|e| format!("the proof does not verify: {e:?}"))?;

    println!("| threads | proofs | seconds | proofs per second | ms per proof |\n|---|---|---|---|---|");
    for &t in threads {
        let start = Instant::now();
        let proofs = std::thread::scope(|s| {
            let handles: Vec<_> =
                (0..t.max(1)).map(|_| s.spawn(|| (0..per_thread).map(|_| prove_one()).collect::<Result<Vec<_>, _>>())).collect();
            handles.into_iter().map(|h| h.join().map_err(|_| "a proving thread panicked".to_string())?).collect::<Result<Vec<_>, String>>()
        })?;
        let seconds = start.elapsed().as_secs_f64();
        let proofs: Vec<_> = proofs.into_iter().flatten().collect();
        for p in &proofs {
            engine.verify(&vk, p).map_err(|e| format!("a proof does not verify: {e:?}"))?;
        }
        let n = proofs.len() as f64;
        println!("| {t} | {} | {seconds:.2} | {:.2} | {:.1} |", proofs.len(), n / seconds, 1e3 * seconds / n);
    }
    Ok(())
}

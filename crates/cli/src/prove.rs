//! `openvm-wgpu prove keccakf`: keygen, prove and verify the keccakf AIR on our engine (or on
//! openvm-cpu-backend), then print the time of each prover phase under upstream's span names.

use std::{path::PathBuf, sync::Arc, time::Instant};

use openvm_stark_backend::{
    keygen::types::MultiStarkVerifyingKey,
    prover::{AirProvingContext, ColMajorMatrix, DeviceDataTransporter, DeviceMultiStarkProvingKey, ProvingContext},
    StarkEngine, SystemParams,
};
use openvm_stark_sdk::config::{
    app_params_with_100_bits_security,
    baby_bear_poseidon2::{BabyBearPoseidon2Config, BabyBearPoseidon2CpuEngine},
};
use openvm_wgpu_backend::{field::F, BabyBearPoseidon2WgpuEngine, GpuContext, GpuError};
use openvm_wgpu_fixtures::keccakf::{keccakf_trace, KeccakfAir};

use crate::{
    phases::{PeakMemory, PhaseTimes},
    Backend, DeviceArgs,
};

type SC = BabyBearPoseidon2Config;

/// The system parameters of every keccakf proof here (stacked height 2^21).
pub fn keccakf_params() -> SystemParams {
    app_params_with_100_bits_security(21)
}

/// The keccakf trace of `perms` permutations (fixed seed), column-major as provers take it.
pub fn keccakf_trace_matrix(perms: usize) -> ColMajorMatrix<F> {
    ColMajorMatrix::from_row_major(&keccakf_trace(perms, 42))
}

/// The keccakf AIR's keys on one engine, for repeated proofs.
pub struct KeccakfProver<'a, E: StarkEngine<SC = SC>> {
    engine: &'a E,
    d_pk: DeviceMultiStarkProvingKey<E::PB>,
    vk: MultiStarkVerifyingKey<SC>,
}

impl<'a, E: StarkEngine<SC = SC>> KeccakfProver<'a, E> {
    /// Keygen, and the proving key transported to the engine's device.
    pub fn new(engine: &'a E) -> Self {
        let (pk, vk) = engine.keygen(&[Arc::new(KeccakfAir::default())]);
        let d_pk = engine.device().transport_pk_to_device(&pk);
        Self { engine, d_pk, vk }
    }

    /// One proof as users make it: the trace transported to the device, proved, and the proof
    /// verified with upstream's verifier (`progress`: say so on stderr as each step starts).
    pub fn prove_and_verify(&self, trace: &ColMajorMatrix<F>, progress: bool) -> Result<(), String> {
        let device = self.engine.device();
        let ctx = device.transport_proving_ctx_to_device(&ProvingContext::new(vec![(0, AirProvingContext::simple_no_pis(trace.clone()))]));
        if progress {
            eprintln!("proving");
        }
        let proof = self.engine.prove(&self.d_pk, ctx).map_err(|e| format!("proving failed: {e}"))?;
        if progress {
            eprintln!("verifying");
        }
        self.engine.verify(&self.vk, &proof).map_err(|e| format!("the proof does not verify: {e:?}"))
    }
}

/// Keygen, prove and verify Keccak-f permutations, with each prover phase's time
///
/// Prints each prover phase's time under upstream's span names (--json writes them too).
/// Without a GPU adapter, or with only a software one (lavapipe, WARP, SwiftShader), it proves
/// on the CPU backend and says so; --backend wgpu forces the adapter.
#[derive(clap::Args)]
pub struct KeccakfArgs {
    /// Keccak-f permutations to prove
    #[arg(long, value_name = "N", default_value_t = 1 << 10)]
    perms: usize,
    /// Prove N times with the same keys and report the last proof (the first compiles the GPU
    /// pipelines)
    #[arg(long, value_name = "N", default_value_t = 1)]
    repeat: usize,
    /// The prover [default: wgpu, or cpu when the only adapter is a software one]
    #[arg(long, value_enum)]
    backend: Option<Backend>,
    /// Also write the phase times to FILE as JSON
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    #[command(flatten)]
    device: DeviceArgs,
}

pub fn run(args: &KeccakfArgs) -> Result<(), String> {
    let perms = args.perms;
    let repeat = args.repeat.max(1);
    let times = PhaseTimes::install(true);
    let params = keccakf_params();

    let start = Instant::now();
    eprintln!("generating the keccakf trace for {perms} permutations");
    let trace = keccakf_trace_matrix(perms);
    let backend = match args.backend.unwrap_or(Backend::Wgpu) {
        Backend::Wgpu => match GpuContext::shared(args.device.profile) {
            Ok(ctx) if args.backend.is_none() && is_software(&ctx) => {
                eprintln!("{}", software_note(&ctx));
                prove(&<BabyBearPoseidon2CpuEngine as StarkEngine>::new(params), trace, repeat, &times)?;
                "cpu (software GPU adapter only)"
            }
            Ok(ctx) => {
                eprintln!("proving on {} ({:?})", ctx.adapter_info.name, ctx.adapter_info.backend);
                let engine =
                    BabyBearPoseidon2WgpuEngine::<openvm_stark_sdk::config::baby_bear_poseidon2::DuplexSponge>::with_context(params, ctx);
                prove(&engine, trace, repeat, &times)?;
                "wgpu"
            }
            Err(e @ GpuError::NoAdapter { .. }) => {
                eprintln!("openvm-wgpu: {e}\nopenvm-wgpu: proving on the CPU backend (openvm-cpu-backend) instead");
                prove(&<BabyBearPoseidon2CpuEngine as StarkEngine>::new(params), trace, repeat, &times)?;
                "cpu (no GPU adapter)"
            }
            Err(e) => return Err(e.to_string()),
        },
        Backend::Cpu => {
            eprintln!("proving on openvm-cpu-backend ({} threads)", p3_maybe_rayon::prelude::current_num_threads());
            prove(&<BabyBearPoseidon2CpuEngine as StarkEngine>::new(params), trace, repeat, &times)?;
            "cpu"
        }
    };
    let total = start.elapsed();
    let phases = crate::phases::merge_segments(&times.take());

    let runs = if repeat > 1 { format!(", last of {repeat} proofs (the first compiles the GPU pipelines)") } else { String::new() };
    println!("keccakf, {perms} permutations, backend {backend}: proof verified{runs}");
    println!("| phase | ms |\n|---|---|");
    for p in &phases {
        println!("| {} | {:.1} |", p.label(), p.ms());
    }
    println!("| total (trace generation, keygen, prove, verify) | {:.1} |", total.as_secs_f64() * 1e3);
    if backend == "wgpu" {
        if let Some(p) = phases.iter().find(|p| p.name == "stark_prove_excluding_trace") {
            println!("{}", peak_memory_line(&p.peak));
        }
    }
    if let Some(path) = &args.json {
        let fields: Vec<String> = phases.iter().map(|p| format!("\"{}\": {:.3}", p.label(), p.ms())).collect();
        let text = format!(
            "{{\"program\": \"keccakf\", \"permutations\": {perms}, \"backend\": \"{backend}\", \"verified\": true, \"total_ms\": {:.3}, \"phases_ms\": {{{}}}}}\n",
            total.as_secs_f64() * 1e3,
            fields.join(", ")
        );
        std::fs::write(path, text).map_err(|e| format!("--json {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Keygen, then `repeat` times transport, prove and verify one keccakf trace on `engine`; the
/// phase times kept are the last proof's.
fn prove<E: StarkEngine<SC = SC>>(engine: &E, trace: ColMajorMatrix<F>, repeat: usize, times: &PhaseTimes) -> Result<(), String> {
    eprintln!("keygen");
    let prover = KeccakfProver::new(engine);
    for run in 1..=repeat {
        if repeat > 1 {
            eprintln!("proof {run} of {repeat}");
        }
        // Earlier proofs' times are dropped: the report is the last (warm) proof's.
        times.take();
        prover.prove_and_verify(&trace, true)?;
    }
    Ok(())
}

/// The proof's memory peaks in one line.
fn peak_memory_line(peak: &PeakMemory) -> String {
    format!(
        "peak memory during the proof: GPU {:.1} MiB held by our buffers (free pooled buffers included; at most {:.1} MiB in use), host heap {:.1} MiB",
        mib(peak.gpu_held),
        mib(peak.gpu_in_use),
        mib(peak.host)
    )
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 20) as f64
}

/// Whether the device is a software rasterizer (lavapipe, WARP, SwiftShader): there the CPU
/// backend proves faster than our kernels emulated on the CPU.
pub fn is_software(ctx: &GpuContext) -> bool {
    ctx.adapter_info.device_type == wgpu::DeviceType::Cpu
}

/// The one line said when a software adapter is the only one and the CPU backend proves instead.
pub fn software_note(ctx: &GpuContext) -> String {
    format!(
        "openvm-wgpu: the only GPU adapter is a software one ({}); proving on the CPU backend (openvm-cpu-backend), faster there (--backend wgpu forces the adapter)",
        ctx.adapter_info.name
    )
}

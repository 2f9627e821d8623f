//! `openvm-wgpu prove keccakf`: keygen, prove and verify the keccakf AIR on our engine (or on
//! openvm-cpu-backend), then print the time of each prover phase under upstream's span names.

use std::{sync::Arc, time::Instant};

use openvm_stark_backend::{
    prover::{AirProvingContext, ColMajorMatrix, DeviceDataTransporter, ProvingContext},
    StarkEngine,
};
use openvm_stark_sdk::config::{
    app_params_with_100_bits_security,
    baby_bear_poseidon2::{BabyBearPoseidon2Config, BabyBearPoseidon2CpuEngine},
};
use openvm_wgpu_backend::{
    keccakf::{keccakf_trace, KeccakfAir},
    BabyBearPoseidon2WgpuEngine, GpuContext, GpuError,
};

use crate::{phases::PhaseTimes, Args};

type SC = BabyBearPoseidon2Config;

pub fn run(args: &Args) -> Result<(), String> {
    match args.positional(0) {
        Some("keccakf") => {}
        other => return Err(format!("prove: unknown program {other:?}; available: keccakf, elf <guest.elf>")),
    }
    let perms = args.number("--perms", 1 << 10)? as usize;
    let repeat = args.number("--repeat", 1)?.max(1) as usize;
    let forced = args.value("--backend")?;
    let backend = forced.clone().unwrap_or_else(|| "wgpu".into());
    let json = args.value("--json")?;
    let times = PhaseTimes::install(true);
    let params = app_params_with_100_bits_security(21);

    let start = Instant::now();
    eprintln!("generating the keccakf trace for {perms} permutations");
    let trace = ColMajorMatrix::from_row_major(&keccakf_trace(perms, 42));
    let backend = match backend.as_str() {
        "wgpu" => match GpuContext::shared(args.context_options()?.profile.unwrap_or_default()) {
            Ok(ctx) if forced.is_none() && is_software(&ctx) => {
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
        "cpu" => {
            eprintln!("proving on openvm-cpu-backend ({} threads)", p3_maybe_rayon::prelude::current_num_threads());
            prove(&<BabyBearPoseidon2CpuEngine as StarkEngine>::new(params), trace, repeat, &times)?;
            "cpu"
        }
        other => return Err(format!("--backend: '{other}' is neither wgpu nor cpu")),
    };
    let total = start.elapsed();
    let phases = times.take();

    let runs = if repeat > 1 { format!(", last of {repeat} proofs (the first compiles the GPU pipelines)") } else { String::new() };
    println!("keccakf, {perms} permutations, backend {backend}: proof verified{runs}");
    println!("| phase | ms |\n|---|---|");
    for (name, d) in &phases {
        println!("| {name} | {:.1} |", d.as_secs_f64() * 1e3);
    }
    println!("| total (trace generation, keygen, prove, verify) | {:.1} |", total.as_secs_f64() * 1e3);
    if let Some(path) = json {
        let fields: Vec<String> = phases.iter().map(|(n, d)| format!("\"{n}\": {:.3}", d.as_secs_f64() * 1e3)).collect();
        let text = format!(
            "{{\"program\": \"keccakf\", \"permutations\": {perms}, \"backend\": \"{backend}\", \"verified\": true, \"total_ms\": {:.3}, \"phases_ms\": {{{}}}}}\n",
            total.as_secs_f64() * 1e3,
            fields.join(", ")
        );
        std::fs::write(&path, text).map_err(|e| format!("--json {path}: {e}"))?;
    }
    Ok(())
}

/// Keygen, then `repeat` times transport, prove and verify one keccakf trace on `engine`; the
/// phase times kept are the last proof's.
fn prove<E: StarkEngine<SC = SC>>(
    engine: &E,
    trace: ColMajorMatrix<openvm_wgpu_backend::field::F>,
    repeat: usize,
    times: &PhaseTimes,
) -> Result<(), String> {
    eprintln!("keygen");
    let (pk, vk) = engine.keygen(&[Arc::new(KeccakfAir::default())]);
    let device = engine.device();
    let d_pk = device.transport_pk_to_device(&pk);
    for run in 1..=repeat {
        if repeat > 1 {
            eprintln!("proof {run} of {repeat}");
        }
        // Earlier proofs' times are dropped: the report is the last (warm) proof's.
        times.take();
        let ctx = device.transport_proving_ctx_to_device(&ProvingContext::new(vec![(0, AirProvingContext::simple_no_pis(trace.clone()))]));
        eprintln!("proving");
        let proof = engine.prove(&d_pk, ctx).map_err(|e| format!("proving failed: {e}"))?;
        eprintln!("verifying");
        engine.verify(&vk, &proof).map_err(|e| format!("the proof does not verify: {e:?}"))?;
    }
    Ok(())
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

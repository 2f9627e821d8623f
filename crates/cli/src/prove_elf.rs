//! `openvm-wgpu prove elf`: an RV32IM guest executed, split into segments, every segment proved
//! on our engine (or openvm-cpu-backend, `--backend cpu`) and verified with upstream's segment
//! verification, with a per-segment table.

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use openvm_rv32im_circuit::{Rv32ImConfig, Rv32ImCpuBuilder};
use openvm_stark_backend::SystemParams;
use openvm_stark_sdk::config::{app_params_with_100_bits_security, MAX_APP_LOG_STACKED_HEIGHT};
use openvm_wgpu_backend::{field::F, GpuContext, LimitProfile};
use openvm_wgpu_circuit::{
    constant_trace_heights, device_interaction_limit,
    elf::{input_stream, rv32im_exe, VmExe},
    prove_rv32im, prove_rv32im_cpu, ProgramProof, SegmentReport, Segmentation,
};

use crate::{phases::PhaseTimes, Backend, DeviceArgs, Tracegen};

/// Public values the guest may reveal (the RV32IM configuration's default is none).
const NUM_PUBLIC_VALUES: usize = 32;

/// Rows of a segment's tallest trace at most, unless `--segment-height` says otherwise.
pub const DEFAULT_SEGMENT_HEIGHT: usize = 1 << 21;

/// The VM configuration guests are proved with: RV32IM, revealing up to 32 public values.
pub fn rv32im_config() -> Rv32ImConfig {
    Rv32ImConfig::with_public_values(NUM_PUBLIC_VALUES)
}

/// log2 of `segment_height`, which must be a power of two that `config`'s fixed-height chips fit
/// and the parameters allow.
pub fn segment_log_height(config: &Rv32ImConfig, segment_height: usize) -> Result<usize, String> {
    // The range-tuple checker of the M extension has a fixed height: every segment holds it.
    let min_height = config.mul.range_tuple_checker_sizes.iter().map(|&s| s as usize).product::<usize>();
    let log_height = segment_height.trailing_zeros() as usize;
    if !segment_height.is_power_of_two() || segment_height < min_height || log_height > MAX_APP_LOG_STACKED_HEIGHT {
        return Err(format!(
            "--segment-height {segment_height}: a power of two from {min_height} (the RV32IM range-tuple checker's height) to 2^{MAX_APP_LOG_STACKED_HEIGHT}"
        ));
    }
    Ok(log_height)
}

/// The system parameters of a guest's proofs: segments of at most 2^`log_height` rows.
pub fn guest_params(log_height: usize) -> SystemParams {
    app_params_with_100_bits_security(log_height)
}

/// Proves `exe` on `input` with our engine on `gpu`, the traces made as `tracegen` says, every
/// segment verified; `progress` hears of each segment as soon as it is proved.
pub fn prove_on_gpu(
    gpu: Arc<GpuContext>,
    config: &Rv32ImConfig,
    exe: &VmExe<F>,
    input: &[Vec<u8>],
    log_height: usize,
    tracegen: Tracegen,
    progress: impl FnMut(&SegmentReport),
) -> Result<ProgramProof, String> {
    let (params, input) = (guest_params(log_height), input_stream(input));
    prove_rv32im(gpu, params, config.clone(), exe.clone(), input, tracegen.generation(), progress).map_err(|e| e.to_string())
}

/// The progress line of a proved segment.
pub fn segment_line(s: &SegmentReport) -> String {
    format!(
        "segment {} proved: {} instructions, {} trace cells, preflight {:.0} ms, trace generation {:.0} ms, prove {:.0} ms",
        s.index,
        s.instructions,
        s.trace_cells,
        ms(s.preflight),
        ms(s.trace_generation),
        ms(s.prove)
    )
}

/// Prove and verify an RV32IM guest, segment by segment
///
/// Executes the guest, splits it into segments of at most H rows, proves and verifies every
/// segment with progress, and prints a per-segment table.
#[derive(clap::Args)]
pub struct ElfArgs {
    /// The guest's ELF file (`openvm-wgpu guest` writes the repository's guests)
    #[arg(value_name = "GUEST.ELF")]
    elf: PathBuf,
    /// The guest's input: a u64 (its 8 little-endian bytes) or a file's bytes [default: none]
    #[arg(long, value_name = "U64|FILE")]
    input: Option<String>,
    /// Rows of a segment's tallest trace at most: a power of two
    #[arg(long, value_name = "H", default_value_t = DEFAULT_SEGMENT_HEIGHT)]
    segment_height: usize,
    /// The prover: wgpu, or openvm-cpu-backend on the same segments [default: wgpu, or cpu when
    /// the only adapter is a software one]
    #[arg(long, value_enum)]
    backend: Option<Backend>,
    /// Where the chips' traces are made (with --backend wgpu)
    #[arg(long, value_enum, default_value_t = Tracegen::Gpu)]
    tracegen: Tracegen,
    /// Run N times and report the last run (the first compiles the GPU pipelines)
    #[arg(long, value_name = "N", default_value_t = 1)]
    repeat: u32,
    /// Also write the report to FILE as JSON
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    #[command(flatten)]
    device: DeviceArgs,
}

pub fn run(args: &ElfArgs) -> Result<(), String> {
    let path = args.elf.display().to_string();
    let bytes = std::fs::read(&args.elf).map_err(|e| format!("{path}: {e}"))?;
    let exe = rv32im_exe(&bytes).map_err(|e| format!("{path}: {e}"))?;
    let input = match &args.input {
        None => vec![],
        Some(v) => match v.parse::<u64>() {
            Ok(n) => vec![n.to_le_bytes().to_vec()],
            Err(_) => vec![std::fs::read(v).map_err(|e| format!("--input {v}: neither a u64 nor a readable file ({e})"))?],
        },
    };
    let config = rv32im_config();
    let log_height = segment_log_height(&config, args.segment_height)?;
    let profile = args.device.profile;
    let backend = match args.backend {
        Some(b) => b,
        None => match GpuContext::shared(profile) {
            Ok(gpu) if crate::prove::is_software(&gpu) => {
                eprintln!("{}", crate::prove::software_note(&gpu));
                Backend::Cpu
            }
            _ => Backend::Wgpu,
        },
    };
    let repeat = args.repeat.max(1);
    // Prover phases under upstream's span names, summed over the last run's segments.
    let times = PhaseTimes::install(false);
    let mut runs = Vec::new();
    for run in 1..=repeat {
        if repeat > 1 {
            eprintln!("run {run} of {repeat}");
        }
        let _ = times.take();
        let (proof, total) = prove_once(profile, &path, (backend, args.tracegen), &config, &exe, &input, log_height)?;
        eprintln!("run {run}: total {:.0} ms, of which keygen {:.0} ms", ms(total), ms(proof.keygen));
        runs.push((proof, total));
    }
    let phases = crate::phases::merge_segments(&times.take());
    let (proof, total) = runs.pop().expect("at least one run");
    let backend = backend.name();
    let runs_note = if repeat > 1 { format!(", last of {repeat} runs (the first compiles the GPU pipelines)") } else { String::new() };
    println!(
        "{path}: {} segments proved and verified (backend {backend}{runs_note}), exit code {:?}, metered execution {:.0} ms, total {:.0} ms (keygen {:.0} ms)",
        proof.segments.len(),
        proof.exit_code,
        ms(proof.metered_execution),
        ms(total),
        ms(proof.keygen)
    );
    println!("| segment | instructions | AIRs | trace cells | preflight ms | trace generation ms | prove ms |");
    println!("|---|---|---|---|---|---|---|");
    for s in &proof.segments {
        println!(
            "| {} | {} | {} | {} | {:.1} | {:.1} | {:.1} |",
            s.index,
            s.instructions,
            s.airs.len(),
            s.trace_cells,
            ms(s.preflight),
            ms(s.trace_generation),
            ms(s.prove)
        );
    }
    for s in &proof.segments {
        let heights: Vec<String> = s.airs.iter().map(|(name, h)| format!("{name} {h}")).collect();
        println!("segment {} AIR heights: {}", s.index, heights.join(", "));
    }
    println!("| prover phase, all segments | ms |\n|---|---|");
    for p in &phases {
        println!("| {} | {:.1} |", p.label(), p.ms());
    }
    let revealed: String = proof.public_values.iter().map(|b| format!("{b:02x}")).collect();
    println!("public values: {revealed}");
    if let Some(json_path) = &args.json {
        let segments: Vec<String> = proof
            .segments
            .iter()
            .map(|s| {
                let airs: Vec<String> = s.airs.iter().map(|(n, h)| format!("[\"{n}\", {h}]")).collect();
                format!(
                    "{{\"index\": {}, \"instructions\": {}, \"trace_cells\": {}, \"preflight_ms\": {:.3}, \"trace_generation_ms\": {:.3}, \"prove_ms\": {:.3}, \"airs\": [{}]}}",
                    s.index,
                    s.instructions,
                    s.trace_cells,
                    ms(s.preflight),
                    ms(s.trace_generation),
                    ms(s.prove),
                    airs.join(", ")
                )
            })
            .collect();
        let text = format!(
            "{{\"program\": \"{path}\", \"backend\": \"{backend}\", \"verified\": true, \"exit_code\": {}, \"public_values\": \"{revealed}\", \"total_ms\": {:.3}, \"keygen_ms\": {:.3}, \"metered_execution_ms\": {:.3}, \"segments\": [{}]}}\n",
            proof.exit_code.map_or("null".to_string(), |c| c.to_string()),
            ms(total),
            ms(proof.keygen),
            ms(proof.metered_execution),
            segments.join(", ")
        );
        std::fs::write(json_path, text).map_err(|e| format!("--json {}: {e}", json_path.display()))?;
    }
    Ok(())
}

/// Proves the program once.
fn prove_once(
    profile: LimitProfile,
    path: &str,
    (backend, tracegen): (Backend, Tracegen),
    config: &Rv32ImConfig,
    exe: &VmExe<F>,
    input: &[Vec<u8>],
    log_height: usize,
) -> Result<(ProgramProof, Duration), String> {
    let progress = |s: &SegmentReport| eprintln!("{}", segment_line(s));
    let start = Instant::now();
    let proof = match backend {
        Backend::Wgpu => {
            let gpu = GpuContext::shared(profile).map_err(|e| e.to_string())?;
            eprintln!(
                "proving {path} on {} ({:?}), segments of at most 2^{log_height} rows, trace generation on the {}",
                gpu.adapter_info.name,
                gpu.adapter_info.backend,
                tracegen.name()
            );
            prove_on_gpu(gpu, config, exe, input, log_height, tracegen, progress)?
        }
        Backend::Cpu => {
            let threads = p3_maybe_rayon::prelude::current_num_threads();
            eprintln!("proving {path} on openvm-cpu-backend ({threads} threads), segments of at most 2^{log_height} rows");
            // The segments the GPU would prove (its interaction limit), for a side-by-side
            // comparison; upstream's rule when no adapter exists.
            let segmentation = match GpuContext::shared(profile) {
                Ok(gpu) => Segmentation::MaxInteractions {
                    limit: device_interaction_limit(&gpu),
                    constant_heights: constant_trace_heights(&Rv32ImCpuBuilder, config).map_err(|e| e.to_string())?,
                },
                Err(_) => Segmentation::Upstream,
            };
            prove_rv32im_cpu(guest_params(log_height), config.clone(), exe.clone(), input_stream(input), segmentation, progress)
                .map_err(|e| e.to_string())?
        }
    };
    Ok((proof, start.elapsed()))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

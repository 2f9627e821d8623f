//! `openvm-wgpu prove elf`: a guest executed, split into segments, every segment proved on our
//! engine (or openvm-cpu-backend, `--backend cpu`) and verified with upstream's segment
//! verification, with a per-segment table. The VM is RV32IM, or the OpenVM SDK configuration of
//! an `openvm.toml` (`--config`).

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use openvm_rv32im_circuit::Rv32ImConfig;
use openvm_stark_backend::SystemParams;
use openvm_stark_sdk::config::{app_params_with_100_bits_security, MAX_APP_LOG_STACKED_HEIGHT};
use openvm_wgpu_backend::{field::F, GpuContext, LimitProfile};
use openvm_wgpu_circuit::{
    constant_trace_heights,
    elf::{input_stream, rv32im_exe, VmExe},
    input::{is_elf, read_input, read_vmexe, streams, InputItem},
    prove_rv32im, prove_rv32im_cpu, prove_sdk, prove_sdk_cpu, rv32im_segmentation,
    sdk::{as_rv32im, extensions, sdk_exe, sdk_segmentation},
    ProgramProof, SdkAppConfig, SdkVmConfig, SdkVmCpuBuilder, SegmentReport, Segmentation,
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

/// The VM a guest is proved on.
#[derive(Clone)]
pub enum GuestVm {
    /// [`rv32im_config`] (no `--config`).
    Rv32Im(Rv32ImConfig),
    /// The SDK configuration of an openvm.toml, named by its path.
    Sdk { config: SdkVmConfig, path: String },
}

impl GuestVm {
    pub fn describe(&self) -> String {
        match self {
            GuestVm::Rv32Im(_) => "RV32IM".to_string(),
            GuestVm::Sdk { config, path } => format!("{path} ({})", extensions(config).join(", ")),
        }
    }
}

/// The proofs' system parameters and log2 of their segment height for an SDK configuration:
/// the file's `[system_params]`, or else `--segment-height` (`segment_height`, default
/// [`DEFAULT_SEGMENT_HEIGHT`]); the height must hold the configuration's fixed-height traces.
pub fn sdk_params(app: &SdkAppConfig, path: &str, segment_height: Option<usize>) -> Result<(SystemParams, usize), String> {
    let heights = constant_trace_heights(&SdkVmCpuBuilder, &app.app_vm_config).map_err(|e| format!("--config {path}: {e}"))?;
    let min_height = heights.iter().flatten().copied().max().unwrap_or(1).next_power_of_two();
    match (&app.system_params, segment_height) {
        (Some(_), Some(_)) => {
            Err(format!("--segment-height: --config {path} sets [system_params], which fix the segment height; give one of them"))
        }
        (Some(params), None) => {
            let log_height = params.log_stacked_height();
            if log_height >= usize::BITS as usize || (1 << log_height) < min_height {
                return Err(format!(
                    "--config {path}: [system_params] give segments of 2^{log_height} rows, below {min_height} (the configuration's tallest fixed-height trace)"
                ));
            }
            Ok((params.clone(), log_height))
        }
        (None, h) => {
            let h = h.unwrap_or(DEFAULT_SEGMENT_HEIGHT);
            let log_height = h.trailing_zeros() as usize;
            if !h.is_power_of_two() || h < min_height || log_height > MAX_APP_LOG_STACKED_HEIGHT {
                return Err(format!(
                    "--segment-height {h}: a power of two from {min_height} (the tallest fixed-height trace of {path}'s configuration) to 2^{MAX_APP_LOG_STACKED_HEIGHT}"
                ));
            }
            Ok((guest_params(log_height), log_height))
        }
    }
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
    progress: &mut dyn FnMut(&SegmentReport),
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

/// Prove and verify a guest (RV32IM, or an OpenVM SDK configuration), segment by segment
///
/// Executes the guest, splits it into segments of at most H rows, proves and verifies every
/// segment with progress, and prints a per-segment table.
///
/// With --config, the VM is the openvm.toml's (as `cargo openvm` reads it): the ELF is transpiled
/// with its extensions, and the extensions' chips make their traces on the CPU (uploaded for the
/// GPU prover). A configuration of exactly rv32i, rv32m and io is the RV32IM circuit, whose
/// traces are made on the GPU by default.
#[derive(clap::Args)]
pub struct ElfArgs {
    /// The guest: its ELF file (`openvm-wgpu guest` writes the repository's guests), or the
    /// executable `cargo openvm build` writes (app.vmexe, transpiled for the VM of --config)
    #[arg(value_name = "GUEST.ELF|APP.VMEXE")]
    elf: PathBuf,
    /// The guest's input, as `cargo openvm --input` takes it: a hex string (01 then bytes, or 02
    /// then little-endian 32-bit field elements) or a JSON file {"input": [hex strings]}; also a
    /// decimal u64 (its 8 little-endian bytes) or any other file (its bytes) [default: none]
    #[arg(long, value_name = "HEX|FILE|U64")]
    input: Option<String>,
    /// The VM: an openvm.toml ([app_vm_config.*] tables as `cargo openvm` writes them, optional
    /// [system_params]) [default: RV32IM (rv32i, rv32m, io), 32 public values]
    #[arg(long, value_name = "OPENVM.TOML")]
    config: Option<PathBuf>,
    /// Rows of a segment's tallest trace at most: a power of two [default: 2097152, or the height
    /// --config's [system_params] give]
    #[arg(long, value_name = "H")]
    segment_height: Option<usize>,
    /// The prover: wgpu, or openvm-cpu-backend on the same segments [default: wgpu, or cpu when
    /// the only adapter is a software one]
    #[arg(long, value_enum)]
    backend: Option<Backend>,
    /// Where the chips' traces are made (with --backend wgpu) [default: gpu for RV32IM; cpu for a
    /// --config with other extensions, whose chips make traces on the CPU only (gpu is refused)]
    #[arg(long, value_enum)]
    tracegen: Option<Tracegen>,
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
    let (vm, params, log_height) = match &args.config {
        None => {
            let config = rv32im_config();
            let log_height = segment_log_height(&config, args.segment_height.unwrap_or(DEFAULT_SEGMENT_HEIGHT))?;
            (GuestVm::Rv32Im(config), guest_params(log_height), log_height)
        }
        Some(file) => {
            let config_path = file.display().to_string();
            let text = std::fs::read_to_string(file).map_err(|e| format!("--config {config_path}: {e}"))?;
            let app = SdkAppConfig::from_toml(&text).map_err(|e| format!("--config {config_path}: {e}"))?;
            let (params, log_height) = sdk_params(&app, &config_path, args.segment_height)?;
            (GuestVm::Sdk { config: app.app_vm_config, path: config_path }, params, log_height)
        }
    };
    let exe = guest_exe(&vm, &path, &bytes)?;
    let tracegen = chosen_tracegen(&vm, args.tracegen)?;
    let input = guest_input(args.input.as_deref())?;
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
        let (proof, total) = prove_once(profile, &path, (backend, tracegen), &vm, (&params, log_height), &exe, &input)?;
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
            "{{\"program\": \"{path}\", \"vm\": {}, \"backend\": \"{backend}\", \"verified\": true, \"exit_code\": {}, \"public_values\": \"{revealed}\", \"total_ms\": {:.3}, \"keygen_ms\": {:.3}, \"metered_execution_ms\": {:.3}, \"segments\": [{}]}}\n",
            json_string(&vm.describe()),
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

/// The guest's executable from its file: `cargo openvm`'s `.vmexe`, or an ELF transpiled for `vm`.
pub fn guest_exe(vm: &GuestVm, path: &str, bytes: &[u8]) -> Result<VmExe<F>, String> {
    match vm {
        _ if !is_elf(bytes) => read_vmexe(path, bytes).map_err(|e| format!("neither a RISC-V ELF nor {e}")),
        GuestVm::Rv32Im(_) => rv32im_exe(bytes).map_err(|e| format!("{path}: {e}")),
        GuestVm::Sdk { config, .. } => sdk_exe(bytes, config).map_err(|e| format!("{path}: {e}")),
    }
}

/// Where the chips' traces are made: `--tracegen` if given (gpu refused for a configuration
/// beyond RV32IM), else the GPU for the RV32IM circuit, which it covers, and the CPU otherwise.
pub fn chosen_tracegen(vm: &GuestVm, requested: Option<Tracegen>) -> Result<Tracegen, String> {
    Ok(match (vm, requested) {
        (GuestVm::Sdk { config, path }, Some(Tracegen::Gpu)) if as_rv32im(config).is_none() => {
            return Err(format!(
                "--tracegen gpu: {path} enables {}, beyond RV32IM (exactly rv32i, rv32m and io), whose chips make their traces on the CPU only: use --tracegen cpu (its default)",
                extensions(config).join(", ")
            ))
        }
        (_, Some(t)) => t,
        (GuestVm::Sdk { config, .. }, None) if as_rv32im(config).is_none() => Tracegen::Cpu,
        (_, None) => Tracegen::Gpu,
    })
}

/// The guest's input items from `--input`, none without it.
pub fn guest_input(arg: Option<&str>) -> Result<Vec<InputItem>, String> {
    arg.map_or(Ok(vec![]), |v| read_input(v).map_err(|e| format!("--input {e}")))
}

/// Proves the program once.
fn prove_once(
    profile: LimitProfile,
    path: &str,
    (backend, tracegen): (Backend, Tracegen),
    vm: &GuestVm,
    (params, log_height): (&SystemParams, usize),
    exe: &VmExe<F>,
    input: &[InputItem],
) -> Result<(ProgramProof, Duration), String> {
    let progress = &mut |s: &SegmentReport| eprintln!("{}", segment_line(s));
    let start = Instant::now();
    let (params, exe, stream) = (params.clone(), exe.clone(), streams(input));
    let vm_name = vm.describe();
    let proof = match backend {
        Backend::Wgpu => {
            let gpu = GpuContext::shared(profile).map_err(|e| e.to_string())?;
            eprintln!(
                "proving {path} on {} ({:?}), VM {vm_name}, segments of at most 2^{log_height} rows, trace generation on the {}",
                gpu.adapter_info.name,
                gpu.adapter_info.backend,
                tracegen.name()
            );
            match vm {
                GuestVm::Rv32Im(config) => prove_rv32im(gpu, params, config.clone(), exe, stream, tracegen.generation(), progress),
                GuestVm::Sdk { config, .. } => prove_sdk(gpu, params, config.clone(), exe, stream, tracegen.generation(), progress),
            }
            .map_err(|e| e.to_string())?
        }
        Backend::Cpu => {
            let threads = p3_maybe_rayon::prelude::current_num_threads();
            eprintln!("proving {path} on openvm-cpu-backend ({threads} threads), VM {vm_name}, segments of at most 2^{log_height} rows");
            // The segments the GPU would prove (its interaction limit), for a side-by-side
            // comparison; upstream's rule when no adapter exists.
            let gpu = GpuContext::shared(profile).ok();
            match vm {
                GuestVm::Rv32Im(config) => {
                    let segmentation = match gpu {
                        Some(gpu) => rv32im_segmentation(&gpu, config).map_err(|e| e.to_string())?,
                        None => Segmentation::Upstream,
                    };
                    prove_rv32im_cpu(params, config.clone(), exe, stream, segmentation, progress)
                }
                GuestVm::Sdk { config, .. } => {
                    let segmentation = match gpu {
                        Some(gpu) => sdk_segmentation(&gpu, config).map_err(|e| e.to_string())?,
                        None => Segmentation::Upstream,
                    };
                    prove_sdk_cpu(params, config.clone(), exe, stream, segmentation, progress)
                }
            }
            .map_err(|e| e.to_string())?
        }
    };
    Ok((proof, start.elapsed()))
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

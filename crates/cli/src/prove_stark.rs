//! `openvm-wgpu prove stark`: a guest proved to the OpenVM SDK's final STARK proof on our
//! engine: the app segments, then the leaf and internal aggregation layers, with a line per
//! proof and a table per layer; the final proof verified with openvm-sdk's STARK verifier
//! against the app's commitments.

use std::{
    cell::RefCell,
    path::PathBuf,
    time::{Duration, Instant},
};

use openvm_rv32im_circuit::Rv32ImCpuBuilder;
use openvm_stark_backend::{codec::Encode, interaction::LogUpSecurityParameters, SystemParams, WhirProximityStrategy};
use openvm_stark_sdk::config::baby_bear_poseidon2::{BabyBearPoseidon2CpuEngine, DuplexSponge};
use openvm_wgpu_backend::{BabyBearPoseidon2WgpuEngine, GpuContext, LimitProfile};
use openvm_wgpu_circuit::{
    aggregation::{prove_stark, AggregationParams, AggregationStep, StarkProof},
    constant_trace_heights, device_interaction_limit,
    input::streams,
    prove_rv32im, prove_rv32im_cpu, prove_sdk, prove_sdk_cpu,
    sdk::sdk_segmentation,
    SdkAppConfig, Segmentation,
};

use crate::{
    phases::{Measurement, PeakMemory},
    prove::mib,
    prove_elf::{
        chosen_tracegen, guest_exe, guest_input, guest_params, rv32im_config, sdk_params, segment_line, segment_log_height, GuestVm,
        DEFAULT_SEGMENT_HEIGHT,
    },
    Backend, Tracegen,
};

/// Prove a guest to the OpenVM SDK's final STARK proof and verify it
///
/// Executes the guest and proves its segments (the app layer, as `prove elf`), then aggregates
/// the segment proofs with the SDK's leaf and internal aggregation circuits (their traces made
/// on the CPU, proved on the GPU): leaf proofs of up to 4 segments, internal proofs of up to 3,
/// down to one proof and one more internal proof, as the SDK's StarkProver does. The final
/// proof is verified with openvm-sdk's STARK verifier against the app's commitments. Runs on the
/// adapter's own limits (the native profile).
#[derive(clap::Args)]
pub struct StarkArgs {
    /// The guest: its ELF file (`openvm-wgpu guest` writes the repository's guests), or the
    /// executable `cargo openvm build` writes (app.vmexe, transpiled for the VM of --config)
    #[arg(value_name = "GUEST.ELF|APP.VMEXE")]
    elf: PathBuf,
    /// The guest's input, as `cargo openvm --input` takes it (see `prove elf --help`)
    /// [default: none]
    #[arg(long, value_name = "HEX|FILE|U64")]
    input: Option<String>,
    /// The VM: an openvm.toml ([app_vm_config.*] tables as `cargo openvm` writes them, optional
    /// [system_params]) [default: RV32IM (rv32i, rv32m, io), 32 public values]
    #[arg(long, value_name = "OPENVM.TOML")]
    config: Option<PathBuf>,
    /// Rows of an app segment's tallest trace at most: a power of two [default: 2097152, or the
    /// height --config's [system_params] give]
    #[arg(long, value_name = "H")]
    segment_height: Option<usize>,
    /// Where the app chips' traces are made (with --backend wgpu) [default: gpu for RV32IM; cpu
    /// for a --config with other extensions]
    #[arg(long, value_enum)]
    tracegen: Option<Tracegen>,
    /// The prover of every layer: wgpu, or openvm-cpu-backend (on the segments the GPU would
    /// prove, for a side-by-side comparison)
    #[arg(long, value_enum, default_value = "wgpu")]
    backend: Backend,
    /// Small test parameters without proof of work in every layer (app segments of at most
    /// 2^19 rows): a quick end-to-end check, not a secure proof
    #[arg(long)]
    test_params: bool,
    /// Write the final proof (openvm-verify-stark-host's VmStarkProof encoding) to FILE
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// The parameters of `--test-params`: openvm-stark-backend's test parameters
/// (`SystemParams::new_for_testing`: blowup 2, 5-bit WHIR security) without proof of work,
/// since upstream requires proof of work in every layer or in none.
fn test_params(log_stacked_height: usize) -> SystemParams {
    let (l_skip, k_whir) = (4, 4);
    let logup = LogUpSecurityParameters { max_interaction_count: 1 << 30, log_max_message_length: 7, pow_bits: 0 };
    let proximity = WhirProximityStrategy::SplitUniqueList { m: 3, list_start_round: 1 };
    let log_final_poly_len = log_stacked_height % k_whir;
    SystemParams::new(1, l_skip, log_stacked_height - l_skip, 1 << 12, log_final_poly_len, 0, 0, proximity, 5, logup, 4, 0, k_whir)
}

pub fn run(args: &StarkArgs) -> Result<(), String> {
    if args.test_params && args.segment_height.is_some() {
        return Err("--segment-height: --test-params fix segments of 2^19 rows; give one of them".into());
    }
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
    let (params, log_height, agg_params) = if args.test_params {
        let leaf = test_params(20);
        (test_params(19), 19, AggregationParams { leaf: leaf.clone(), internal: leaf, ..AggregationParams::standard() })
    } else {
        (params, log_height, AggregationParams::standard())
    };
    let exe = guest_exe(&vm, &path, &bytes)?;
    let tracegen = chosen_tracegen(&vm, args.tracegen)?;
    let input = guest_input(args.input.as_deref())?;
    let system = match &vm {
        GuestVm::Rv32Im(config) => config.rv32i.system.clone(),
        GuestVm::Sdk { config, .. } => config.as_ref().clone(),
    };
    let (memory_dimensions, num_user_pvs) = (system.memory_config.memory_dimensions(), system.num_public_values);
    let not_secure = if args.test_params { ", test parameters (not secure)" } else { "" };
    let started = Instant::now();
    // Memory peaks between one proof's report and the next: each app segment's and each
    // aggregation proof's (the first leaf proof's window also holds the aggregation keygen).
    let window = RefCell::new(Measurement::start());
    let peaks: RefCell<Vec<(String, PeakMemory)>> = RefCell::new(Vec::new());
    let peak_since_last = |layer: &str| {
        let (_, peak) = window.replace(Measurement::start()).finish();
        peaks.borrow_mut().push((layer.to_string(), peak));
        peak
    };
    let progress = &mut |s: &AggregationStep| eprintln!("{}, {}", step_line(s), peak_line(peak_since_last(&s.layer)));
    let proof = match args.backend {
        Backend::Wgpu => {
            // The aggregation layers' engines open the shared device of the native profile
            // (`StarkEngine::new`); the app layer proves on the same one.
            let gpu = GpuContext::shared(LimitProfile::Native).map_err(|e| e.to_string())?;
            eprintln!(
                "proving {path} to a STARK proof on {} ({:?}), VM {}, app segments of at most 2^{log_height} rows, app trace generation on the {}{not_secure}",
                gpu.adapter_info.name,
                gpu.adapter_info.backend,
                vm.describe(),
                tracegen.name(),
            );
            let prove_app = |exe, stream| {
                let progress = &mut |s: &_| eprintln!("app {}, {}", segment_line(s), peak_line(peak_since_last("app")));
                match &vm {
                    GuestVm::Rv32Im(config) => prove_rv32im(gpu.clone(), params.clone(), config.clone(), exe, stream, tracegen.generation(), progress),
                    GuestVm::Sdk { config, .. } => prove_sdk(gpu.clone(), params.clone(), config.clone(), exe, stream, tracegen.generation(), progress),
                }
            };
            prove_stark::<BabyBearPoseidon2WgpuEngine>(&exe, streams(&input), memory_dimensions, num_user_pvs, agg_params, prove_app, progress)
        }
        Backend::Cpu => {
            let threads = p3_maybe_rayon::prelude::current_num_threads();
            eprintln!(
                "proving {path} to a STARK proof on openvm-cpu-backend ({threads} threads), VM {}, app segments of at most 2^{log_height} rows{not_secure}",
                vm.describe()
            );
            // The segments the GPU would prove (its interaction limit); upstream's rule when no
            // adapter exists.
            let gpu = GpuContext::shared(LimitProfile::Native).ok();
            let segmentation = match (&vm, gpu) {
                (GuestVm::Rv32Im(config), Some(gpu)) => Segmentation::MaxInteractions {
                    limit: device_interaction_limit(&gpu),
                    constant_heights: constant_trace_heights(&Rv32ImCpuBuilder, config).map_err(|e| e.to_string())?,
                },
                (GuestVm::Sdk { config, .. }, Some(gpu)) => sdk_segmentation(&gpu, config).map_err(|e| e.to_string())?,
                (_, None) => Segmentation::Upstream,
            };
            let prove_app = |exe, stream| {
                let progress = &mut |s: &_| eprintln!("app {}, {}", segment_line(s), peak_line(peak_since_last("app")));
                match &vm {
                    GuestVm::Rv32Im(config) => prove_rv32im_cpu(params.clone(), config.clone(), exe, stream, segmentation.clone(), progress),
                    GuestVm::Sdk { config, .. } => prove_sdk_cpu(params.clone(), config.clone(), exe, stream, segmentation.clone(), progress),
                }
            };
            prove_stark::<BabyBearPoseidon2CpuEngine<DuplexSponge>>(
                &exe,
                streams(&input),
                memory_dimensions,
                num_user_pvs,
                agg_params,
                prove_app,
                progress,
            )
        }
    }
    .map_err(|e| e.to_string())?;
    let total = started.elapsed();
    let _ = window.into_inner().finish();
    report(&path, args.backend, &proof, total, &peaks.into_inner());
    if let Some(out) = &args.out {
        let bytes = proof.aggregated.proof.encode_to_vec().map_err(|e| format!("--out: encoding the proof: {e}"))?;
        std::fs::write(out, bytes).map_err(|e| format!("--out {}: {e}", out.display()))?;
    }
    Ok(())
}

/// The progress line of one aggregation proof.
fn step_line(s: &AggregationStep) -> String {
    format!("{} proof {} of {} proved: {} child proofs, {:.0} ms", s.layer, s.index + 1, s.of, s.children, ms(s.time))
}

/// The memory peaks of one proof.
fn peak_line(peak: PeakMemory) -> String {
    format!("peak GPU {:.0} MiB held ({:.0} MiB in use), host heap {:.0} MiB", mib(peak.gpu_held), mib(peak.gpu_in_use), mib(peak.host))
}

/// The highest peaks of `layer`'s proofs.
fn layer_peak(peaks: &[(String, PeakMemory)], layer: &str) -> String {
    let mut highest = PeakMemory::default();
    for (_, p) in peaks.iter().filter(|(l, _)| l == layer) {
        highest.gpu_held = highest.gpu_held.max(p.gpu_held);
        highest.gpu_in_use = highest.gpu_in_use.max(p.gpu_in_use);
        highest.host = highest.host.max(p.host);
    }
    format!("{:.0} | {:.0} | {:.0}", mib(highest.gpu_held), mib(highest.gpu_in_use), mib(highest.host))
}

fn report(path: &str, backend: Backend, proof: &StarkProof, total: Duration, peaks: &[(String, PeakMemory)]) {
    let app = &proof.app;
    let app_ms: f64 = app.segments.iter().map(|s| ms(s.preflight + s.trace_generation + s.prove)).sum();
    let size = proof.aggregated.proof.encode_to_vec().map(|b| b.len()).unwrap_or(0);
    println!(
        "{path}: STARK proof (backend {}) verified by openvm-sdk's verifier: {} app segments, {} internal-recursive layers, exit code {:?}, total {:.0} ms, final proof {size} bytes",
        backend.name(),
        app.segments.len(),
        proof.aggregated.internal_recursive_layers,
        app.exit_code,
        ms(total),
    );
    println!("| layer | proofs | ms | of which keygen ms | peak GPU held MiB | peak GPU in use MiB | peak host heap MiB |");
    println!("|---|---|---|---|---|---|---|");
    let app_total = app_ms + ms(app.keygen) + ms(app.metered_execution);
    println!("| app | {} | {app_total:.1} | {:.1} | {} |", app.segments.len(), ms(app.keygen), layer_peak(peaks, "app"));
    let keygen = ms(proof.aggregation_keygen);
    println!("| aggregation keygen (leaf, internal) | - | {keygen:.1} | {keygen:.1} | in the first leaf proof's peaks | | |");
    for layer in &proof.aggregated.layers {
        let peak = layer_peak(peaks, &layer.layer);
        println!("| {} | {} | {:.1} | - | {peak} |", layer.layer, layer.proofs.len(), ms(layer.total()));
    }
    let revealed: String = app.public_values.iter().map(|b| format!("{b:02x}")).collect();
    println!("public values: {revealed}");
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

//! `openvm-wgpu bench prove`: whole proofs as users make them, across sizes — keccakf at
//! several numbers of permutations (as `prove keccakf` builds them) and an RV32IM guest (as
//! `prove elf` proves it) — with each prover phase's time and memory peaks: device memory our
//! buffers hold, device memory in use, and the host heap (crate::phases).
//!
//! Per case: a first proof, discarded as warm-up (it compiles or loads the pipelines and fills
//! the buffer pool; its time is reported as "first proof"), then `--repeat N` warm proofs, of
//! which the one with the least wall time is reported. Every proof is verified with upstream's
//! verifier. The buffer pools are emptied between cases, so each case's memory is its own, as in
//! a new process.

use std::{path::PathBuf, sync::Arc, time::Duration};

use openvm_stark_backend::SystemParams;
use openvm_stark_sdk::config::baby_bear_poseidon2::DuplexSponge;
use openvm_wgpu_backend::{BabyBearPoseidon2WgpuEngine, GpuContext};
use openvm_wgpu_circuit::{elf::rv32im_exe, SegmentReport};
use openvm_wgpu_common::{KernelTime, GPU_WORK, KERNEL_TIMES_VAR};
use serde_json::{json, Value};

use crate::{
    guest::guest_elf,
    host_memory::peak_resident_bytes,
    phases::{merge_segments, Measurement, PeakMemory, Phase, PhaseTimes, PHASES},
    prove::{keccakf_params, keccakf_trace_matrix, mib, KeccakfProver},
    prove_elf::{guest_params, prove_on_gpu, rv32im_config, segment_line, segment_log_height, DEFAULT_SEGMENT_HEIGHT},
    DeviceArgs, Tracegen,
};

/// Permutation counts (log2) proved unless `--perms-log` says otherwise.
const DEFAULT_PERMS_LOG: &str = "10,11,12,13,14";
/// The guest proved unless `--guest` or `--no-guest` says otherwise: about 1.4 million
/// RV32IM instructions.
const DEFAULT_GUEST: &str = "long-running:87500";
/// 2^k permutations at most: the host trace alone takes about 0.25 GiB per 2^10 permutations,
/// 256 GiB at this bound.
const MAX_PERMS_LOG: usize = 20;

/// One proof (or, for a guest, one whole run: every segment proved and verified).
struct ProofRun {
    /// Transport, proof and verification (a guest: keygen, execution, trace generation, every
    /// segment's proof and the verification).
    wall: Duration,
    /// Peaks over the whole run.
    peak: PeakMemory,
    /// Reported phases, per segment for a guest (`Phase::segment`).
    phases: Vec<Phase>,
    segments: Vec<SegmentReport>,
    /// GPU time per kernel label (empty unless dispatches are timed).
    kernels: Vec<(String, KernelTime)>,
}

impl ProofRun {
    /// The phases of the proofs: for a guest, summed over its segments (keygen and the program's
    /// commitment, outside any segment, are left out).
    fn proof_phases(&self) -> Vec<Phase> {
        if self.segments.is_empty() {
            merge_segments(&self.phases)
        } else {
            merge_segments(&self.phases.iter().filter(|p| p.segment.is_some()).cloned().collect::<Vec<_>>())
        }
    }
}

struct Case {
    label: String,
    /// What was proved, for the JSON report.
    program: Value,
    params: SystemParams,
    first: ProofRun,
    /// The warm proof reported (least wall time).
    warm: ProofRun,
    warm_walls: Vec<Duration>,
    /// Every warm proof's summary, in order (the JSON report's `warm_proofs`).
    warm_summaries: Vec<Value>,
}

/// Whole proofs across sizes: each prover phase's time and memory peaks
///
/// Proves as `prove keccakf` (2^k permutations) and `prove elf` (a repository guest) do: per
/// case a first proof, then the best of N warm ones, every proof verified; per phase the time,
/// the peak GPU memory our buffers hold (and in use) and the peak host heap.
#[derive(clap::Args)]
pub struct BenchProveArgs {
    /// log2 of the Keccak-f permutations of each keccakf case, comma-separated
    #[arg(long, value_name = "K,K,...", value_delimiter = ',', default_value = DEFAULT_PERMS_LOG)]
    perms_log: Vec<usize>,
    /// The guest case: NAME or NAME:N, a guest of `openvm-wgpu guest` and its argument
    #[arg(long, value_name = "NAME[:N]", default_value = DEFAULT_GUEST, value_parser = parse_guest)]
    guest: (String, Option<u32>),
    /// No guest case
    #[arg(long)]
    no_guest: bool,
    /// No keccakf cases
    #[arg(long)]
    no_keccakf: bool,
    /// Rows of a guest segment's tallest trace at most: a power of two
    #[arg(long, value_name = "H", default_value_t = DEFAULT_SEGMENT_HEIGHT)]
    segment_height: usize,
    /// Where the guest's chips make their traces
    #[arg(long, value_enum, default_value_t = Tracegen::Gpu)]
    tracegen: Tracegen,
    /// Warm proofs per case after the first; the one of least wall time is reported
    #[arg(long, value_name = "N", default_value_t = 1)]
    repeat: usize,
    /// Also write the report to FILE as JSON
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    #[command(flatten)]
    device: DeviceArgs,
}

pub fn run(args: &BenchProveArgs) -> Result<(), String> {
    let perms_logs = if args.no_keccakf { Vec::new() } else { args.perms_log.clone() };
    if let Some(&k) = perms_logs.iter().find(|&&k| k > MAX_PERMS_LOG) {
        return Err(format!("--perms-log {k}: at most {MAX_PERMS_LOG} (2^{MAX_PERMS_LOG} permutations)"));
    }
    let guest = if args.no_guest { None } else { Some(args.guest.clone()) };
    let repeat = args.repeat.max(1);
    if perms_logs.is_empty() && guest.is_none() {
        return Err("bench prove: nothing to prove (--no-keccakf and --no-guest)".into());
    }
    let config = rv32im_config();
    let log_height = segment_log_height(&config, args.segment_height)?;

    let times = PhaseTimes::install(false);
    let gpu = GpuContext::shared(args.device.profile).map_err(|e| e.to_string())?;
    let info = &gpu.adapter_info;
    eprintln!("device: {} ({:?}, driver {} {})", info.name, info.backend, info.driver, info.driver_info);
    let total = perms_logs.len() + usize::from(guest.is_some());
    let mut cases = Vec::new();
    for (i, &k) in perms_logs.iter().enumerate() {
        eprintln!("[{}/{total}] keccakf 2^{k} ({} permutations): trace generation and keygen", i + 1, 1usize << k);
        cases.push(keccakf_case(&gpu, k, repeat, &times)?);
    }
    if let Some((name, arg)) = &guest {
        eprintln!("[{total}/{total}] guest {}, segments of at most 2^{log_height} rows", guest_label(name, *arg));
        cases.push(guest_case(&gpu, (name, *arg), (log_height, args.tracegen), repeat, &times)?);
    }
    let resident = peak_resident_bytes();

    print_report(&gpu, &cases, repeat, resident);
    if let Some(path) = &args.json {
        let path_text = path.display();
        let report = json_report(&gpu, &cases, repeat, resident)?;
        let text = serde_json::to_string_pretty(&report).map_err(|e| format!("--json {path_text}: {e}"))?;
        std::fs::write(path, text + "\n").map_err(|e| format!("--json {path_text}: {e}"))?;
    }
    Ok(())
}

/// `name` or `name:argument` (a guest of `openvm-wgpu guest`): a usage error, before any case
/// runs, if the guest does not exist.
fn parse_guest(spec: &str) -> Result<(String, Option<u32>), String> {
    let (name, arg) = match spec.split_once(':') {
        Some((name, arg)) => (name, Some(arg.parse().map_err(|_| format!("'{arg}' is not a number"))?)),
        None => (spec, None),
    };
    guest_elf(name, arg)?;
    Ok((name.to_string(), arg))
}

/// The first proof, then `repeat` warm proofs, each measured by `prove_once`: the first, the
/// warm proof of least wall time, every warm wall time and every warm proof's summary.
#[allow(clippy::type_complexity)]
fn first_and_warm(
    times: &PhaseTimes,
    repeat: usize,
    mut prove_once: impl FnMut() -> Result<Vec<SegmentReport>, String>,
) -> Result<(ProofRun, ProofRun, Vec<Duration>, Vec<Value>), String> {
    let mut measured = || -> Result<ProofRun, String> {
        // Spans of the setup before this proof are not its phases.
        times.take();
        GPU_WORK.take_kernel_times();
        let m = Measurement::start();
        let segments = prove_once()?;
        let (wall, peak) = m.finish();
        Ok(ProofRun { wall, peak, phases: times.take(), segments, kernels: GPU_WORK.take_kernel_times() })
    };
    let first = measured()?;
    eprintln!("  first proof: {:.1} ms (verified)", ms(first.wall));
    let mut best: Option<ProofRun> = None;
    let mut walls = Vec::new();
    let mut summaries = Vec::new();
    for i in 1..=repeat {
        let run = measured()?;
        eprintln!("  warm proof {i} of {repeat}: {:.1} ms (verified)", ms(run.wall));
        walls.push(run.wall);
        summaries.push(proof_summary(&run));
        if best.as_ref().is_none_or(|b| run.wall < b.wall) {
            best = Some(run);
        }
    }
    let warm = best.ok_or("no warm proof ran")?;
    Ok((first, warm, walls, summaries))
}

/// One proof's wall time and its `stark_prove_excluding_trace` (summed over segments) with
/// that phase's GPU work.
fn proof_summary(run: &ProofRun) -> Value {
    let prove = run.proof_phases().into_iter().find(|p| p.name == "stark_prove_excluding_trace");
    json!({
        "wall_ms": ms(run.wall),
        "stark_prove_excluding_trace": prove.as_ref().map(phase_json),
    })
}

fn keccakf_case(gpu: &Arc<GpuContext>, k: usize, repeat: usize, times: &PhaseTimes) -> Result<Case, String> {
    // The previous case's pooled buffers would count as this case's memory.
    gpu.release_pooled_buffers();
    let perms = 1usize << k;
    let params = keccakf_params();
    let trace = keccakf_trace_matrix(perms);
    let engine = BabyBearPoseidon2WgpuEngine::<DuplexSponge>::with_context(params.clone(), gpu.clone());
    let prover = KeccakfProver::new(&engine);
    let (first, warm, warm_walls, warm_summaries) =
        first_and_warm(times, repeat, || prover.prove_and_verify(&trace, false).map(|()| Vec::new()))?;
    Ok(Case {
        label: format!("keccakf 2^{k}"),
        program: json!({"program": "keccakf", "permutations": perms}),
        params,
        first,
        warm,
        warm_walls,
        warm_summaries,
    })
}

fn guest_case(
    gpu: &Arc<GpuContext>,
    (name, arg): (&str, Option<u32>),
    (log_height, tracegen): (usize, Tracegen),
    repeat: usize,
    times: &PhaseTimes,
) -> Result<Case, String> {
    gpu.release_pooled_buffers();
    let (elf, what) = guest_elf(name, arg)?;
    eprintln!("  {what}");
    let exe = rv32im_exe(&elf).map_err(|e| format!("guest {name}: {e}"))?;
    let config = rv32im_config();
    let (first, warm, warm_walls, warm_summaries) = first_and_warm(times, repeat, || {
        let proof = prove_on_gpu(gpu.clone(), &config, &exe, &[], log_height, tracegen, &mut |s| eprintln!("    {}", segment_line(s)))?;
        Ok(proof.segments)
    })?;
    let instructions: u64 = warm.segments.iter().map(|s| s.instructions).sum();
    Ok(Case {
        label: guest_label(name, arg),
        program: json!({"program": name, "argument": arg, "instructions": instructions, "segment_height": 1u64 << log_height, "trace_generation": tracegen.name()}),
        params: guest_params(log_height),
        first,
        warm,
        warm_walls,
        warm_summaries,
    })
}

fn guest_label(name: &str, arg: Option<u32>) -> String {
    match arg {
        Some(a) => format!("{name} {a}"),
        None => name.to_string(),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Phase names in the order a proof runs them ([`PHASES`]), then the others as they come.
fn phase_names<'a>(lists: impl IntoIterator<Item = &'a [Phase]>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for list in lists {
        for p in list {
            if !names.contains(&p.name) {
                names.push(p.name.clone());
            }
        }
    }
    names.sort_by_key(|n| PHASES.iter().position(|p| p == n).unwrap_or(PHASES.len()));
    names
}

/// A table's row: its name and one cell per column (`None`: the column has no such phase).
type Row = (String, Vec<Option<String>>);

/// A markdown table: a row per phase, a column per case, `-` where a case has no such phase.
fn print_table(title: &str, columns: &[String], rows: &[Row]) {
    println!("\n{title}\n");
    println!("| phase | {} |", columns.join(" | "));
    println!("|---|{}", "---|".repeat(columns.len()));
    for (name, cells) in rows {
        let cells: Vec<&str> = cells.iter().map(|c| c.as_deref().unwrap_or("-")).collect();
        println!("| {name} | {} |", cells.join(" | "));
    }
}

/// A row of milliseconds or MiB.
fn number_row(name: &str, values: impl IntoIterator<Item = f64>) -> Row {
    (name.to_string(), values.into_iter().map(|v| Some(format!("{v:.1}"))).collect())
}

/// A table's rows: `above` (whole-proof rows), then one per phase of `names`, with `cell` read
/// from each case's phase of that name.
fn phase_rows(names: &[String], phases: &[Vec<Phase>], above: Vec<Row>, cell: impl Fn(&Phase) -> f64) -> Vec<Row> {
    let mut rows = above;
    for name in names {
        let cells = phases.iter().map(|list| list.iter().find(|p| &p.name == name).map(|p| format!("{:.1}", cell(p)))).collect();
        rows.push((name.clone(), cells));
    }
    rows
}

fn print_report(gpu: &GpuContext, cases: &[Case], repeat: usize, resident: Option<u64>) {
    let info = &gpu.adapter_info;
    let warm_note = if repeat > 1 { format!("the best of {repeat} warm proofs (least wall time)") } else { "one warm proof".to_string() };
    println!(
        "bench prove on {} ({:?}, driver {} {}): per case a first proof (warm-up), then {warm_note}; every proof verified",
        info.name, info.backend, info.driver, info.driver_info
    );
    let columns: Vec<String> = cases.iter().map(|c| c.label.clone()).collect();
    let phases: Vec<Vec<Phase>> = cases.iter().map(|c| c.warm.proof_phases()).collect();
    let names = phase_names(phases.iter().map(Vec::as_slice));
    let every_warm = |c: &Case| {
        let list: Vec<String> =
            c.warm_summaries.iter().filter_map(|v| v["stark_prove_excluding_trace"]["ms"].as_f64()).map(|v| format!("{v:.1}")).collect();
        Some(list.join(" / "))
    };
    let times_above = vec![
        number_row("first proof, wall", cases.iter().map(|c| ms(c.first.wall))),
        number_row("warm proof, wall", cases.iter().map(|c| ms(c.warm.wall))),
        ("stark_prove_excluding_trace of every warm proof".to_string(), cases.iter().map(every_warm).collect()),
    ];
    print_table("Time (ms), warm proof", &columns, &phase_rows(&names, &phases, times_above, Phase::ms));
    let memory = |title: &str, read: fn(&PeakMemory) -> u64| {
        let whole = vec![number_row("warm proof, whole", cases.iter().map(|c| mib(read(&c.warm.peak))))];
        print_table(title, &columns, &phase_rows(&names, &phases, whole, |p| mib(read(&p.peak))));
    };
    memory("Peak GPU memory held by our buffers, pooled free buffers included (MiB), warm proof", |p| p.gpu_held);
    memory("Peak GPU memory in use, pooled free buffers left out (MiB), warm proof", |p| p.gpu_in_use);
    memory("Peak host heap (MiB), warm proof (the host trace the caller keeps included)", |p| p.host);
    print_table("Dispatches, warm proof", &columns, &phase_rows(&names, &phases, Vec::new(), |p| p.work.dispatches as f64));
    print_table("Host waits for the GPU, warm proof", &columns, &phase_rows(&names, &phases, Vec::new(), |p| p.work.waits as f64));
    print_table("Host time waiting for the GPU (ms), warm proof", &columns, &phase_rows(&names, &phases, Vec::new(), |p| ms(p.work.wait)));
    print_table(
        "Host time creating buffers, submitting and writing to the GPU (ms), warm proof",
        &columns,
        &phase_rows(&names, &phases, Vec::new(), |p| ms(p.work.alloc + p.work.submit + p.work.write)),
    );
    if cases.iter().any(|c| c.warm.phases.iter().any(|p| p.work.timed_dispatches > 0)) {
        print_table(
            &format!("GPU time of the timed dispatches (ms, {KERNEL_TIMES_VAR}=1), warm proof"),
            &columns,
            &phase_rows(&names, &phases, Vec::new(), |p| ms(p.work.kernel)),
        );
        for case in cases {
            let rows: Vec<Row> = case
                .warm
                .kernels
                .iter()
                .take(40)
                .map(|(label, k)| (label.clone(), vec![Some(k.dispatches.to_string()), Some(format!("{:.2}", ms(k.time)))]))
                .collect();
            print_table(
                &format!("{}: GPU time per kernel, warm proof (the 40 largest)", case.label),
                &["dispatches".into(), "ms".into()],
                &rows,
            );
        }
    }
    println!(
        "\nwall: keccakf, the trace's transport, the proof and its verification; a guest, the whole run (keygen, execution, trace generation, every segment's proof, verification). A guest's phases are summed over its segments (peaks: the highest)."
    );

    for case in cases.iter().filter(|c| c.warm.segments.len() > 1) {
        let seg_columns: Vec<String> =
            case.warm.segments.iter().map(|s| format!("segment {}", s.index)).chain(["all segments".to_string()]).collect();
        let mut per_segment: Vec<Vec<Phase>> =
            case.warm.segments.iter().map(|s| case.warm.phases.iter().filter(|p| p.segment == Some(s.index)).cloned().collect()).collect();
        per_segment.push(case.warm.proof_phases());
        let seg_names = phase_names(per_segment.iter().map(Vec::as_slice));
        let segments = &case.warm.segments;
        let instructions = segments.iter().map(|s| s.instructions).chain([segments.iter().map(|s| s.instructions).sum()]);
        let above = vec![("instructions".to_string(), instructions.map(|n| Some(n.to_string())).collect())];
        let title = |what: &str| format!("{}: {what} per segment, warm run", case.label);
        print_table(&title("time (ms)"), &seg_columns, &phase_rows(&seg_names, &per_segment, above, Phase::ms));
        print_table(
            &title("peak GPU memory held (MiB)"),
            &seg_columns,
            &phase_rows(&seg_names, &per_segment, Vec::new(), |p| mib(p.peak.gpu_held)),
        );
        print_table(
            &title("peak GPU memory in use (MiB)"),
            &seg_columns,
            &phase_rows(&seg_names, &per_segment, Vec::new(), |p| mib(p.peak.gpu_in_use)),
        );
    }
    if let Some(bytes) = resident {
        println!("\nprocess peak resident memory (VmHWM, all cases): {:.1} MiB", mib(bytes));
    }
}

fn phase_json(p: &Phase) -> Value {
    json!({
        "name": p.name,
        "count": p.count,
        "ms": ms(p.time),
        "gpu_held_peak_bytes": p.peak.gpu_held,
        "gpu_in_use_peak_bytes": p.peak.gpu_in_use,
        "host_peak_bytes": p.peak.host,
        "dispatches": p.work.dispatches,
        "submissions": p.work.submissions,
        "waits": p.work.waits,
        "wait_ms": ms(p.work.wait),
        "timed_dispatches": p.work.timed_dispatches,
        "kernel_ms": ms(p.work.kernel),
        "allocations": p.work.allocations,
        "alloc_ms": ms(p.work.alloc),
        "submit_ms": ms(p.work.submit),
        "write_ms": ms(p.work.write),
    })
}

fn run_json(run: &ProofRun) -> Value {
    let mut v = json!({
        "wall_ms": ms(run.wall),
        "gpu_held_peak_bytes": run.peak.gpu_held,
        "gpu_in_use_peak_bytes": run.peak.gpu_in_use,
        "host_peak_bytes": run.peak.host,
        "phases": run.proof_phases().iter().map(phase_json).collect::<Vec<_>>(),
        "kernels": run.kernels.iter().map(|(label, k)| json!({"label": label, "dispatches": k.dispatches, "ms": ms(k.time)})).collect::<Vec<_>>(),
    });
    if !run.segments.is_empty() {
        v["segments"] = run
            .segments
            .iter()
            .map(|s| {
                json!({
                    "index": s.index,
                    "instructions": s.instructions,
                    "trace_cells": s.trace_cells,
                    "airs": s.airs.iter().map(|(name, height)| json!([name, height])).collect::<Vec<_>>(),
                    "preflight_ms": ms(s.preflight),
                    "trace_generation_ms": ms(s.trace_generation),
                    "prove_ms": ms(s.prove),
                    "phases": run.phases.iter().filter(|p| p.segment == Some(s.index)).map(phase_json).collect::<Vec<_>>(),
                })
            })
            .collect();
        v["outside_segments"] = run.phases.iter().filter(|p| p.segment.is_none()).map(phase_json).collect();
    }
    v
}

fn json_report(gpu: &GpuContext, cases: &[Case], repeat: usize, resident: Option<u64>) -> Result<Value, String> {
    let info = &gpu.adapter_info;
    let cases = cases
        .iter()
        .map(|c| {
            let params = serde_json::to_value(&c.params).map_err(|e| e.to_string())?;
            let mut case = json!({
                "case": c.label,
                "params": params,
                "first_proof": run_json(&c.first),
                "warm_proof": run_json(&c.warm),
                "warm_wall_ms": c.warm_walls.iter().map(|d| ms(*d)).collect::<Vec<_>>(),
                "warm_proofs": c.warm_summaries,
            });
            if let (Some(fields), Some(program)) = (case.as_object_mut(), c.program.as_object()) {
                fields.extend(program.clone());
            }
            Ok(case)
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(json!({
        "command": "bench prove",
        "adapter": info.name,
        "backend": format!("{:?}", info.backend),
        "device_type": format!("{:?}", info.device_type),
        "driver": info.driver,
        "driver_info": info.driver_info,
        "profile": gpu.profile.to_string(),
        "warm_proofs": repeat,
        "warm_proof_reported": "least wall time",
        "process_peak_resident_bytes": resident,
        "cases": cases,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guests_are_named_with_an_optional_argument() {
        assert_eq!(parse_guest("long-running:87500").unwrap(), ("long-running".to_string(), Some(87500)));
        assert_eq!(parse_guest("fibonacci").unwrap(), ("fibonacci".to_string(), None));
        assert!(parse_guest("long-running:many").unwrap_err().contains("not a number"));
        assert!(parse_guest("nonesuch").unwrap_err().contains("unknown guest"));
    }
}

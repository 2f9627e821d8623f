//! `openvm-wgpu bench execute`: how fast a guest executes, apart from proving. Upstream's
//! metered execution, then each segment's preflight execution (the records GPU trace generation
//! reads), one segment at a time, as `prove elf` runs them with nothing beside them.

use std::{path::PathBuf, time::Instant};

use openvm_wgpu_backend::GpuContext;
use openvm_wgpu_circuit::{execute_rv32im, input::read_input, input::streams, SegmentExecution};

use crate::{
    phases::PhaseTimes,
    prove_elf::{guest_params, rv32im_config, segment_log_height, DEFAULT_SEGMENT_HEIGHT},
    DeviceArgs,
};

/// How fast an RV32IM guest executes: metered execution and each segment's preflight
///
/// Runs the guest as `prove elf` does up to the records, on the same segments (the device's
/// limits decide them), and proves nothing. Prints each segment's preflight time and time per
/// instruction.
#[derive(clap::Args)]
pub struct ExecuteArgs {
    /// The guest's ELF file (RV32IM)
    #[arg(value_name = "GUEST.ELF")]
    elf: PathBuf,
    /// The guest's input, as `prove elf --input` takes it
    #[arg(long, value_name = "HEX|FILE|U64")]
    input: Option<String>,
    /// Rows of a segment's tallest trace at most: a power of two
    #[arg(long, value_name = "H", default_value_t = DEFAULT_SEGMENT_HEIGHT)]
    segment_height: usize,
    /// Run N times
    #[arg(long, value_name = "N", default_value_t = 1)]
    repeat: u32,
    #[command(flatten)]
    device: DeviceArgs,
}

pub fn run(args: &ExecuteArgs) -> Result<(), String> {
    let path = args.elf.display().to_string();
    let bytes = std::fs::read(&args.elf).map_err(|e| format!("{path}: {e}"))?;
    let exe = openvm_wgpu_circuit::elf::rv32im_exe(&bytes).map_err(|e| format!("{path}: {e}"))?;
    let input = match &args.input {
        None => vec![],
        Some(v) => read_input(v).map_err(|e| format!("--input {e}"))?,
    };
    let config = rv32im_config();
    let params = guest_params(segment_log_height(&config, args.segment_height)?);
    let gpu = GpuContext::shared(args.device.profile).map_err(|e| e.to_string())?;
    // The same span collector as `prove elf`, so that execution runs as it does there.
    let _times = PhaseTimes::install(false);
    for run in 1..=args.repeat.max(1) {
        let (mut instructions, mut preflight_ms) = (0u64, 0.0);
        let on_segment = &mut |s: SegmentExecution| {
            let ms = s.preflight.as_secs_f64() * 1e3;
            println!(
                "run {run} segment {}: {} instructions, preflight {ms:.1} ms, {:.1} ns per instruction",
                s.index,
                s.instructions,
                ms * 1e6 / s.instructions.max(1) as f64
            );
            instructions += s.instructions;
            preflight_ms += ms;
        };
        let start = Instant::now();
        let end =
            execute_rv32im(gpu.clone(), params.clone(), config.clone(), &exe, streams(&input), on_segment).map_err(|e| e.to_string())?;
        println!(
            "run {run}: {instructions} instructions, exit code {:?}, metered execution {:.1} ms, preflight {preflight_ms:.1} ms ({:.1} ns per instruction), total {:.1} ms (keygen included)",
            end.exit_code,
            end.metered_execution.as_secs_f64() * 1e3,
            preflight_ms * 1e6 / instructions.max(1) as f64,
            start.elapsed().as_secs_f64() * 1e3
        );
    }
    Ok(())
}

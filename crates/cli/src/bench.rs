//! `openvm-wgpu bench ntt`: our kernels against Plonky3's parallel CPU DFT on all cores of the
//! same machine, and against the memory roofline, in one run.
//!
//! GPU times are device-resident (data already on the GPU, as in the prover): several
//! transforms recorded in one submission, wall time divided by their number. The roofline is
//! the bytes a transform must move (read and write every element once) at the bandwidth of a
//! device-to-device copy measured in the same run.

use std::time::Instant;

use openvm_stark_backend::prover::{stacked_pcs::rs_code_matrix as cpu_rs_code_matrix, ColMajorMatrix};
use openvm_wgpu_backend::{
    commit::stacked_pcs::rs_code_matrix,
    common::{ColumnMatrix, GpuBuffer},
    field::{as_words, F},
    kernels::{bandwidth_probe, batch_ntt_small, mle_coeffs_to_evals, ntt},
    GpuContext, GpuError,
};
use p3_dft::{Radix2DitParallel, TwoAdicSubgroupDft};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use rand::{rngs::StdRng, Rng, SeedableRng};

use crate::DeviceArgs;

/// The NTT kernels against Plonky3's parallel CPU DFT and the memory roofline
///
/// batch_ntt_small (l = 1..10) and the large LDE (rs_code_matrix and coset_lde_batch) against
/// Plonky3's parallel CPU DFT on all cores and against the bandwidth of a device-to-device copy
/// measured in the same run.
#[derive(clap::Args)]
pub struct NttArgs {
    /// log2 of the elements per batch_ntt_small transform
    #[arg(long, value_name = "N", default_value_t = 26)]
    log_total: u32,
    /// log2 of the LDE's column height
    #[arg(long, value_name = "N", default_value_t = 20)]
    lde_log_height: u32,
    /// Columns of the LDE
    #[arg(long, value_name = "N", default_value_t = 64)]
    lde_width: usize,
    /// batch_ntt_small transforms recorded per submission
    #[arg(long, value_name = "N", default_value_t = 10)]
    reps: usize,
    /// Also time each step of rs_code_matrix, one submission each
    #[arg(long)]
    breakdown: bool,
    #[command(flatten)]
    device: DeviceArgs,
}

fn err(e: GpuError) -> String {
    e.to_string()
}

/// Runs `f` for about 0.2 s so the GPU reaches its working clocks, then returns the best of
/// three further runs.
fn warm_min(f: impl Fn() -> Result<f64, String>) -> Result<f64, String> {
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < 0.2 {
        f()?;
    }
    let mut best = f64::MAX;
    for _ in 0..3 {
        best = best.min(f()?);
    }
    Ok(best)
}

fn seconds<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let t = Instant::now();
    let out = f();
    (t.elapsed().as_secs_f64(), out)
}

/// Bandwidth of a streaming copy kernel (bytes read + written per second) over `bytes`.
fn copy_bandwidth(ctx: &GpuContext, bytes: usize) -> Result<f64, String> {
    let words = bytes / 16 * 4;
    let a = GpuBuffer::<u32>::zeroed(ctx, "bench copy", words).map_err(err)?;
    let b = GpuBuffer::<u32>::zeroed(ctx, "bench copy", words).map_err(err)?;
    let run = |reps: usize| -> Result<f64, String> {
        let mut enc = ctx.encoder("bench copy");
        bandwidth_probe::record_copies(ctx, &mut enc, &a, &b, reps).map_err(err)?;
        let (t, r) = seconds(|| ctx.submit_and_wait("bench copy", enc));
        r.map_err(err)?;
        Ok(t)
    };
    let reps = 20;
    let t = warm_min(|| run(reps))?;
    Ok((2 * words * 4 * reps) as f64 / t)
}

/// Times the steps of `rs_code_matrix` one submission each, to show where the time goes.
fn rs_code_matrix_breakdown(ctx: &GpuContext, m: &ColumnMatrix, l_skip: u32, log_blowup: u32) -> Result<(), String> {
    let step = |name: &str, f: &dyn Fn(&mut openvm_wgpu_common::GpuEncoder) -> Result<(), GpuError>| -> Result<(), String> {
        let mut enc = ctx.encoder(name);
        f(&mut enc).map_err(err)?;
        let (t, r) = seconds(|| ctx.submit_and_wait(name, enc));
        r.map_err(err)?;
        println!("| {name} | {:.3} |", t * 1e3);
        Ok(())
    };
    println!("\n| rs_code_matrix step (one submission each) | ms |\n|---|---|");
    let (t, coeffs) = seconds(|| ColumnMatrix::zeroed(ctx, "coeffs", m.height, m.width));
    let coeffs = coeffs.map_err(err)?;
    let (t2, out) = seconds(|| ColumnMatrix::zeroed(ctx, "codewords", m.height << log_blowup, m.width));
    let out = out.map_err(err)?;
    println!("| allocate | {:.3} |", (t + t2) * 1e3);
    step("first use (wgpu zero-fill) + copy", &|enc| {
        for (s, d) in m.chunks.iter().zip(&coeffs.chunks) {
            enc.copy_buffer_to_buffer(&s.buffer, 0, &d.buffer, 0, (s.len() * 4) as u64);
        }
        ntt::record_dit_passes(ctx, enc, &out, false)
    })?;
    step("copy again", &|enc| {
        for (s, d) in m.chunks.iter().zip(&coeffs.chunks) {
            enc.copy_buffer_to_buffer(&s.buffer, 0, &d.buffer, 0, (s.len() * 4) as u64);
        }
        Ok(())
    })?;
    step("batch_ntt_small inverse", &|enc| {
        coeffs.chunks.iter().try_for_each(|c| batch_ntt_small::record(ctx, enc, c, l_skip, c.len() >> l_skip, true))
    })?;
    step("mle_coeffs_to_evals", &|enc| {
        coeffs.chunks.iter().try_for_each(|c| mle_coeffs_to_evals::record(ctx, enc, c, l_skip, c.len() >> l_skip))
    })?;
    step("ntt_bitrev_gather", &|enc| ntt::record_bitrev_gather(ctx, enc, &coeffs, &out, F::ONE, None))?;
    let g = ntt::geometry(&ctx.limits, out.height.trailing_zeros()).map_err(|e| e.to_string())?;
    for pass in &g.passes {
        let name = format!(
            "ntt_dit_pass levels {}..{} (runs of 2^{}, tile 2^{})",
            pass.first_level,
            pass.first_level + pass.levels,
            pass.coalesce_log,
            g.tile_log
        );
        step(&name, &|enc| ntt::record_dit_pass(ctx, enc, &out, false, pass))?;
    }
    Ok(())
}

pub fn ntt(args: &NttArgs) -> Result<(), String> {
    let ctx = GpuContext::new(&args.device.context_options()).map_err(err)?;
    let (log_total, lde_log_height, lde_width) = (args.log_total, args.lde_log_height, args.lde_width);
    let reps = args.reps.max(1);
    let threads = p3_maybe_rayon::prelude::current_num_threads();
    let mut rng = StdRng::seed_from_u64(1);

    let total = 1usize << log_total;
    let bw = copy_bandwidth(&ctx, (total * 4).min(ctx.limits.max_binding_bytes() as usize))?;
    println!(
        "device: {} ({:?}), CPU baseline: Plonky3 Radix2DitParallel on {threads} threads",
        ctx.adapter_info.name, ctx.adapter_info.backend
    );
    println!("roofline: streaming-copy kernel bandwidth measured now: {:.0} GB/s (read + write)\n", bw / 1e9);

    println!("batch_ntt_small, 2^{log_total} elements per transform (forward), {reps} transforms per submission:\n");
    println!("| l | blocks | GPU µs | roofline µs | % of roofline | CPU µs | CPU / GPU |");
    println!("|---|---|---|---|---|---|---|");
    let values: Vec<F> = (0..total).map(|_| rng.random()).collect();
    let buf = GpuBuffer::from_slice(&ctx, "bench batch_ntt_small", as_words(&values)).map_err(err)?;
    for log_n in 1..=10u32 {
        let blocks = total >> log_n;
        let run = || -> Result<f64, String> {
            let mut enc = ctx.encoder("bench");
            for _ in 0..reps {
                batch_ntt_small::record(&ctx, &mut enc, &buf, log_n, blocks, false).map_err(err)?;
            }
            let (t, r) = seconds(|| ctx.submit_and_wait("bench", enc));
            r.map_err(err)?;
            Ok(t / reps as f64)
        };
        let gpu = warm_min(run)?;
        let roof = (total * 8) as f64 / bw;
        // Same work on the CPU: a 2^l-row matrix whose columns are the blocks.
        let m = RowMajorMatrix::new(values.clone(), blocks);
        let dft = Radix2DitParallel::<F>::default();
        let _ = dft.dft_batch(m.clone());
        let (cpu, _) = seconds(|| dft.dft_batch(m));
        println!(
            "| {log_n} | {blocks} | {:.0} | {:.0} | {:.0}% | {:.0} | {:.1}x |",
            gpu * 1e6,
            roof * 1e6,
            100.0 * roof / gpu,
            cpu * 1e6,
            cpu / gpu
        );
    }
    drop(buf);

    let height = 1usize << lde_log_height;
    let (l_skip, log_blowup) = (3u32, 1u32);
    println!(
        "\nrs_code_matrix (stacked-commitment column encoding, l_skip = {l_skip}, blowup 2^{log_blowup}) and coset LDE, {lde_width} columns of 2^{lde_log_height}:\n"
    );
    println!("| transform | GPU ms | GPU ms incl. upload + download | roofline ms | % of roofline | CPU ms | CPU / GPU |");
    println!("|---|---|---|---|---|---|---|");
    let values: Vec<F> = (0..height * lde_width).map(|_| rng.random()).collect();
    let cpu_matrix = ColMajorMatrix::new(values.clone(), lde_width);
    let out_words = (height << log_blowup) * lde_width;
    let roof = ((height * lde_width + out_words) * 4) as f64 / bw;

    let (t_up, m) = seconds(|| ColumnMatrix::from_col_major(&ctx, "bench lde", height, lde_width, as_words(&values)));
    let m = m.map_err(err)?;
    let gpu = warm_min(|| {
        let (t, r) = seconds(|| rs_code_matrix(&ctx, l_skip, log_blowup, &m));
        r.map_err(err)?;
        Ok(t)
    })?;
    let out = rs_code_matrix(&ctx, l_skip, log_blowup, &m).map_err(err)?;
    let t_down = seconds(|| out.read_col_major(&ctx)).0;
    drop(out);
    let _ = cpu_rs_code_matrix(l_skip as usize, log_blowup as usize, &cpu_matrix);
    let (cpu, _) = seconds(|| cpu_rs_code_matrix(l_skip as usize, log_blowup as usize, &cpu_matrix));
    let row = |name: &str, gpu: f64, cpu: f64| {
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} | {:.0}% | {:.1} | {:.1}x |",
            gpu * 1e3,
            (gpu + t_up + t_down) * 1e3,
            roof * 1e3,
            100.0 * roof / gpu,
            cpu * 1e3,
            cpu / gpu
        )
    };
    row("rs_code_matrix", gpu, cpu);

    if args.breakdown {
        rs_code_matrix_breakdown(&ctx, &m, l_skip, log_blowup)?;
    }

    let shift = F::from_u32(31);
    let gpu = warm_min(|| {
        let (t, r) = seconds(|| ntt::coset_lde_columns(&ctx, &m, log_blowup, shift));
        r.map_err(err)?;
        Ok(t)
    })?;
    let mut rm = vec![F::ZERO; values.len()];
    for c in 0..lde_width {
        for r in 0..height {
            rm[r * lde_width + c] = values[c * height + r];
        }
    }
    let rm = RowMajorMatrix::new(rm, lde_width);
    let dft = Radix2DitParallel::<F>::default();
    let _ = dft.coset_lde_batch(rm.clone(), log_blowup as usize, shift);
    let (cpu, _) = seconds(|| dft.coset_lde_batch(rm, log_blowup as usize, shift));
    row("coset_lde_batch", gpu, cpu);
    Ok(())
}

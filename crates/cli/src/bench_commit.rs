//! `openvm-wgpu bench commit`: the keccakf trace committed by our GPU path and by
//! openvm-cpu-backend (row-major, all cores) on the same machine, with the GPU's sub-steps.

use std::time::Instant;

use openvm_stark_backend::{prover::TraceCommitter, StarkEngine};
use openvm_stark_sdk::config::{app_params_with_100_bits_security, baby_bear_poseidon2::BabyBearPoseidon2CpuEngine};
use openvm_wgpu_backend::{
    commit::stacked_pcs::{rs_code_matrix, stacked_commit_row_major, stacked_matrix, Traces},
    common::SplitVec,
    field::F,
    kernels::{merkle_compress_layer, merkle_row_hash},
    GpuContext, GpuError,
};
use p3_matrix::{dense::RowMajorMatrix, Matrix};
use rand::{rngs::StdRng, Rng, SeedableRng};

use crate::DeviceArgs;

/// The keccakf trace committed on the GPU and by openvm-cpu-backend, with the GPU's sub-steps
#[derive(clap::Args)]
pub struct CommitArgs {
    /// Keccak-f permutations of each trace, comma-separated
    #[arg(long, value_name = "N,N,...", value_delimiter = ',', default_value = "1024,8192")]
    perms: Vec<usize>,
    #[command(flatten)]
    device: DeviceArgs,
}

fn err(e: GpuError) -> String {
    e.to_string()
}

/// Best of three warm runs (after one untimed run).
fn best<T>(mut f: impl FnMut() -> Result<T, String>) -> Result<f64, String> {
    f()?;
    let mut t = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        f()?;
        t = t.min(start.elapsed().as_secs_f64());
    }
    Ok(t)
}

fn keccakf_trace(perms: usize) -> RowMajorMatrix<F> {
    let mut rng = StdRng::seed_from_u64(42);
    let inputs: Vec<[u64; 25]> = (0..perms).map(|_| rng.random()).collect();
    p3_keccak_air::generate_trace_rows::<F>(inputs, 0)
}

pub fn run(args: &CommitArgs) -> Result<(), String> {
    let ctx = GpuContext::new(&args.device.context_options()).map_err(err)?;
    let params = app_params_with_100_bits_security(21);
    let (l_skip, n_stack, log_blowup, k_whir) = (params.l_skip, params.n_stack, params.log_blowup, params.k_whir());
    let cpu: BabyBearPoseidon2CpuEngine = StarkEngine::new(params.clone());
    let threads = p3_maybe_rayon::prelude::current_num_threads();
    println!(
        "device: {} ({:?}); CPU: openvm-cpu-backend (row-major) on {threads} threads",
        ctx.adapter_info.name, ctx.adapter_info.backend
    );
    println!(
        "params: app_params_with_100_bits_security(21): l_skip {l_skip}, n_stack {n_stack}, log_blowup {log_blowup}, k_whir {k_whir}\n"
    );
    println!("| permutations | trace | CPU commit ms | GPU commit ms (from host trace) | CPU / GPU | GPU: upload + stack | encode | row hash | tree | GPU on-device ms | CPU / GPU on-device |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for &perms in &args.perms {
        let trace = keccakf_trace(perms);
        let (h, w) = (trace.height(), trace.width());
        // Same root from both paths, or the comparison means nothing.
        let (cpu_root, _) = cpu.device().commit(&[&trace]).map_err(|e| format!("CPU commit: {e:?}"))?;
        let (gpu_root, data) = stacked_commit_row_major(&ctx, l_skip, n_stack, log_blowup, k_whir, &[&trace]).map_err(err)?;
        if cpu_root != gpu_root {
            return Err(format!("{perms} permutations: GPU root differs from the CPU backend's"));
        }
        let t_cpu = best(|| cpu.device().commit(&[&trace]).map(|_| ()).map_err(|e| format!("{e:?}")))?;
        let t_gpu = best(|| stacked_commit_row_major(&ctx, l_skip, n_stack, log_blowup, k_whir, &[&trace]).map(|_| ()).map_err(err))?;

        // Sub-steps, each its own submission, on the same data.
        let stacked = &data.matrix;
        let t_stack = best(|| stacked_matrix(&ctx, l_skip, n_stack, Traces::RowMajor(&[&trace])).map(|_| ()).map_err(err))?;
        let t_encode = best(|| rs_code_matrix(&ctx, l_skip as u32, log_blowup as u32, stacked).map(|_| ()).map_err(err))?;
        let codewords = &data.tree.matrix;
        let per_chunk = SplitVec::max_items_per_chunk(&ctx, "bench leaves", 8, None).map_err(err)?;
        let layer = |op: &str, len: usize| SplitVec::uninit(&ctx, op, len, 8, per_chunk).map_err(err);
        let leaves = layer("bench leaves", codewords.height)?;
        let t_hash = best(|| {
            let mut enc = ctx.encoder("bench row hash");
            let mut scratch = Vec::new();
            merkle_row_hash::record(&ctx, &mut enc, codewords, &leaves, &mut scratch).map_err(err)?;
            ctx.submit_and_wait("bench row hash", enc).map_err(err)
        })?;
        let t_tree = best(|| {
            let mut enc = ctx.encoder("bench tree");
            let (mut prev, mut len, stride) = (None::<SplitVec>, codewords.height, data.tree.query_stride());
            let mut scratch = Vec::new();
            let mut level = 0;
            while len > 1 {
                len /= 2;
                let next = layer("bench layer", len)?;
                let s = if level < k_whir { stride } else { 1 };
                merkle_compress_layer::record(&ctx, &mut enc, prev.as_ref().unwrap_or(&leaves), &next, s).map_err(err)?;
                scratch.extend(prev.replace(next));
                level += 1;
            }
            ctx.submit_and_wait("bench tree", enc).map_err(err)
        })?;
        let on_device = t_encode + t_hash + t_tree;
        println!(
            "| {perms} | {h} x {w} | {:.1} | {:.1} | {:.1}x | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1}x |",
            t_cpu * 1e3,
            t_gpu * 1e3,
            t_cpu / t_gpu,
            t_stack * 1e3,
            t_encode * 1e3,
            t_hash * 1e3,
            t_tree * 1e3,
            on_device * 1e3,
            t_cpu / on_device
        );
    }
    Ok(())
}

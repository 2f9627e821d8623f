//! `openvm-wgpu info`: adapters, the chosen device's limits and features, every kernel's launch
//! configuration there, and a self-check of the NTT kernels against Plonky3 / upstream.

use openvm_stark_backend::prover::{stacked_pcs::rs_code_matrix as cpu_rs_code_matrix, ColMajorMatrix};
use openvm_wgpu_backend::{
    commit::stacked_pcs::rs_code_matrix,
    common::{context::list_adapters, ColumnMatrix, GpuBuffer},
    field::{as_words, from_words, F},
    kernels::{batch_ntt_small, ntt, plans},
    GpuContext,
};
use p3_dft::{Radix2Bowers, Radix2DitParallel, TwoAdicSubgroupDft};
use p3_matrix::dense::RowMajorMatrix;
use rand::{rngs::StdRng, Rng, SeedableRng};

use crate::DeviceArgs;

/// Adapters, the chosen device's limits and features, every kernel's launch configuration
///
/// Lists the adapters found, the chosen one's limits and features and the launch configuration
/// of every kernel there, then self-checks the NTT kernels against Plonky3.
#[derive(clap::Args)]
pub struct InfoArgs {
    /// Skip the self-check
    #[arg(long)]
    no_check: bool,
    #[command(flatten)]
    device: DeviceArgs,
}

pub fn run(args: &InfoArgs) -> Result<(), String> {
    let adapters = list_adapters();
    println!("adapters ({}):", adapters.len());
    for a in &adapters {
        println!(
            "  {:40} {:?} {:?} driver '{}' subgroup {}..{}{}",
            a.info.name,
            a.info.backend,
            a.info.device_type,
            a.info.driver,
            a.info.subgroup_min_size,
            a.info.subgroup_max_size,
            if a.usable() { "" } else { "  (unusable: no SHADER_INT64)" }
        );
    }
    let ctx = GpuContext::new(&args.device.context_options()).map_err(|e| e.to_string())?;
    let l = &ctx.limits;
    println!("\nchosen: {} ({:?}), profile {}", ctx.adapter_info.name, ctx.adapter_info.backend, ctx.profile);
    println!("  invocations per workgroup  {}", l.max_invocations_per_workgroup);
    println!("  workgroup size x/y/z       {}/{}/{}", l.max_workgroup_size_x, l.max_workgroup_size_y, l.max_workgroup_size_z);
    println!("  workgroup memory           {} bytes", l.max_workgroup_storage_bytes);
    println!("  workgroups per dimension   {}", l.max_workgroups_per_dimension);
    println!("  storage binding            {} bytes", l.max_storage_buffer_binding_size);
    println!("  buffer                     {} bytes", l.max_buffer_size);
    println!("  storage buffers per kernel {}", l.max_storage_buffers_per_shader_stage);
    println!(
        "  subgroup size              {}..{} ({})",
        l.subgroup_min_size,
        l.subgroup_max_size,
        if l.subgroups { "shuffles used" } else { "not used" }
    );
    let loop_note = if l.max_loop_iterations < openvm_wgpu_common::limits::LOOP_PROBE_ITERATIONS {
        "the device's cap, or the profile's: longer work is split"
    } else {
        "no cap up to what the probe asked for"
    };
    println!("  loop iterations/invocation {} ({loop_note})", l.max_loop_iterations);
    println!("  work per dispatch          {} loop iterations (long programs run in blocks of rows)", l.max_dispatch_work);
    println!("  features                   {:?}", ctx.features);

    println!("\nlaunch configuration per kernel:");
    println!("  {:22} {:44} {:>9} {:>10} {:>6}", "kernel", "variant", "workgroup", "wg memory", "items");
    for p in plans(l).map_err(|e| e.to_string())? {
        println!(
            "  {:22} {:44} {:>9} {:>10} {:>6}",
            p.kernel.name, p.variant, p.shape.workgroup_size[0], p.shape.workgroup_memory_bytes, p.shape.items_per_invocation
        );
    }
    if args.no_check {
        return Ok(());
    }
    println!("\nself-check against Plonky3 / upstream CPU code:");
    self_check(&ctx).map_err(|e| format!("self-check failed: {e}"))?;
    println!("self-check passed");
    Ok(())
}

fn self_check(ctx: &GpuContext) -> Result<(), String> {
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let e = |e: openvm_wgpu_backend::GpuError| e.to_string();
    for log_n in 1..=10u32 {
        let blocks = 37;
        let values: Vec<F> = (0..blocks << log_n).map(|_| rng.random()).collect();
        let buf = GpuBuffer::from_slice(ctx, "self-check", as_words(&values)).map_err(e)?;
        batch_ntt_small::batch_ntt_small(ctx, &buf, log_n, blocks, false).map_err(e)?;
        let got = from_words(buf.read(ctx).map_err(e)?).map_err(e)?;
        let want: Vec<F> = values.chunks(1 << log_n).flat_map(|b| Radix2Bowers.dft(b.to_vec())).collect();
        if got != want {
            return Err(format!("batch_ntt_small l={log_n} differs from Plonky3"));
        }
    }
    println!("  batch_ntt_small l=1..10     ok");
    let (log_h, width) = (16u32, 4usize);
    let values: Vec<F> = (0..width << log_h).map(|_| rng.random()).collect();
    let m = ColumnMatrix::from_col_major(ctx, "self-check", 1 << log_h, width, as_words(&values)).map_err(e)?;
    let got = from_words(ntt::ntt_columns(ctx, &m, false).map_err(e)?.read_col_major(ctx).map_err(e)?).map_err(e)?;
    for (c, col) in values.chunks(1 << log_h).enumerate() {
        let want = Radix2DitParallel::<F>::default().dft_batch(RowMajorMatrix::new(col.to_vec(), 1));
        let want = p3_matrix::Matrix::to_row_major_matrix(want).values;
        if got[c << log_h..(c + 1) << log_h] != want[..] {
            return Err(format!("large NTT 2^{log_h} column {c} differs from Plonky3"));
        }
    }
    println!("  large NTT 2^{log_h} x {width}        ok");
    let got = rs_code_matrix(ctx, 3, 1, &m).map_err(e)?;
    let want = cpu_rs_code_matrix(3, 1, &ColMajorMatrix::new(values, width)).map_err(|e| e.to_string())?;
    if from_words(got.read_col_major(ctx).map_err(e)?).map_err(e)? != want.values {
        return Err("rs_code_matrix differs from upstream".into());
    }
    println!("  rs_code_matrix 2^{log_h} x {width}    ok");
    Ok(())
}

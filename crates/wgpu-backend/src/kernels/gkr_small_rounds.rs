//! LogUp GKR sumcheck rounds wholly inside one workgroup, with the sponge on the device: whole
//! small layers (their λ, eq tables, rounds, claims and μ), or the small last rounds of a large
//! layer, in one dispatch (`logup_zerocheck::fractional` decides which rounds are small).

use openvm_wgpu_common::{
    kernel::require,
    limits::{check_loop_iterations, split_grid, GeometryError},
    DeviceLimits, GpuBuffer, GpuContext, GpuResult, PipelineKey,
};

use super::{transcript_sponge, Custom, KernelPlan};
use crate::field::ExtBuffer;

pub const NAME: &str = "gkr_small_rounds";
pub(crate) const KERNEL: Custom<Params> = Custom::new(wgsl_kernel!("gkr_small_rounds"), |limits| Ok(vec![plan(limits)?]));

kernel_params! {
    pub struct Params {
        first_layer: u32,
        last_layer: u32,
        first_round: u32,
        layers: u32,
        next_lambda: u32,
        work_rows: u32,
        workgroup_base: u32,
        _pad0: u32,
    }
}

fn key(limits: &DeviceLimits) -> Result<PipelineKey, GeometryError> {
    let g = transcript_sponge::geometry(NAME, limits)?;
    Ok(PipelineKey::new(NAME, "main").constant("WORKGROUP_SIZE", g.workgroup_size()))
}

pub fn plan(limits: &DeviceLimits) -> Result<KernelPlan, GeometryError> {
    let g = transcript_sponge::geometry(NAME, limits)?;
    Ok(KernelPlan { kernel: KERNEL.source(), variant: String::new(), key: key(limits)?, shape: g.reduction.shape })
}

/// The largest round, in pairs of rows, that runs inside the one workgroup
/// (`transcript_sponge::SpongeReductionGeometry::small_round_pairs`).
pub fn small_round_pairs(ctx: &GpuContext) -> GpuResult<usize> {
    Ok(transcript_sponge::geometry(NAME, &ctx.limits)?.small_round_pairs() as usize)
}

/// The most loop iterations an invocation runs for `layers` (from round `first_round` of the
/// first) with `wg` invocations: per transcript step (λ, each round, the claims) one step of the
/// main loop and the sponge's word loop (at most 20 words); per round run three workgroup
/// reductions and its share of the round's pairs; per layer run from round 0 its share of the
/// eq table, each entry a product over the layer's variables. (The Poseidon2 permutation's loops have
/// constant trip counts.)
fn loop_iterations(layers: std::ops::RangeInclusive<usize>, first_round: usize, wg: u32) -> u64 {
    let wg = wg as u64;
    let reduce = 3 * (wg.trailing_zeros() as u64 + 1);
    layers
        .map(|layer| {
            let layer = layer as u64;
            // A tail (one layer) from round first_round on; whole layers from round 0.
            let rounds = layer.saturating_sub(first_round as u64).max(1);
            let first = layer - rounds;
            let steps = rounds + 2;
            let pairs: u64 = (first..layer).map(|s| (1u64 << (layer - 1 - s)).div_ceil(wg)).sum();
            // The eq table is built at round 0 only.
            let eq = if first == 0 { (1u64 << layer).div_ceil(wg) * (1 + layer) } else { 0 };
            steps * (1 + 20) + rounds * reduce + pairs + eq
        })
        .sum()
}

/// Whole small layers `layers` in runs of consecutive layers, one dispatch each, each run within
/// an invocation's loop limit (a single layer past it stays alone, and `record` refuses it).
pub fn layer_runs(ctx: &GpuContext, layers: std::ops::RangeInclusive<usize>) -> GpuResult<Vec<std::ops::RangeInclusive<usize>>> {
    let wg = transcript_sponge::geometry(NAME, &ctx.limits)?.workgroup_size();
    let limit = ctx.limits.max_loop_iterations as u64;
    let mut runs: Vec<std::ops::RangeInclusive<usize>> = Vec::new();
    for layer in layers {
        match runs.last_mut() {
            Some(run) if loop_iterations(*run.start()..=layer, 0, wg) <= limit => *run = *run.start()..=layer,
            _ => runs.push(layer..=layer),
        }
    }
    Ok(runs)
}

/// Extension elements of the working buffer for sets of `rows` rows.
pub fn work_elements(rows: usize) -> usize {
    10 * rows
}

/// The buffers: the sponge's state, the small tree layers (layer k >= 2 from fraction
/// 2^k - 4; whole layers only), the matrix and eq column a tail starts from (tails only),
/// the working sets, the messages and the challenges. Unused inputs may be bound to any
/// read-only buffer.
pub struct SmallRoundBuffers<'a> {
    pub sponge: &'a GpuBuffer<u32>,
    pub tree: &'a ExtBuffer,
    pub pq_in: &'a ExtBuffer,
    pub eq_in: &'a ExtBuffer,
    pub work: &'a ExtBuffer,
    pub messages: &'a ExtBuffer,
    pub challenges: &'a ExtBuffer,
}

/// Which rounds: layers `layers` (every round of each when `first_round` is 0; otherwise one
/// layer from that round on), of a GKR with `total_layers` layers (the slot layout), the
/// working sets `work_rows` rows each; `next_lambda` samples the next layer's λ at the end.
pub struct SmallRounds {
    pub layers: std::ops::RangeInclusive<usize>,
    pub first_round: usize,
    pub total_layers: usize,
    pub work_rows: usize,
    pub next_lambda: bool,
}

pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    b: &SmallRoundBuffers<'_>,
    job: &SmallRounds,
) -> GpuResult<()> {
    let (first, last) = (*job.layers.start(), *job.layers.end());
    require(NAME, first >= 1 && first <= last && last < job.total_layers, || format!("layers {first}..={last} of {}", job.total_layers))?;
    require(NAME, job.first_round == 0 || (first == last && job.first_round < first), || {
        format!("a tail from round {} over layers {first}..={last}", job.first_round)
    })?;
    require(NAME, b.work.len() >= work_elements(job.work_rows), || {
        format!("{} working elements for sets of {} rows", b.work.len(), job.work_rows)
    })?;
    let params = Params {
        first_layer: first as u32,
        last_layer: last as u32,
        first_round: job.first_round as u32,
        layers: job.total_layers as u32,
        next_lambda: job.next_lambda as u32,
        work_rows: job.work_rows as u32,
        ..Default::default()
    };
    let wg = transcript_sponge::geometry(NAME, &ctx.limits)?.workgroup_size();
    check_loop_iterations(NAME, loop_iterations(first..=last, job.first_round, wg), &ctx.limits)?;
    let pipeline = KERNEL.pipeline(ctx, &key(&ctx.limits)?)?;
    let parts = split_grid(NAME, 1, ctx.limits.max_workgroups_per_dimension)?;
    let buffers =
        [&b.sponge.buffer, &b.tree.buffer, &b.pq_in.buffer, &b.eq_in.buffer, &b.work.buffer, &b.messages.buffer, &b.challenges.buffer];
    KERNEL.dispatch(ctx, encoder, &pipeline, &parts, &buffers, &params)
}

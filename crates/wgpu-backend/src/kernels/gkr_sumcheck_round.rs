//! A LogUp GKR layer's sumcheck round, fused with the fold of the previous round's challenge:
//! partial sums of s(1), s(2), s(3) per workgroup.

use openvm_wgpu_common::{
    limits::{check_loop_iterations, items_per_invocation_looping},
    GpuContext, GpuResult,
};

use super::ReductionKernel;
use crate::field::ExtBuffer;

pub(crate) const KERNEL: ReductionKernel<Params> = ReductionKernel::new(wgsl_kernel!("gkr_sumcheck_round"));

kernel_params! {
    pub struct Params {
        half: u32,
        stride: u32,
        fold: u32,
        workgroup_base: u32,
        lambda_slot: u32,
        r_slot: u32,
        pq_split: u32,
        eq_in_base: u32,
        eq_out_base: u32,
        partial_base: u32,
        _pad1: u32,
        _pad2: u32,
    }
}

/// Loops of an invocation: per pair of rows its step and the four fractions' loop; the
/// workgroup reduction's steps.
const LOOPS_PER_PAIR: u32 = 5;
fn reduction_loops(wg: u32) -> u32 {
    wg.trailing_zeros() + 1
}

/// Pairs of rows an invocation of a round over `half` pairs takes on.
fn pairs_per_invocation(ctx: &GpuContext, half: usize) -> GpuResult<usize> {
    let wg = KERNEL.workgroup_size(&ctx.limits)?;
    Ok(items_per_invocation_looping(&ctx.limits, half as u64, LOOPS_PER_PAIR, reduction_loops(wg)) as usize)
}

/// Workgroups (and so partial triples) a round over `half` pairs of rows writes.
pub fn workgroups(ctx: &GpuContext, half: usize) -> GpuResult<usize> {
    let wg = KERNEL.workgroup_size(&ctx.limits)? as usize;
    Ok(half.div_ceil(wg * pairs_per_invocation(ctx, half)?).max(1))
}

/// The buffers of a round: the matrix (rows of four extension elements) and eq column it reads,
/// where it writes the folded ones (only with a fold; otherwise bound but untouched, and they
/// must differ from the inputs), the partials, and the extension elements the challenges are
/// read from.
pub struct RoundBuffers<'a> {
    /// The round's matrix: a tree layer read as rows of two fractions, possibly over two
    /// bindings, or a folded copy.
    pub pq_in: super::gkr_layer::FracLayer<'a>,
    pub eq_in: &'a ExtBuffer,
    pub pq_out: &'a ExtBuffer,
    pub eq_out: &'a ExtBuffer,
    pub partials: &'a ExtBuffer,
    pub challenges: &'a ExtBuffer,
}

/// Where a dispatch's rows start in the eq columns and its partials in theirs (all zero for a
/// round in one dispatch).
#[derive(Clone, Copy, Debug, Default)]
pub struct RoundOffsets {
    pub eq_in: usize,
    pub eq_out: usize,
    /// The first workgroup's triple.
    pub partial: usize,
}

/// Records a round over y < `half` (a matrix of 2 `half` rows) batched with λ =
/// challenges[`lambda_slot`]; with `fold = Some(slot)` the inputs are the previous round's
/// (4 `half` rows), folded at r = challenges[slot] on the way (and written out). The triple of
/// workgroup w goes to partials[3 (offsets.partial + w)..+ 3); the eq columns are read and
/// written from their offsets. The matrix spans at most two buffers.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    b: &RoundBuffers<'_>,
    half: usize,
    lambda_slot: usize,
    fold: Option<usize>,
    offsets: RoundOffsets,
) -> GpuResult<()> {
    openvm_wgpu_common::kernel::require("gkr_sumcheck_round", b.pq_in.num_parts <= 2, || {
        format!("a round reads a matrix over at most two buffers, not {}", b.pq_in.num_parts)
    })?;
    let workgroups = workgroups(ctx, half)?;
    let wg = KERNEL.workgroup_size(&ctx.limits)?;
    let stride = workgroups * wg as usize;
    let loops = half.div_ceil(stride) as u64 * LOOPS_PER_PAIR as u64 + reduction_loops(wg) as u64;
    check_loop_iterations("gkr_sumcheck_round", loops, &ctx.limits)?;
    let params = Params {
        half: half as u32,
        stride: stride as u32,
        fold: fold.is_some() as u32,
        lambda_slot: lambda_slot as u32,
        r_slot: fold.unwrap_or(lambda_slot) as u32,
        pq_split: b.pq_in.part_elements(),
        eq_in_base: offsets.eq_in as u32,
        eq_out_base: offsets.eq_out as u32,
        partial_base: offsets.partial as u32,
        ..Default::default()
    };
    let buffers = [
        &b.pq_in.parts[0].buffer,
        &b.pq_in.parts[1].buffer,
        &b.eq_in.buffer,
        &b.pq_out.buffer,
        &b.eq_out.buffer,
        &b.partials.buffer,
        &b.challenges.buffer,
    ];
    KERNEL.record(ctx, encoder, workgroups as u64, &buffers, &params)
}

//! Poseidon2 permutation of many 16-word states, for checking the generated WGSL against
//! Plonky3's permutation: one state per invocation (`poseidon2`), or one state per workgroup
//! with one invocation per word (`poseidon2_lanes`, the transcript sponge's form).

use openvm_wgpu_common::{kernel::require, limits::elementwise, GpuBuffer, GpuContext, GpuResult};

use super::{transcript_sponge::SPONGE_LANES, Elementwise};

pub const NAME: &str = "poseidon2_permute";
pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("poseidon2_permute"));
pub(crate) const LANES_KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("poseidon2_permute_lanes"));

kernel_params! {
    pub struct Params {
        count: u32,
        workgroup_base: u32,
        _pad0: u32,
        _pad1: u32,
    }
}

/// Permutes each 16-word state of `states` (Montgomery words).
pub fn permute(ctx: &GpuContext, states: &[u32]) -> GpuResult<Vec<u32>> {
    require(NAME, states.len().is_multiple_of(16), || format!("{} words is not a whole number of states", states.len()))?;
    let count = (states.len() / 16) as u64;
    let buf = GpuBuffer::from_slice(ctx, NAME, states)?;
    let mut enc = ctx.encoder(NAME);
    KERNEL.record(ctx, &mut enc, count, &[&buf.buffer], &Params { count: count as u32, ..Default::default() })?;
    ctx.submit_and_wait(NAME, enc)?;
    buf.read(ctx)
}

/// Permutes each 16-word state of `states` with the one-word-per-invocation permutation.
pub fn permute_lanes(ctx: &GpuContext, states: &[u32]) -> GpuResult<Vec<u32>> {
    const NAME: &str = "poseidon2_permute_lanes";
    require(NAME, states.len().is_multiple_of(16), || format!("{} words is not a whole number of states", states.len()))?;
    let wg = elementwise(&ctx.limits).workgroup_size[0];
    require(NAME, wg >= SPONGE_LANES, || format!("{wg} invocations per workgroup, the permutation needs {SPONGE_LANES}"))?;
    let count = (states.len() / 16) as u64;
    let buf = GpuBuffer::from_slice(ctx, NAME, states)?;
    let mut enc = ctx.encoder(NAME);
    LANES_KERNEL.record(ctx, &mut enc, count * wg as u64, &[&buf.buffer], &Params { count: count as u32, ..Default::default() })?;
    ctx.submit_and_wait(NAME, enc)?;
    buf.read(ctx)
}

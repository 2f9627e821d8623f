//! Poseidon2 permutation of many 16-word states, for checking the generated WGSL against
//! Plonky3's permutation.

use openvm_wgpu_common::{kernel::require, GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;
use crate::shaders::POSEIDON2_PERMUTE;

pub const NAME: &str = "poseidon2_permute";
pub(crate) const KERNEL: Elementwise = Elementwise { kernel: POSEIDON2_PERMUTE };

/// Permutes each 16-word state of `states` (Montgomery words).
pub fn permute(ctx: &GpuContext, states: &[u32]) -> GpuResult<Vec<u32>> {
    require(NAME, states.len().is_multiple_of(16), || format!("{} words is not a whole number of states", states.len()))?;
    let count = (states.len() / 16) as u64;
    let buf = GpuBuffer::from_slice(ctx, NAME, states)?;
    let mut enc = ctx.encoder(NAME);
    KERNEL.record(ctx, &mut enc, count, &[&buf.buffer], |base| vec![count as u32, base, 0, 0])?;
    ctx.submit_and_wait(NAME, enc)?;
    buf.read(ctx)
}

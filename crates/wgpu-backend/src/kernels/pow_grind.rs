//! Host side of shaders/pow_grind.wgsl: one batch of the proof-of-work search
//! (src/grinding.rs drives the batches).

use openvm_wgpu_common::{
    kernel::require,
    limits::{pow_grind, PowGrindGeometry},
    DeviceLimits, GpuBuffer, GpuContext, GpuEncoder, GpuResult, PipelineKey,
};

use super::{Custom, KernelPlan};
use crate::commit::poseidon2::RATE;

pub const NAME: &str = "pow_grind";
pub(crate) const KERNEL: Custom<Params> = Custom::new(wgsl_kernel!("pow_grind"), |limits| Ok(vec![plan(limits)]));

kernel_params! {
    pub struct Params {
        /// The sponge state before the witness is absorbed, Montgomery words.
        state: [[u32; 4]; 4],
        /// First candidate of the batch (canonical) and the batch's size; start + count <= p.
        start: u32,
        count: u32,
        absorb_idx: u32,
        /// 2^bits - 1.
        mask: u32,
        workgroup_base: u32,
        _pad0: u32,
        _pad1: u32,
        _pad2: u32,
    }
}
/// BabyBear's modulus: candidates are the canonical values below it.
pub const P: u64 = 0x7800_0001;
/// Bits the search supports: upstream requires `2^bits < p`.
pub const MAX_BITS: u32 = 30;

/// The launch geometry for a search at `bits` (limits.rs: `pow_grind`).
pub fn geometry(limits: &DeviceLimits, bits: u32) -> PowGrindGeometry {
    pow_grind(limits, bits)
}

/// The pipeline (the same for every `bits`: only batch sizes depend on it).
pub fn key(g: &PowGrindGeometry) -> PipelineKey {
    PipelineKey::new(NAME, "main")
        .constant("WORKGROUP_SIZE", g.shape.workgroup_size[0])
        .constant("CANDIDATES_PER_INVOCATION", g.shape.items_per_invocation)
}

pub fn plan(limits: &DeviceLimits) -> KernelPlan {
    let g = geometry(limits, 0);
    KernelPlan { kernel: KERNEL.source(), variant: String::new(), key: key(&g), shape: g.shape }
}

/// One batch: candidates `start .. start + count` (canonical values) against a sponge `state`
/// (Montgomery words) whose next absorb goes to `absorb_idx`.
#[derive(Clone, Copy, Debug)]
pub struct PowBatch<'a> {
    pub state: &'a [u32; 16],
    pub absorb_idx: usize,
    pub bits: u32,
    pub start: u64,
    pub count: u64,
}

/// Records the search of one batch; the smallest passing candidate is atomically min-ed into
/// `found[0]`, which the caller sets to `u32::MAX` beforehand.
pub fn record(ctx: &GpuContext, encoder: &mut GpuEncoder, found: &GpuBuffer<u32>, b: PowBatch<'_>) -> GpuResult<()> {
    require(NAME, b.absorb_idx < RATE, || format!("absorb index {} is not below the rate {RATE}", b.absorb_idx))?;
    require(NAME, (1..=MAX_BITS).contains(&b.bits), || format!("{} bits is outside 1..={MAX_BITS}", b.bits))?;
    require(NAME, b.start.checked_add(b.count).is_some_and(|end| end <= P), || {
        format!("candidates {} + {} pass the field's order", b.start, b.count)
    })?;
    require(NAME, !found.is_empty(), || "the result buffer is empty".into())?;
    let g = geometry(&ctx.limits, b.bits);
    // Offsets inside a batch are 32-bit in the shader.
    require(NAME, b.count <= u32::MAX as u64 - g.per_workgroup(), || format!("a batch of {} candidates", b.count))?;
    let parts = g.grid(NAME, b.count, &ctx.limits)?;
    let pipeline = KERNEL.pipeline(ctx, &key(&g))?;
    let params = Params {
        state: bytemuck::cast(*b.state),
        start: b.start as u32,
        count: b.count as u32,
        absorb_idx: b.absorb_idx as u32,
        mask: (1u32 << b.bits) - 1,
        ..Default::default()
    };
    KERNEL.dispatch(ctx, encoder, &pipeline, &parts, &[&found.buffer], &params)
}

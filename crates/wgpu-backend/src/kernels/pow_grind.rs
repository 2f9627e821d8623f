//! Host side of shaders/pow_grind.wgsl: one batch of the proof-of-work search
//! (`openings::grinding` drives the batches).

use openvm_wgpu_common::{
    kernel::require,
    limits::{preferred_invocations, split_grid, GeometryError, GridPart, LaunchShape},
    DeviceLimits, GpuBuffer, GpuContext, GpuEncoder, GpuResult, PipelineKey,
};

use super::{Custom, KernelPlan};
use crate::commit::poseidon2::RATE;

/// Candidates one invocation of the proof-of-work search tests in a row: enough to amortise the
/// state load and index arithmetic over a few permutations, few enough that a batch still spreads
/// over every core.
const POW_CANDIDATES_PER_INVOCATION: u32 = 8;
/// Largest proof-of-work batch: about 2 ms of Poseidon2 permutations on an H100/H200-class GPU
/// (a few 10^9 permutations per second), so a search overshoots the first witness by little.
pub const POW_MAX_BATCH_LOG: u32 = 22;

/// Geometry of the proof-of-work search: each invocation tests `items_per_invocation`
/// consecutive candidates; a submission tests one batch of consecutive candidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PowGrindGeometry {
    pub shape: LaunchShape,
    /// Candidates in the first batch (a whole number of workgroups).
    pub first_batch: u64,
    /// Candidates in any later batch at most.
    pub max_batch: u64,
}

impl PowGrindGeometry {
    /// Candidates one workgroup tests.
    pub fn per_workgroup(&self) -> u64 {
        self.shape.invocations() as u64 * self.shape.items_per_invocation as u64
    }

    /// Candidates in batch `i` (0-based): the first batch, doubling up to the largest.
    pub fn batch(&self, i: u32) -> u64 {
        self.first_batch.checked_shl(i.min(40)).unwrap_or(u64::MAX).min(self.max_batch).max(self.first_batch)
    }

    /// The dispatches for a batch of `candidates`.
    pub fn grid(&self, kernel: &'static str, candidates: u64, l: &DeviceLimits) -> Result<Vec<GridPart>, GeometryError> {
        split_grid(kernel, candidates.div_ceil(self.per_workgroup()), l.max_workgroups_per_dimension)
    }
}

/// The rule for the proof-of-work search at `bits` (expected 2^bits candidates): the preferred
/// workgroup size, `POW_CANDIDATES_PER_INVOCATION` (8) consecutive candidates per invocation, a
/// first batch of twice the expected count (it holds a witness with probability 1 - e^-2, about
/// 86%, so most searches are one submission, while a slow software device is still not handed
/// millions of permutations for a few bits), each later batch twice the previous, up to
/// 2^[`POW_MAX_BATCH_LOG`] candidates. Batches are whole workgroups.
pub fn pow_grind(l: &DeviceLimits, bits: u32) -> PowGrindGeometry {
    let invocations = preferred_invocations(l);
    let shape =
        LaunchShape { workgroup_size: [invocations, 1, 1], workgroup_memory_bytes: 0, items_per_invocation: POW_CANDIDATES_PER_INVOCATION };
    let unit = invocations as u64 * POW_CANDIDATES_PER_INVOCATION as u64;
    let max_batch = (1u64 << POW_MAX_BATCH_LOG).next_multiple_of(unit);
    let first_batch = (1u64 << (bits + 1).min(POW_MAX_BATCH_LOG)).next_multiple_of(unit).min(max_batch);
    PowGrindGeometry { shape, first_batch, max_batch }
}

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

#[cfg(test)]
mod tests {
    use openvm_wgpu_common::limits::{reference, LimitProfile};

    use super::*;

    #[test]
    fn pow_grind_rule_on_real_devices() {
        for (name, l) in reference::all() {
            for bits in 0..=30 {
                let g = pow_grind(&l, bits);
                assert!(g.shape.fits(&l), "{name} {bits} {g:?}");
                assert_eq!(g.shape.workgroup_memory_bytes, 0);
                let unit = g.per_workgroup();
                assert!(g.first_batch >= unit && g.first_batch.is_multiple_of(unit), "{name} {bits} {g:?}");
                assert!(g.first_batch >= (2u64 << bits).min(1 << POW_MAX_BATCH_LOG), "{name} {bits} {g:?}");
                assert!(g.first_batch <= g.max_batch && g.max_batch < (1 << POW_MAX_BATCH_LOG) + unit);
                let mut prev = 0;
                for i in 0..64 {
                    let b = g.batch(i);
                    assert!(b >= prev && b <= g.max_batch && b.is_multiple_of(unit), "{name} {bits} batch {i}: {b}");
                    prev = b;
                    // Every batch fits the grid, and its candidate offsets fit 32 bits.
                    let parts = g.grid("pow_grind", b, &l).unwrap();
                    assert_eq!(parts.iter().map(|p| p.grid.workgroups).sum::<u64>() * unit, b);
                    assert!(parts.iter().all(|p| p.grid.dims.iter().all(|&d| d <= l.max_workgroups_per_dimension)));
                }
                assert_eq!(g.batch(63), g.max_batch);
            }
        }
        // A few bits: one small batch; many bits: the cap.
        let h100 = pow_grind(&reference::nvidia_h100(), 4);
        assert_eq!((h100.shape.workgroup_size[0], h100.first_batch), (256, 2048));
        assert_eq!(pow_grind(&reference::nvidia_h100(), 26).first_batch, 1 << 22);
        let tiny = pow_grind(&LimitProfile::Tiny.reference_limits().unwrap(), 16);
        assert_eq!((tiny.shape.workgroup_size[0], tiny.first_batch, tiny.batch(1)), (64, 1 << 17, 1 << 18));
    }
}

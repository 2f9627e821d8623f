//! Elementwise field operations on the GPU, for checking the shared WGSL arithmetic against
//! Plonky3 and for the device self-check.

use openvm_wgpu_common::{
    kernel::require,
    limits::{elementwise, split_grid},
    DeviceLimits, GpuBuffer, GpuContext, GpuResult, PipelineKey,
};

use super::{dispatch, pipeline, KernelPlan};
use crate::shaders::FIELD_OPS;

pub const NAME: &str = "field_ops";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum FieldOp {
    Add = 0,
    Sub = 1,
    Mul = 2,
    Neg = 3,
    Inv = 4,
    Pow = 5,
    ExtAdd = 6,
    ExtSub = 7,
    ExtMul = 8,
    ExtMulBase = 9,
}

impl FieldOp {
    /// Words per element of (lhs, rhs, out).
    pub fn widths(self) -> (usize, usize, usize) {
        match self {
            FieldOp::ExtAdd | FieldOp::ExtSub | FieldOp::ExtMul => (4, 4, 4),
            FieldOp::ExtMulBase => (4, 1, 4),
            _ => (1, 1, 1),
        }
    }
}

fn key(limits: &DeviceLimits) -> (PipelineKey, openvm_wgpu_common::LaunchShape) {
    let shape = elementwise(limits);
    (PipelineKey::new(NAME, "main").constant("WORKGROUP_SIZE", shape.workgroup_size[0]), shape)
}

pub fn plan(limits: &DeviceLimits) -> KernelPlan {
    let (key, shape) = key(limits);
    KernelPlan { kernel: FIELD_OPS, variant: String::new(), key, shape }
}

/// Applies `op` elementwise to `count` elements given as Montgomery words.
pub fn apply(ctx: &GpuContext, op: FieldOp, count: usize, lhs: &[u32], rhs: &[u32]) -> GpuResult<Vec<u32>> {
    let (wl, wr, wo) = op.widths();
    require(NAME, lhs.len() == count * wl && rhs.len() == count * wr, || {
        format!("{op:?} on {count} elements needs {} + {} words, got {} + {}", count * wl, count * wr, lhs.len(), rhs.len())
    })?;
    let (key, shape) = key(&ctx.limits);
    let pipeline = pipeline(ctx, &FIELD_OPS, &key)?;
    let a = GpuBuffer::from_slice(ctx, NAME, lhs)?;
    let b = GpuBuffer::from_slice(ctx, NAME, rhs)?;
    let out = GpuBuffer::<u32>::zeroed(ctx, NAME, count * wo)?;
    let parts = split_grid(NAME, (count as u64).div_ceil(shape.workgroup_size[0] as u64), ctx.limits.max_workgroups_per_dimension)?;
    let mut enc = ctx.encoder(NAME);
    dispatch(ctx, &mut enc, NAME, &pipeline, &parts, &[&a.buffer, &b.buffer, &out.buffer], |base| {
        vec![op as u32, count as u32, base, 0]
    })?;
    ctx.submit_and_wait(NAME, enc)?;
    out.read(ctx)
}

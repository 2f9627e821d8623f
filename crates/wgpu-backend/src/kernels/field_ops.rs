//! Elementwise field operations on the GPU, for checking the shared WGSL arithmetic against
//! Plonky3 and for the device self-check.

use openvm_wgpu_common::{kernel::require, GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;

pub const NAME: &str = "field_ops";
pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("field_ops"));

kernel_params! {
    pub struct Params {
        op: u32,
        count: u32,
        workgroup_base: u32,
        _pad: u32,
    }
}

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

/// Applies `op` elementwise to `count` elements given as Montgomery words.
pub fn apply(ctx: &GpuContext, op: FieldOp, count: usize, lhs: &[u32], rhs: &[u32]) -> GpuResult<Vec<u32>> {
    let (wl, wr, wo) = op.widths();
    require(NAME, lhs.len() == count * wl && rhs.len() == count * wr, || {
        format!("{op:?} on {count} elements needs {} + {} words, got {} + {}", count * wl, count * wr, lhs.len(), rhs.len())
    })?;
    let a = GpuBuffer::from_slice(ctx, NAME, lhs)?;
    let b = GpuBuffer::from_slice(ctx, NAME, rhs)?;
    let out = GpuBuffer::<u32>::zeroed(ctx, NAME, count * wo)?;
    let mut enc = ctx.encoder(NAME);
    KERNEL.record(
        ctx,
        &mut enc,
        count as u64,
        &[&a.buffer, &b.buffer, &out.buffer],
        &Params { op: op as u32, count: count as u32, ..Default::default() },
    )?;
    ctx.submit_and_wait(NAME, enc)?;
    out.read(ctx)
}

//! The equality polynomial's hypercube values eq(x, r) for x in {0,1}^n, built on the device.
//! Past [`DIRECT_MAX_VARS`] variables the table is the product of two small tables (the low
//! half of the variables and the rest), built first into a scratch buffer: one extension
//! multiplication per value instead of n.

use openvm_wgpu_common::{GpuContext, GpuError, GpuResult};

use super::Elementwise;
use crate::field::ExtBuffer;

pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("eq_table"));

/// Tables of at most this many variables are built directly (each value a product of its
/// factors); larger ones from two small tables.
pub const DIRECT_MAX_VARS: usize = 8;

kernel_params! {
    pub struct Params {
        count: u32,
        vars: u32,
        out_base: u32,
        point_base: u32,
        workgroup_base: u32,
        lo_vars: u32,
        _pad1: u32,
        _pad2: u32,
    }
}

/// The split of `vars` variables: (low, high) counts; low 0 means direct.
fn split(vars: usize) -> (usize, usize) {
    if vars <= DIRECT_MAX_VARS {
        (0, vars)
    } else {
        (vars / 2, vars - vars / 2)
    }
}

/// Elements of the scratch buffer [`record`] needs for tables of up to `max_vars` variables
/// (one to bind when none is used).
pub fn scratch_len(max_vars: usize) -> usize {
    let (lo, hi) = split(max_vars);
    if lo == 0 {
        1
    } else {
        (1 << lo) + (1 << hi)
    }
}

/// A scratch buffer for tables of up to `max_vars` variables; it must outlive the submissions
/// of every [`record`] that uses it.
pub fn scratch(ctx: &GpuContext, op: &str, max_vars: usize) -> GpuResult<ExtBuffer> {
    ExtBuffer::uninit(ctx, op, scratch_len(max_vars))
}

#[allow(clippy::too_many_arguments)]
fn record_mode(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    (points, tables, out): (&ExtBuffer, &ExtBuffer, &ExtBuffer),
    point_base: usize,
    vars: usize,
    out_base: usize,
    lo_vars: usize,
) -> GpuResult<()> {
    let count = 1u64 << vars;
    let params = Params {
        count: count as u32,
        vars: vars as u32,
        out_base: out_base as u32,
        point_base: point_base as u32,
        lo_vars: lo_vars as u32,
        ..Default::default()
    };
    KERNEL.record(ctx, encoder, count, &[&points.buffer, &tables.buffer, &out.buffer], &params)
}

/// Records out[out_base + x] = eq(x, points[point_base..point_base + vars]) for x < 2^vars
/// (extension elements; bit j of x goes with point j, as upstream's `evals_eq_hypercube`).
/// `scratch` holds at least [`scratch_len`]`(vars)` elements.
#[allow(clippy::too_many_arguments)]
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    points: &ExtBuffer,
    point_base: usize,
    vars: usize,
    out: &ExtBuffer,
    out_base: usize,
    scratch: &ExtBuffer,
) -> GpuResult<()> {
    let (lo, hi) = split(vars);
    if lo == 0 {
        return record_mode(ctx, encoder, (points, points, out), point_base, vars, out_base, 0);
    }
    if scratch.len() < scratch_len(vars) {
        return Err(GpuError::invalid(
            "eq_table",
            format!("a table of {vars} variables needs {} scratch elements, {} were given", scratch_len(vars), scratch.len()),
        ));
    }
    record_mode(ctx, encoder, (points, points, scratch), point_base, lo, 0, 0)?;
    record_mode(ctx, encoder, (points, points, scratch), point_base + lo, hi, 1 << lo, 0)?;
    record_mode(ctx, encoder, (points, scratch, out), 0, vars, out_base, lo)
}

//! Tiled transpose between row-major and column-major layouts on the device (see transpose.wgsl):
//! row-major traces are stacked, and column-major codewords turned into rows, without any
//! per-element work on the host.

use openvm_wgpu_common::{
    limits::{split_grid, transpose, GeometryError, TransposeGeometry},
    DeviceLimits, GpuBuffer, GpuContext, GpuResult, PipelineKey,
};

use super::{dispatch, pipeline, KernelPlan};
use crate::shaders::TRANSPOSE;

pub const NAME: &str = "transpose";

pub fn geometry(limits: &DeviceLimits) -> Result<TransposeGeometry, GeometryError> {
    transpose(NAME, limits)
}

fn key(g: &TransposeGeometry) -> PipelineKey {
    PipelineKey::new(NAME, "main")
        .constant("WORKGROUP_SIZE", g.shape.workgroup_size[0])
        .constant("TILE", g.tile)
        .constant("TILE_WORDS", g.tile * (g.tile + 1))
}

pub fn plan(limits: &DeviceLimits) -> Result<KernelPlan, GeometryError> {
    let g = geometry(limits)?;
    Ok(KernelPlan { kernel: TRANSPOSE, variant: format!("tile {0}x{0}", g.tile), key: key(&g), shape: g.shape })
}

/// Where one dispatch's rows and columns go.
#[derive(Clone, Copy, Debug)]
pub struct SliceTarget {
    pub slice_rows: usize,
    pub slice_first_row: usize,
    pub trace_height: usize,
    pub trace_width: usize,
    pub first_column: usize,
    pub columns: usize,
    pub out_offset: usize,
}

/// Records the transpose of `rows` (a slice of a row-major trace) into `out`.
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    rows: &GpuBuffer<u32>,
    out: &GpuBuffer<u32>,
    t: SliceTarget,
) -> GpuResult<()> {
    let g = geometry(&ctx.limits)?;
    let tile = g.tile as usize;
    let tiles = (t.slice_rows.div_ceil(tile) * t.columns.div_ceil(tile)) as u64;
    let parts = split_grid(NAME, tiles, ctx.limits.max_workgroups_per_dimension)?;
    let pipeline = pipeline(ctx, &TRANSPOSE, &key(&g))?;
    let words = [t.slice_rows, t.slice_first_row, t.trace_height, t.trace_width, t.first_column, t.columns, t.out_offset];
    let words: Vec<u32> = words.iter().map(|&w| w as u32).collect();
    dispatch(ctx, encoder, NAME, &pipeline, &parts, &[&rows.buffer, &out.buffer], |base| [words.as_slice(), &[base]].concat())
}

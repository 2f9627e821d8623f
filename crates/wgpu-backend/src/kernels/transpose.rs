//! Tiled transpose between row-major and column-major layouts on the device (see transpose.wgsl):
//! row-major traces are stacked, and column-major codewords turned into rows, without any
//! per-element work on the host.

use openvm_wgpu_common::{
    limits::{split_grid, transpose, GeometryError, TransposeGeometry},
    DeviceLimits, GpuBuffer, GpuContext, GpuResult, PipelineKey,
};

use super::{Custom, KernelPlan};

pub const NAME: &str = "transpose";
pub(crate) const KERNEL: Custom<Params> = Custom::new(wgsl_kernel!("transpose"), |limits| Ok(vec![plan(limits)?]));

kernel_params! {
    pub struct Params {
        /// Rows of the trace uploaded in `rows` (this slice) and their first row index in the trace.
        slice_rows: u32,
        slice_first_row: u32,
        trace_height: u32,
        trace_width: u32,
        /// Trace columns first_column .. first_column + columns go to this output chunk.
        first_column: u32,
        columns: u32,
        out_offset: u32,
        workgroup_base: u32,
    }
}

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
    Ok(KernelPlan { kernel: KERNEL.source(), variant: format!("tile {0}x{0}", g.tile), key: key(&g), shape: g.shape })
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
    let pipeline = KERNEL.pipeline(ctx, &key(&g))?;
    let params = Params {
        slice_rows: t.slice_rows as u32,
        slice_first_row: t.slice_first_row as u32,
        trace_height: t.trace_height as u32,
        trace_width: t.trace_width as u32,
        first_column: t.first_column as u32,
        columns: t.columns as u32,
        out_offset: t.out_offset as u32,
        ..Default::default()
    };
    KERNEL.dispatch(ctx, encoder, &pipeline, &parts, &[&rows.buffer, &out.buffer], &params)
}

//! Batch row opening: the rows each Merkle query opens, gathered on the device in one pass.

use openvm_wgpu_common::{ColumnMatrix, GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;

pub const NAME: &str = "merkle_open_rows";
pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("merkle_open_rows"));

kernel_params! {
    pub struct Params {
        height: u32,
        columns: u32,
        column_offset: u32,
        width: u32,
        rows_per_query: u32,
        query_stride: u32,
        count: u32,
        workgroup_base: u32,
    }
}

/// Records, for each query index q and t < rows_per_query, row t * query_stride + q of `m`
/// into `out` (row-major, `m.width` words per row).
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    m: &ColumnMatrix,
    indices: &GpuBuffer<u32>,
    rows_per_query: usize,
    query_stride: usize,
    out: &GpuBuffer<u32>,
) -> GpuResult<()> {
    let mut column_offset = 0;
    for (i, chunk) in m.chunks.iter().enumerate() {
        let columns = m.chunk_columns(i);
        let count = indices.len() * rows_per_query * columns;
        let params = Params {
            height: m.height as u32,
            columns: columns as u32,
            column_offset: column_offset as u32,
            width: m.width as u32,
            rows_per_query: rows_per_query as u32,
            query_stride: query_stride as u32,
            count: count as u32,
            ..Default::default()
        };
        KERNEL.record(ctx, encoder, count as u64, &[&chunk.buffer, &indices.buffer, &out.buffer], &params)?;
        column_offset += columns;
    }
    Ok(())
}

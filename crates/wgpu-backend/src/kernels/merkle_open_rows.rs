//! Batch row opening: the rows each Merkle query opens, gathered on the device in one pass.

use openvm_wgpu_common::{ColumnMatrix, GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;
use crate::shaders::MERKLE_OPEN_ROWS;

pub const NAME: &str = "merkle_open_rows";
pub(crate) const KERNEL: Elementwise = Elementwise { kernel: MERKLE_OPEN_ROWS };

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
        let params = [m.height, columns, column_offset, m.width, rows_per_query, query_stride, count];
        let params: Vec<u32> = params.iter().map(|&p| p as u32).collect();
        KERNEL.record(ctx, encoder, count as u64, &[&chunk.buffer, &indices.buffer, &out.buffer], |base| {
            [params.as_slice(), &[base]].concat()
        })?;
        column_offset += columns;
    }
    Ok(())
}

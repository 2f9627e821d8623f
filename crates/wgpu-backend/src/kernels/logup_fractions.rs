//! Host side of shaders/logup_fractions.wgsl: LogUp's GKR input fractions from the
//! constraint_eval interaction outputs (`logup_zerocheck::gkr_input` drives it).

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuEncoder, GpuResult};

use super::Elementwise;

pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("logup_fractions"));

kernel_params! {
    pub struct Params {
        /// Invocations: `num_fracs` interaction fractions, then padding.
        count: u32,
        num_fracs: u32,
        /// Rows in the values chunk, and the chunk's first row.
        rows: u32,
        row_start: u32,
        /// The trace height and its lifted height (a power of two, a multiple of the height).
        height: u32,
        lifted: u32,
        /// First fraction of the padding (the interactions' slices start where the table says).
        out_base: u32,
        /// First interaction record in the table.
        table_base: u32,
        /// 1 / (lifted / height), Montgomery form.
        norm: u32,
        workgroup_base: u32,
        /// Set by [`record`] from the output layer.
        part_len: u32,
        _pad1: u32,
    }
}

/// Records the kernel: `params.count` invocations reading `values` and `table`, writing `out`
/// (fractions, two extension elements each).
pub fn record(
    ctx: &GpuContext,
    encoder: &mut GpuEncoder,
    values: &GpuBuffer<u32>,
    table: &GpuBuffer<u32>,
    out: super::gkr_layer::FracLayer<'_>,
    params: &Params,
) -> GpuResult<()> {
    let params = Params { part_len: out.part_len, ..*params };
    let p = out.parts;
    KERNEL.record(
        ctx,
        encoder,
        params.count as u64,
        &[&values.buffer, &table.buffer, &p[0].buffer, &p[1].buffer, &p[2].buffer, &p[3].buffer],
        &params,
    )
}

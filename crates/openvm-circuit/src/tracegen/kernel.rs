//! How a trace-generation kernel is assembled and launched (docs/ARCHITECTURE.md, "Trace
//! generation"): one invocation per trace row, the geometry of the backend's elementwise rule,
//! records in buffers that fit one storage binding and the trace in the column chunks of a
//! [`ColumnMatrix`], one dispatch per (record buffer, column chunk).
//!
//! A kernel's record field offsets and column indices come from upstream's `#[repr(C)]` structs:
//! [`Layout`] turns `offset_of!` values into WGSL constants prepended to the kernel, so the WGSL
//! never repeats a struct by hand.

use std::{fmt::Write, sync::Arc, sync::OnceLock};

use openvm_wgpu_backend::{
    common::{
        kernel::{record_dispatch, require},
        limits::{elementwise, split_grid},
        ColumnMatrix, GpuBuffer, GpuContext, GpuError, GpuResult, KernelSource, PipelineKey, ShaderLibrary,
    },
    shaders,
};

macro_rules! wgsl {
    ($name:literal) => {
        openvm_wgpu_backend::common::KernelSource {
            name: $name,
            source: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/shaders/", $name, ".wgsl")),
        }
    };
}
pub(crate) use wgsl;

/// The shared includes of the trace-generation kernels (shaders/shared/).
pub const SHARED: &[KernelSource] = &[
    KernelSource { name: "field_int", source: include_str!("../../shaders/shared/field_int.wgsl") },
    KernelSource { name: "tracegen", source: include_str!("../../shaders/shared/tracegen.wgsl") },
    KernelSource { name: "range_checker", source: include_str!("../../shaders/shared/range_checker.wgsl") },
    KernelSource { name: "bitwise_lookup", source: include_str!("../../shaders/shared/bitwise_lookup.wgsl") },
    KernelSource { name: "range_tuple", source: include_str!("../../shaders/shared/range_tuple.wgsl") },
    KernelSource { name: "alu_adapter", source: include_str!("../../shaders/shared/alu_adapter.wgsl") },
    KernelSource { name: "loadstore_adapter", source: include_str!("../../shaders/shared/loadstore_adapter.wgsl") },
    KernelSource { name: "mult_adapter", source: include_str!("../../shaders/shared/mult_adapter.wgsl") },
    KernelSource { name: "branch_adapter", source: include_str!("../../shaders/shared/branch_adapter.wgsl") },
    KernelSource { name: "rdwrite_adapter", source: include_str!("../../shaders/shared/rdwrite_adapter.wgsl") },
    KernelSource { name: "cond_rdwrite_adapter", source: include_str!("../../shaders/shared/cond_rdwrite_adapter.wgsl") },
    KernelSource { name: "memory_tree", source: include_str!("../../shaders/shared/memory_tree.wgsl") },
    KernelSource { name: "memory_image", source: include_str!("../../shaders/shared/memory_image.wgsl") },
    KernelSource { name: "memory_trace", source: include_str!("../../shaders/shared/memory_trace.wgsl") },
];

/// The backend's shared includes (field arithmetic, grid indexing) and ours.
fn library() -> ShaderLibrary {
    static ALL: OnceLock<Vec<KernelSource>> = OnceLock::new();
    ShaderLibrary { shared: ALL.get_or_init(|| shaders::shared().iter().chain(SHARED).copied().collect()) }
}

/// The parameters every trace-generation kernel receives (`TraceParams` in
/// shaders/shared/tracegen.wgsl, field for field).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct TraceParams {
    pub height: u32,
    pub records: u32,
    pub first_row: u32,
    pub record_words: u32,
    pub first_column: u32,
    pub columns: u32,
    pub range_max_bits: u32,
    pub timestamp_max_bits: u32,
    pub pointer_max_bits: u32,
    pub tuple_size0: u32,
    pub tuple_size1: u32,
    pub workgroup_base: u32,
}

/// WGSL `const` declarations of a kernel's record offsets (`REC_*`, bytes) and column indices
/// (`COL_*`), built from upstream's structs.
#[derive(Default)]
pub struct Layout(String);

impl Layout {
    pub fn new() -> Self {
        Self::default()
    }

    /// Column `index` of the trace row as `COL_<name>`.
    pub fn col(self, name: &str, index: usize) -> Self {
        self.constant(&format!("COL_{name}"), index)
    }

    /// Byte `offset` into the record as `REC_<name>`.
    pub fn rec(self, name: &str, offset: usize) -> Self {
        self.constant(&format!("REC_{name}"), offset)
    }

    pub fn constant(mut self, name: &str, value: usize) -> Self {
        let _ = writeln!(self.0, "const {name}: u32 = {value}u;");
        self
    }

    /// A table of words (round constants, say) as the `const` array `name`.
    pub fn words(mut self, name: &str, values: &[u32]) -> Self {
        let list: Vec<String> = values.iter().map(|v| format!("0x{v:08x}u")).collect();
        let _ = writeln!(self.0, "const {name}: array<u32, {}> = array<u32, {}>({});", values.len(), values.len(), list.join(", "));
        self
    }

    pub fn wgsl(&self) -> &str {
        &self.0
    }
}

/// One trace-generation kernel: its WGSL file and the layout constants it is compiled with.
pub struct TraceKernel {
    pub source: KernelSource,
    pub layout: fn() -> Layout,
}

/// Part of a trace's input: records bound as binding 0 (and `bindings` after the trace) for
/// the rows `first_row .. first_row + rows`. Records of different sizes are cut where each
/// piece fits one binding.
pub struct Piece {
    pub input: GpuBuffer<u32>,
    pub bindings: Vec<GpuBuffer<u32>>,
    pub first_row: usize,
    pub rows: usize,
}

/// What one kernel run produces: a `height x width` trace.
pub struct TraceJob<'a> {
    pub height: usize,
    pub width: usize,
    /// Buffers bound after the records (binding 0) and the trace (binding 1), in order.
    pub bindings: &'a [&'a GpuBuffer<u32>],
    /// Chip constants (bits of the range checker, timestamps, pointers, tuple sizes); the
    /// geometry fields are set per dispatch.
    pub params: TraceParams,
}

impl TraceKernel {
    pub fn name(&self) -> &'static str {
        self.source.name
    }

    /// The kernel's WGSL as compiled on a device (layout constants, then the assembled file).
    pub fn assembled(&self, subgroups: bool) -> Result<String, String> {
        let body = library().assemble(&self.source, &shaders::aliases(subgroups))?;
        Ok(format!("{}{body}", (self.layout)().wgsl()))
    }

    pub(crate) fn pipeline(&self, ctx: &GpuContext) -> GpuResult<Arc<wgpu::ComputePipeline>> {
        let key = PipelineKey::new(self.name(), "main").constant("WORKGROUP_SIZE", elementwise(&ctx.limits).workgroup_size[0]);
        ctx.pipeline(&key, || self.assembled(ctx.has_subgroups()).unwrap_or_else(|e| format!("// unresolved import: {e}\n")))
    }

    /// Fills a zeroed trace from fixed-size records: record i (bytes
    /// `i * record_bytes ..`) fills row i. Records go up in pieces that fit one binding.
    pub fn run_records(&self, ctx: &GpuContext, records: &[u8], record_bytes: usize, job: TraceJob<'_>) -> GpuResult<ColumnMatrix> {
        let op = self.name();
        let pieces = self.upload_records(ctx, records, record_bytes)?;
        let rows = records.len() / record_bytes;
        require(op, rows <= job.height, || format!("{rows} records for a trace of {} rows", job.height))?;
        let job = TraceJob { params: TraceParams { record_words: (record_bytes / 4) as u32, ..job.params }, ..job };
        let mut encoder = ctx.encoder(op);
        let trace = self.record_pieces(ctx, &mut encoder, &pieces, &job)?;
        ctx.submit(op, encoder)?;
        Ok(trace)
    }

    /// Fixed-size records uploaded in pieces of whole records that each fit one binding: record
    /// i is row i (`first_row` of each piece); no piece for no records.
    pub fn upload_records(&self, ctx: &GpuContext, records: &[u8], record_bytes: usize) -> GpuResult<Vec<Piece>> {
        let op = self.name();
        require(op, record_bytes > 0 && record_bytes.is_multiple_of(4), || format!("records of {record_bytes} bytes are not whole words"))?;
        require(op, records.len().is_multiple_of(record_bytes), || {
            format!("{} bytes of records are not whole records of {record_bytes} bytes", records.len())
        })?;
        let rows = records.len() / record_bytes;
        let per_buffer = ((ctx.limits.max_binding_bytes() as usize / record_bytes).max(1)).min(rows.max(1));
        records
            .chunks(per_buffer * record_bytes)
            .enumerate()
            .map(|(k, piece)| {
                let words = words_of(piece);
                // Every word is written before the kernel reads it: no clearing first.
                let input = GpuBuffer::<u32>::uninit(ctx, op, words.len())?;
                input.write(ctx, 0, &words)?;
                Ok(Piece { input, bindings: Vec::new(), first_row: k * per_buffer, rows: piece.len() / record_bytes })
            })
            .collect()
    }

    /// Records into `encoder` the filling of a zeroed trace piece by piece: each piece's `input`
    /// bound as the records, its own `bindings` next, then `job.bindings`; one invocation per
    /// row of its `rows` rows from `first_row`. The pieces must outlive the submission.
    pub fn record_pieces(
        &self,
        ctx: &GpuContext,
        encoder: &mut openvm_wgpu_backend::common::GpuEncoder,
        pieces: &[Piece],
        job: &TraceJob<'_>,
    ) -> GpuResult<ColumnMatrix> {
        let trace = ColumnMatrix::zeroed(ctx, self.name(), job.height, job.width)?;
        for piece in pieces {
            let bindings: Vec<&GpuBuffer<u32>> = piece.bindings.iter().chain(job.bindings.iter().copied()).collect();
            let params = TraceParams { records: piece.rows as u32, first_row: piece.first_row as u32, ..job.params };
            self.record(ctx, encoder, &piece.input, &trace, &bindings, params)?;
        }
        Ok(trace)
    }

    /// Records one dispatch per column chunk of `trace` over `params.records` invocations.
    fn record(
        &self,
        ctx: &GpuContext,
        encoder: &mut openvm_wgpu_backend::common::GpuEncoder,
        input: &GpuBuffer<u32>,
        trace: &ColumnMatrix,
        extra: &[&GpuBuffer<u32>],
        params: TraceParams,
    ) -> GpuResult<()> {
        let op = self.name();
        let buffers = 3 + extra.len();
        let allowed = ctx.limits.max_storage_buffers_per_shader_stage as usize;
        require(op, buffers - 1 <= allowed, || format!("binds {} storage buffers, the device allows {allowed}", buffers - 1))?;
        let pipeline = self.pipeline(ctx)?;
        let wg = elementwise(&ctx.limits).workgroup_size[0] as u64;
        let parts = split_grid(op, (params.records as u64).div_ceil(wg), ctx.limits.max_workgroups_per_dimension)?;
        ctx.scoped(op, || {
            for (c, chunk) in trace.chunks.iter().enumerate() {
                for part in &parts {
                    let p = TraceParams {
                        height: trace.height as u32,
                        first_column: (c * trace.columns_per_chunk) as u32,
                        columns: trace.chunk_columns(c) as u32,
                        workgroup_base: part.base,
                        ..params
                    };
                    let uniform = ctx.params(encoder, bytemuck::cast_slice(std::slice::from_ref(&p)));
                    let mut bindings = vec![input.buffer.as_entire_binding(), chunk.buffer.as_entire_binding()];
                    bindings.extend(extra.iter().map(|b| b.buffer.as_entire_binding()));
                    bindings.push(uniform.binding());
                    record_dispatch(ctx, encoder, op, &pipeline, &bindings, part.grid);
                }
            }
        })
    }
}

/// Record bytes as words (a copy only where the bytes are not word-aligned in memory).
pub fn words_of(bytes: &[u8]) -> std::borrow::Cow<'_, [u32]> {
    match bytemuck::try_cast_slice(bytes) {
        Ok(w) => std::borrow::Cow::Borrowed(w),
        Err(_) => std::borrow::Cow::Owned(bytes.chunks(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()),
    }
}

/// A trace the prover reads, or the error that kept it from being made.
pub fn resident(m: GpuResult<ColumnMatrix>) -> Result<Arc<ColumnMatrix>, Arc<GpuError>> {
    m.map(Arc::new).map_err(Arc::new)
}

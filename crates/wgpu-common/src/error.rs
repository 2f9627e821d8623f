//! Errors of the GPU runtime. wgpu reports validation and out-of-memory errors asynchronously and
//! panics by default; the context captures them and they arrive here with the operation's name.

#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    #[error(
        "no GPU adapter found{filter}. Install a Vulkan driver (on Debian/Ubuntu without a GPU: \
         `apt-get install mesa-vulkan-drivers libvulkan1` for the lavapipe software device), or \
         run scripts/ensure-vulkan.sh"
    )]
    NoAdapter { filter: String },
    #[error(
        "adapter '{adapter}' lacks {feature}, which the prover needs ({why}); choose another \
         adapter with OPENVM_WGPU_ADAPTER=<name substring> (see `openvm-wgpu info`)"
    )]
    MissingFeature { adapter: String, feature: &'static str, why: &'static str },
    #[error("could not open a device on '{adapter}': {message}")]
    RequestDevice { adapter: String, message: String },
    #[error("{op}: wgpu validation error: {message}")]
    Validation { op: String, message: String },
    #[error("{op}: the GPU ran out of memory{detail}; free GPU memory, or prove smaller traces / fewer at once")]
    OutOfMemory { op: String, detail: String },
    #[error("{op}: needs a buffer of {needed} bytes, but the device allows at most {available} bytes per buffer")]
    BufferTooLarge { op: String, needed: u64, available: u64 },
    #[error("{op}: needs a buffer of {needed} bytes, but the device allows at most {available} bytes per buffer{note}")]
    BufferTooLargeIn { op: String, needed: u64, available: u64, note: String },
    #[error("{op}: GPU error: {message}")]
    Internal { op: String, message: String },
    #[error(transparent)]
    Geometry(#[from] GeometryError),
    #[error("{op}: invalid argument: {message}")]
    InvalidArgument { op: String, message: String },
}

pub type GpuResult<T> = Result<T, GpuError>;

impl GpuError {
    pub(crate) fn from_wgpu(op: &str, e: wgpu::Error) -> Self {
        match e {
            wgpu::Error::OutOfMemory { .. } => GpuError::OutOfMemory { op: op.to_string(), detail: String::new() },
            wgpu::Error::Validation { description, .. } => GpuError::Validation { op: op.to_string(), message: description },
            wgpu::Error::Internal { description, .. } => GpuError::Internal { op: op.to_string(), message: description },
        }
    }

    /// Adds what the whole operation needs to an out-of-memory or oversize error, so the message
    /// says how much memory the job takes next to what failed.
    pub fn with_total(self, what: &str, total_bytes: u64) -> Self {
        let note = format!("; {what} needs about {} MiB of GPU memory in all", total_bytes.div_ceil(1 << 20));
        match self {
            GpuError::OutOfMemory { op, detail } => GpuError::OutOfMemory { op, detail: detail + &note },
            GpuError::BufferTooLarge { op, needed, available } => GpuError::BufferTooLargeIn { op, needed, available, note },
            e => e,
        }
    }

    pub fn invalid(op: impl Into<String>, message: impl Into<String>) -> Self {
        GpuError::InvalidArgument { op: op.into(), message: message.into() }
    }
}

/// Runs `f` with `device`'s validation, out-of-memory and internal errors captured and returned
/// as [`GpuError`] named `op` (the first out-of-memory error first: a failed allocation causes
/// validation errors downstream).
pub fn device_scoped<T>(device: &wgpu::Device, op: &str, f: impl FnOnce() -> T) -> GpuResult<T> {
    let oom = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
    let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
    let internal = device.push_error_scope(wgpu::ErrorFilter::Internal);
    let out = f();
    let errors = [pollster::block_on(internal.pop()), pollster::block_on(validation.pop()), pollster::block_on(oom.pop())];
    let mut errors: Vec<_> = errors.into_iter().flatten().collect();
    errors.sort_by_key(|e| !matches!(e, wgpu::Error::OutOfMemory { .. }));
    match errors.into_iter().next() {
        Some(e) => Err(GpuError::from_wgpu(op, e)),
        None => Ok(out),
    }
}

/// Why a kernel cannot be launched on a device.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GeometryError {
    #[error(
        "{kernel}: needs {needed} bytes of workgroup memory, the device allows {available}; \
         use a device with more workgroup memory or a smaller size parameter"
    )]
    WorkgroupMemory { kernel: &'static str, needed: u64, available: u64 },
    #[error(
        "{kernel}: {workgroups} workgroups exceed the device's grid ({max_per_dim}^3); \
         split the work into smaller batches"
    )]
    GridTooLarge { kernel: &'static str, workgroups: u64, max_per_dim: u32 },
    #[error("{kernel}: size parameter {what} = {value} is out of the supported range {range}")]
    OutOfRange { kernel: &'static str, what: &'static str, value: u64, range: &'static str },
    #[error(
        "{kernel}: an invocation would run {iterations} loop iterations, the device completes at most \
         {limit} (a driver cap such as lavapipe's, or the most the loop probe verified); \
         this is a bug in the kernel's launch rule: please report it"
    )]
    LoopIterations { kernel: &'static str, iterations: u64, limit: u32 },
}

//! Adapter choice, device creation under a limit profile, error capture, submission, and the
//! per-device pipeline cache.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
};

use crate::{
    error::{GpuError, GpuResult},
    kernel::PipelineKey,
    limits::{DeviceLimits, LimitProfile},
};

/// Environment variable naming the adapter to use (a case-insensitive substring of its name).
pub const ADAPTER_ENV: &str = "OPENVM_WGPU_ADAPTER";
/// wgpu's own convention for the same, honoured when [`ADAPTER_ENV`] is unset.
pub const WGPU_ADAPTER_ENV: &str = "WGPU_ADAPTER_NAME";

/// How to open a device.
#[derive(Clone, Debug, Default)]
pub struct ContextOptions {
    pub profile: Option<LimitProfile>,
    /// Substring of the adapter name; `None` reads the environment, then ranks by device type.
    pub adapter_name: Option<String>,
}

impl ContextOptions {
    pub fn with_profile(profile: LimitProfile) -> Self {
        Self { profile: Some(profile), adapter_name: None }
    }

    fn adapter_filter(&self) -> Option<String> {
        self.adapter_name
            .clone()
            .or_else(|| std::env::var(ADAPTER_ENV).ok())
            .or_else(|| std::env::var(WGPU_ADAPTER_ENV).ok())
            .filter(|s| !s.is_empty())
    }
}

/// One adapter as `openvm-wgpu info` lists it.
#[derive(Clone, Debug)]
pub struct AdapterSummary {
    pub info: wgpu::AdapterInfo,
    pub limits: wgpu::Limits,
    pub features: wgpu::Features,
}

impl AdapterSummary {
    pub fn usable(&self) -> bool {
        self.features.contains(wgpu::Features::SHADER_INT64)
    }
}

fn device_type_rank(t: wgpu::DeviceType) -> u32 {
    match t {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    }
}

fn new_instance() -> wgpu::Instance {
    wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env())
}

/// Every adapter wgpu can see, best first.
pub fn list_adapters() -> Vec<AdapterSummary> {
    let instance = new_instance();
    let mut adapters: Vec<_> = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()))
        .into_iter()
        .map(|a| AdapterSummary { info: a.get_info(), limits: a.limits(), features: a.features() })
        .collect();
    adapters.sort_by_key(|a| (!a.usable(), device_type_rank(a.info.device_type)));
    adapters
}

/// An open device with everything kernels need: its limits under the chosen profile, the queue,
/// captured errors and compiled pipelines.
pub struct GpuContext {
    pub adapter_info: wgpu::AdapterInfo,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub features: wgpu::Features,
    /// The limits kernels plan with (the profile's, within the adapter's).
    pub limits: DeviceLimits,
    pub profile: LimitProfile,
    uncaptured: Arc<Mutex<Vec<String>>>,
    pipelines: Mutex<HashMap<PipelineKey, Arc<wgpu::ComputePipeline>>>,
    resources: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl std::fmt::Debug for GpuContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuContext")
            .field("adapter", &self.adapter_info.name)
            .field("backend", &self.adapter_info.backend)
            .field("profile", &self.profile)
            .field("limits", &self.limits)
            .finish()
    }
}

impl GpuContext {
    /// Opens a device: the named adapter, else the best by type (discrete > integrated >
    /// software) among those with 64-bit integer support.
    pub fn new(opts: &ContextOptions) -> GpuResult<Self> {
        let profile = opts.profile.unwrap_or(LimitProfile::Native);
        let instance = new_instance();
        let filter = opts.adapter_filter();
        let mut adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
        if let Some(f) = &filter {
            let f = f.to_lowercase();
            adapters.retain(|a| a.get_info().name.to_lowercase().contains(&f));
        }
        adapters.sort_by_key(|a| (!a.features().contains(wgpu::Features::SHADER_INT64), device_type_rank(a.get_info().device_type)));
        let adapter = adapters
            .into_iter()
            .next()
            .ok_or_else(|| GpuError::NoAdapter { filter: filter.map(|f| format!(" whose name contains '{f}'")).unwrap_or_default() })?;
        let info = adapter.get_info();
        let available = adapter.features();
        if !available.contains(wgpu::Features::SHADER_INT64) {
            return Err(GpuError::MissingFeature {
                adapter: info.name.clone(),
                feature: "SHADER_INT64",
                why: "BabyBear Montgomery multiplication uses 64-bit products",
            });
        }
        let subgroups = available.contains(wgpu::Features::SUBGROUP) && profile.allows_subgroups();
        let mut features = wgpu::Features::SHADER_INT64;
        if subgroups {
            features |= wgpu::Features::SUBGROUP;
        }
        let limits = profile.apply_to_wgpu(&adapter.limits());
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("openvm-wgpu"),
            required_features: features,
            required_limits: limits.clone(),
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        }))
        .map_err(|e| GpuError::RequestDevice { adapter: info.name.clone(), message: e.to_string() })?;

        // wgpu's default handler panics; errors outside a scope are recorded and reported by the
        // next checked operation instead.
        let uncaptured = Arc::new(Mutex::new(Vec::new()));
        let sink = uncaptured.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            if let Ok(mut v) = sink.lock() {
                v.push(e.to_string());
            }
        }));
        let device_limits = DeviceLimits::from_wgpu(&limits, &info, subgroups);
        tracing::debug!(adapter = %info.name, backend = ?info.backend, %profile, "opened GPU device");
        Ok(Self {
            adapter_info: info,
            device,
            queue,
            features,
            limits: device_limits,
            profile,
            uncaptured,
            pipelines: Mutex::new(HashMap::new()),
            resources: Mutex::new(HashMap::new()),
        })
    }

    /// One device per profile per process, shared by every caller (tests and provers share the
    /// compiled pipelines this way).
    pub fn shared(profile: LimitProfile) -> GpuResult<Arc<Self>> {
        static SHARED: OnceLock<Mutex<HashMap<LimitProfile, Arc<GpuContext>>>> = OnceLock::new();
        let map = SHARED.get_or_init(Default::default);
        let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(ctx) = map.get(&profile) {
            return Ok(ctx.clone());
        }
        let ctx = Arc::new(Self::new(&ContextOptions::with_profile(profile))?);
        map.insert(profile, ctx.clone());
        Ok(ctx)
    }

    /// Runs `f` with wgpu's errors captured and returned as [`GpuError`] named `op`.
    pub fn scoped<T>(&self, op: &str, f: impl FnOnce() -> T) -> GpuResult<T> {
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let internal = self.device.push_error_scope(wgpu::ErrorFilter::Internal);
        let out = f();
        let errors = [pollster::block_on(internal.pop()), pollster::block_on(validation.pop()), pollster::block_on(oom.pop())];
        // Report out-of-memory first: a failed allocation causes validation errors downstream.
        let mut errors: Vec<_> = errors.into_iter().flatten().collect();
        errors.sort_by_key(|e| !matches!(e, wgpu::Error::OutOfMemory { .. }));
        if let Some(e) = errors.into_iter().next() {
            return Err(GpuError::from_wgpu(op, e));
        }
        self.take_uncaptured(op)?;
        Ok(out)
    }

    fn take_uncaptured(&self, op: &str) -> GpuResult<()> {
        let mut v = self.uncaptured.lock().unwrap_or_else(|p| p.into_inner());
        if v.is_empty() {
            return Ok(());
        }
        let message = v.join("; ");
        v.clear();
        Err(GpuError::Internal { op: op.to_string(), message })
    }

    /// Submits the encoder and waits for the GPU to finish it.
    pub fn submit_and_wait(&self, op: &str, encoder: wgpu::CommandEncoder) -> GpuResult<()> {
        let index = self.scoped(op, || self.queue.submit([encoder.finish()]))?;
        self.wait(op, Some(index))
    }

    pub(crate) fn wait(&self, op: &str, index: Option<wgpu::SubmissionIndex>) -> GpuResult<()> {
        self.device
            .poll(wgpu::PollType::Wait { submission_index: index, timeout: None })
            .map_err(|e| GpuError::Internal { op: op.to_string(), message: e.to_string() })?;
        self.take_uncaptured(op)
    }

    pub fn encoder(&self, label: &str) -> wgpu::CommandEncoder {
        self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })
    }

    /// The compiled pipeline for `key`, compiling `source()` on first use.
    pub fn pipeline(&self, key: &PipelineKey, source: impl FnOnce() -> String) -> GpuResult<Arc<wgpu::ComputePipeline>> {
        if let Some(p) = self.pipelines.lock().unwrap_or_else(|p| p.into_inner()).get(key) {
            return Ok(p.clone());
        }
        let op = format!("compiling kernel {}", key.kernel);
        let constants: Vec<(&str, f64)> = key.constants.iter().map(|(k, v)| (k.as_str(), *v as f64)).collect();
        let pipeline = self.scoped(&op, || {
            let module = self.device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(key.kernel),
                source: wgpu::ShaderSource::Wgsl(source().into()),
            });
            self.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(key.kernel),
                layout: None,
                module: &module,
                entry_point: Some(key.entry_point),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: &constants,
                    // Kernels write workgroup memory before reading it.
                    zero_initialize_workgroup_memory: false,
                },
                cache: None,
            })
        })?;
        let pipeline = Arc::new(pipeline);
        self.pipelines.lock().unwrap_or_else(|p| p.into_inner()).insert(key.clone(), pipeline.clone());
        Ok(pipeline)
    }

    /// Creates a bind group for `pipeline`'s group 0 from buffers bound in order.
    pub fn bind(&self, pipeline: &wgpu::ComputePipeline, entries: &[wgpu::BindingResource<'_>]) -> wgpu::BindGroup {
        let layout = pipeline.get_bind_group_layout(0);
        let entries: Vec<_> =
            entries.iter().enumerate().map(|(i, r)| wgpu::BindGroupEntry { binding: i as u32, resource: r.clone() }).collect();
        self.device.create_bind_group(&wgpu::BindGroupDescriptor { label: None, layout: &layout, entries: &entries })
    }

    /// A small uniform buffer of kernel parameters.
    pub fn params(&self, words: &[u32]) -> wgpu::Buffer {
        use wgpu::util::DeviceExt;
        let mut padded = words.to_vec();
        padded.resize(words.len().div_ceil(4).max(1) * 4, 0);
        self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("kernel params"),
            contents: bytemuck::cast_slice(&padded),
            usage: wgpu::BufferUsages::UNIFORM,
        })
    }

    /// Per-device state of type `T` (e.g. twiddle tables), created on first use and shared.
    pub fn resource<T: Any + Send + Sync + Default>(&self) -> Arc<T> {
        let mut map = self.resources.lock().unwrap_or_else(|p| p.into_inner());
        let entry = map.entry(TypeId::of::<T>()).or_insert_with(|| Arc::new(T::default()));
        entry.clone().downcast::<T>().expect("resource map is keyed by type")
    }

    pub fn has_subgroups(&self) -> bool {
        self.limits.subgroups
    }
}

//! Adapter choice, device creation under a limit profile, error capture, submission, and the
//! per-device pipeline cache.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    ops::{Deref, DerefMut},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, OnceLock,
    },
};

use crate::{
    error::{GpuError, GpuResult},
    limits::{DeviceLimits, LimitProfile},
    memory::Counted,
    pipeline_cache::DiskPipelineCache,
    pool::{BufferPool, PoolStats},
    tuning::Tuning,
    work::{KernelTimer, TimedPasses, GPU_WORK},
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
    /// Where compiled pipelines are kept between processes (crate::pipeline_cache): `None`
    /// uses [`crate::pipeline_cache::default_dir`].
    pub pipeline_cache_dir: Option<std::path::PathBuf>,
    /// Time every dispatch on the GPU (crate::work), where the adapter has timestamp queries;
    /// `false` leaves it to the tuning (`OPENVM_WGPU_KERNEL_TIMES`).
    pub kernel_times: bool,
    /// Caps on the launch rules and measurement switches (crate::tuning); `None` reads the
    /// environment once, when the device opens.
    pub tuning: Option<Tuning>,
}

impl ContextOptions {
    pub fn with_profile(profile: LimitProfile) -> Self {
        Self { profile: Some(profile), ..Default::default() }
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

/// Identifies a compiled pipeline: kernel, entry point and override constants.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PipelineKey {
    pub kernel: &'static str,
    pub entry_point: &'static str,
    pub constants: Vec<(String, u32)>,
}

impl PipelineKey {
    pub fn new(kernel: &'static str, entry_point: &'static str) -> Self {
        Self { kernel, entry_point, constants: Vec::new() }
    }

    pub fn constant(mut self, name: &str, value: u32) -> Self {
        self.constants.push((name.to_string(), value));
        self
    }
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
    /// Uniform buffers of kernel parameters, free for the next encoder (ARCHITECTURE.md rule 9).
    param_pool: Arc<BufferPool>,
    /// Parameter slots handed out ([`ContextStats::param_slots`]).
    param_slots: AtomicU64,
    /// Bytes between parameter slots of a page (the device's uniform offset alignment).
    param_alignment: usize,
    /// MAP_READ staging buffers for read-backs, free for the next download.
    pub(crate) staging_pool: BufferPool,
    /// Storage buffers whose contents the next owner overwrites ([`GpuBuffer::uninit`](crate::GpuBuffer::uninit)).
    pub(crate) storage_pool: Arc<BufferPool>,
    /// Compiled pipelines on disk, where the backend supports it.
    pipeline_cache: Option<DiskPipelineCache>,
    /// GPU time per dispatch (crate::work), when asked for and supported.
    kernel_timer: Option<Arc<KernelTimer>>,
}

impl Drop for GpuContext {
    fn drop(&mut self) {
        self.save_pipeline_cache();
    }
}

/// How often the per-round resources were allocated and reused (see [`GpuContext::stats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContextStats {
    /// Storage buffers of [`GpuBuffer::uninit`](crate::GpuBuffer::uninit).
    pub storage: PoolStats,
    /// Uniform buffers of kernel parameters ([`GpuContext::params`]).
    pub params: PoolStats,
    /// MAP_READ staging buffers of read-backs.
    pub staging: PoolStats,
    /// Parameter slots handed out since the device was opened: one per recorded dispatch.
    pub param_slots: u64,
}

/// Parameter pages the pool keeps at most (in bytes); a bound on pages in flight at once, not a
/// memory budget.
const PARAM_POOL_BYTES: u64 = 16 << 20;
/// Staging bytes kept for reuse at most; larger read-backs free their staging buffer afterwards.
const STAGING_POOL_BYTES: u64 = 1 << 30;
/// Storage bytes the pool keeps at most; beyond that released buffers are freed. A failed
/// allocation empties the pool and tries again, so pooled memory never causes an out-of-memory
/// error.
const STORAGE_POOL_BYTES: u64 = 32 << 30;
/// Bytes of one page of parameters: the uniforms of many dispatches, each at an aligned offset.
const PARAM_PAGE_BYTES: u64 = 64 << 10;

/// A uniform buffer holding the parameters of several dispatches of one encoder, and the host
/// copy they are recorded into; `written..used` has not reached the buffer yet.
struct ParamPage {
    buffer: Counted,
    shadow: Vec<u8>,
    used: usize,
    written: usize,
}

/// One dispatch's parameters: a range of a page.
pub struct ParamSlot {
    buffer: wgpu::Buffer,
    offset: u64,
    size: u64,
}

impl ParamSlot {
    pub fn binding(&self) -> wgpu::BindingResource<'_> {
        wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: &self.buffer,
            offset: self.offset,
            size: wgpu::BufferSize::new(self.size),
        })
    }
}

/// A command encoder that owns the parameter pages its dispatches bind
/// ([`GpuContext::params`]). A page's new bytes are written to the GPU once, just before the
/// encoder's work is submitted; the pages go back to the device's pool when its last submission
/// has completed ([`GpuContext::submit_and_wait`]), or at once when it is dropped unsubmitted
/// (its commands never run). It dereferences to the `wgpu::CommandEncoder` for everything else.
pub struct GpuEncoder {
    encoder: Option<wgpu::CommandEncoder>,
    pages: Vec<ParamPage>,
    pool: Arc<BufferPool>,
    /// Timestamp slots of the passes recorded (crate::work), when timing is on.
    pub(crate) timed: TimedPasses,
    /// Buffers the recorded commands use that nothing else holds (see [`GpuEncoder::keep`]).
    kept: Vec<Box<dyn Any + Send + Sync>>,
    kept_bytes: u64,
}

impl GpuEncoder {
    fn inner(&self) -> &wgpu::CommandEncoder {
        // Only `submit_and_wait`, which consumes the encoder, takes the inner one out.
        self.encoder.as_ref().expect("encoder is present until submitted")
    }

    /// Parameter pages this encoder holds (for tests).
    pub fn param_buffers(&self) -> usize {
        self.pages.len()
    }

    /// Keeps `buffer` (`bytes` of device memory) alive until the encoder's last submission has
    /// completed: a scratch buffer from the pool that the recorded commands use must not go
    /// back to the pool while they may still run.
    pub fn keep<B: Any + Send + Sync>(&mut self, buffer: B, bytes: u64) {
        self.kept.push(Box::new(buffer));
        self.kept_bytes += bytes;
    }

    /// Bytes of the buffers [`GpuEncoder::keep`] holds.
    pub fn kept_bytes(&self) -> u64 {
        self.kept_bytes
    }

    /// Writes the parameters recorded since the last submission to their pages (one write per
    /// page), so the submission that follows reads them.
    fn write_params(&mut self, queue: &wgpu::Queue) {
        let started = std::time::Instant::now();
        self.write_pages(queue);
        GPU_WORK.wrote(started.elapsed());
    }

    fn write_pages(&mut self, queue: &wgpu::Queue) {
        for page in &mut self.pages {
            if page.written < page.used {
                queue.write_buffer(&page.buffer, page.written as u64, &page.shadow[page.written..page.used]);
                page.written = page.used;
            }
        }
    }

    fn take_pages(&mut self) -> Vec<Counted> {
        self.pages.drain(..).map(|p| p.buffer).collect()
    }
}

impl Deref for GpuEncoder {
    type Target = wgpu::CommandEncoder;
    fn deref(&self) -> &wgpu::CommandEncoder {
        self.inner()
    }
}

impl DerefMut for GpuEncoder {
    fn deref_mut(&mut self) -> &mut wgpu::CommandEncoder {
        self.encoder.as_mut().expect("encoder is present until submitted")
    }
}

impl Drop for GpuEncoder {
    fn drop(&mut self) {
        // Dropped without submitting: nothing recorded here will run, so its parameter pages
        // are free now. (A page written for an earlier flush of this encoder is rewritten by its
        // next owner before that owner's submission.)
        if self.encoder.is_some() {
            self.timed.dropped();
            let pages = self.take_pages();
            self.pool.put(pages);
        }
    }
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
        let tuning = match opts.tuning {
            Some(t) => t,
            None => Tuning::from_env()?,
        };
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
        features |= available & wgpu::Features::PIPELINE_CACHE;
        let timed = KernelTimer::requested(opts.kernel_times || tuning.kernel_times, available);
        if timed {
            features |= wgpu::Features::TIMESTAMP_QUERY;
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
        let device_limits = DeviceLimits { tuning, ..DeviceLimits::from_wgpu(&limits, &info, subgroups) };
        let param_alignment = (device.limits().min_uniform_buffer_offset_alignment as usize).max(16);
        let cache_dir = opts.pipeline_cache_dir.clone().or_else(crate::pipeline_cache::default_dir);
        let pipeline_cache = cache_dir.and_then(|dir| DiskPipelineCache::open(&device, &info, &dir));
        if let Some(c) = &pipeline_cache {
            tracing::debug!(path = %c.path().display(), bytes = c.loaded_bytes, "pipeline cache");
        }
        tracing::debug!(adapter = %info.name, backend = ?info.backend, %profile, "opened GPU device");
        let kernel_timer = timed.then(|| KernelTimer::new(&device, &queue));
        let mut ctx = Self {
            adapter_info: info,
            device,
            queue,
            features,
            limits: device_limits,
            profile,
            uncaptured,
            pipelines: Mutex::new(HashMap::new()),
            resources: Mutex::new(HashMap::new()),
            param_pool: Arc::new(BufferPool::new(PARAM_POOL_BYTES)),
            param_slots: AtomicU64::new(0),
            param_alignment,
            staging_pool: BufferPool::new(STAGING_POOL_BYTES),
            storage_pool: Arc::new(BufferPool::new(STORAGE_POOL_BYTES)),
            pipeline_cache,
            kernel_timer,
        };
        // Loop iterations per invocation are a limit like the others (crate::loop_probe): what
        // the device completes, under the profile's cap.
        let probed = crate::loop_probe::probe(&ctx.device, &ctx.queue, &ctx.limits)?;
        ctx.limits.max_loop_iterations = profile.loop_iteration_cap().map_or(probed, |cap| cap.min(probed));
        tracing::debug!(probed, limit = ctx.limits.max_loop_iterations, "loop iterations per invocation");
        Ok(ctx)
    }

    /// Writes newly compiled pipelines to the on-disk cache (crate::pipeline_cache); returns
    /// whether anything was written. Failures are logged, never returned: a cache only saves
    /// compile time.
    pub fn save_pipeline_cache(&self) -> bool {
        let Some(c) = &self.pipeline_cache else { return false };
        match c.save() {
            Ok(wrote) => wrote,
            Err(e) => {
                tracing::warn!("writing the pipeline cache {} failed: {e}", c.path().display());
                false
            }
        }
    }

    /// The on-disk pipeline cache file and the bytes it held when the device opened, where the
    /// backend supports caching.
    pub fn pipeline_cache_file(&self) -> Option<(&std::path::Path, usize)> {
        self.pipeline_cache.as_ref().map(|c| (c.path(), c.loaded_bytes))
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
        let out = crate::error::device_scoped(&self.device, op, f)?;
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

    /// Submits the encoder and waits for the GPU to finish it; then its parameter buffers are
    /// free for other encoders. Every submission goes through here (or [`GpuContext::submit`]),
    /// so a parameter buffer is never handed out while a submission may still read it.
    pub fn submit_and_wait(&self, op: &str, encoder: GpuEncoder) -> GpuResult<()> {
        self.submit_then_wait(op, encoder, || {})
    }

    /// Submits the encoder without waiting for the GPU. Its parameter pages and kept buffers go
    /// back to their pools at once: the device has one queue, and whoever takes them next writes
    /// them through it (`write_buffer`) or uses them in a later submission, both ordered after
    /// this one. Work that needs no read-back (trace generation, whose traces the prover's
    /// later submissions read) goes through here, so the host records the next work while the
    /// GPU runs this; a later wait reports any failure of the device.
    pub fn submit(&self, op: &str, mut encoder: GpuEncoder) -> GpuResult<()> {
        self.flush(op, &mut encoder)
        // Dropping the encoder (with its fresh, empty inner encoder) returns the pages.
    }

    /// Waits for what `encoder` has recorded when the buffers it keeps ([`GpuEncoder::keep`])
    /// exceed `bytes`, so they are freed, and goes on with a fresh encoder; otherwise submits
    /// without waiting ([`GpuContext::flush`]).
    pub fn flush_keeping_at_most(&self, op: &str, encoder: &mut GpuEncoder, bytes: u64) -> GpuResult<()> {
        if encoder.kept_bytes() > bytes {
            let recorded = std::mem::replace(encoder, self.encoder(op));
            self.submit_and_wait(op, recorded)
        } else {
            self.flush(op, encoder)
        }
    }

    /// Submits what `encoder` has recorded without waiting, so the GPU starts on it while the
    /// host records more into the same encoder. Its parameter buffers stay with the encoder and
    /// go back to the pool when its last submission has completed.
    pub fn flush(&self, op: &str, encoder: &mut GpuEncoder) -> GpuResult<()> {
        let fresh = self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(op) });
        let recorded = encoder.encoder.replace(fresh).expect("encoder is present until submitted");
        encoder.write_params(&self.queue);
        encoder.timed.submitted();
        let started = std::time::Instant::now();
        let r = self.scoped(op, || {
            self.queue.submit([recorded.finish()]);
        });
        GPU_WORK.submitted(started.elapsed());
        r
    }

    /// [`GpuContext::submit_and_wait`], running `after_submit` between the submission and the
    /// wait: a read-back requests its staging map there, so one wait covers both.
    pub(crate) fn submit_then_wait(&self, op: &str, mut encoder: GpuEncoder, after_submit: impl FnOnce()) -> GpuResult<()> {
        let inner = encoder.encoder.take().expect("encoder is present until submitted");
        encoder.write_params(&self.queue);
        encoder.timed.submitted();
        let params = encoder.take_pages();
        let started = std::time::Instant::now();
        let submitted = self.scoped(op, || {
            let index = self.queue.submit([inner.finish()]);
            after_submit();
            index
        });
        GPU_WORK.submitted(started.elapsed());
        let result = submitted.and_then(|index| self.wait(op, Some(index)));
        // Every submission of the encoder has completed (or failed): its kept buffers are free.
        drop(std::mem::take(&mut encoder.kept));
        if result.is_ok() {
            self.param_pool.put(params);
        }
        // After a failure the buffers are simply freed: whether the GPU still reads them is
        // unknown.
        result
    }

    pub(crate) fn wait(&self, op: &str, index: Option<wgpu::SubmissionIndex>) -> GpuResult<()> {
        let started = std::time::Instant::now();
        let polled = self.device.poll(wgpu::PollType::Wait { submission_index: index, timeout: None });
        GPU_WORK.waited(started.elapsed());
        polled.map_err(|e| GpuError::Internal { op: op.to_string(), message: e.to_string() })?;
        if let Some(t) = &self.kernel_timer {
            t.collect(&self.device, &self.queue);
        }
        self.take_uncaptured(op)
    }

    pub fn encoder(&self, label: &str) -> GpuEncoder {
        GpuEncoder {
            encoder: Some(self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })),
            pages: Vec::new(),
            pool: self.param_pool.clone(),
            timed: TimedPasses::new(self.kernel_timer.clone()),
            kept: Vec::new(),
            kept_bytes: 0,
        }
    }

    /// Allocation counters of the parameter and staging pools.
    pub fn stats(&self) -> ContextStats {
        ContextStats {
            storage: self.storage_pool.stats(),
            params: self.param_pool.stats(),
            staging: self.staging_pool.stats(),
            param_slots: self.param_slots.load(Ordering::Relaxed),
        }
    }

    /// Device memory our buffers hold now and at peak, process-wide over every device
    /// ([`crate::memory::GPU_MEMORY`]).
    pub fn memory_stats(&self) -> crate::memory::GpuMemoryStats {
        crate::memory::GPU_MEMORY.stats()
    }

    /// Frees the buffers the pools keep for reuse (storage buffers and read-back staging), so
    /// that the next job starts as in a new process: a benchmark of several sizes in one process
    /// measures each size's memory alone.
    pub fn release_pooled_buffers(&self) {
        self.storage_pool.clear();
        self.staging_pool.clear();
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
                cache: self.pipeline_cache.as_ref().map(|c| &c.cache),
            })
        })?;
        if let Some(c) = &self.pipeline_cache {
            c.mark_dirty();
        }
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

    /// A uniform holding `words` (zero-padded to whole 16-byte rows), for a dispatch recorded
    /// into `encoder`: a range of one of the encoder's parameter pages, which come from the
    /// device's pool and belong to `encoder` until its submission completes (ARCHITECTURE.md
    /// rule 9: no allocation per dispatch once the pool is warm, and one buffer write per page
    /// rather than per dispatch). Call inside [`GpuContext::scoped`] to capture a failed
    /// allocation.
    pub fn params(&self, encoder: &mut GpuEncoder, words: &[u32]) -> ParamSlot {
        self.param_slots.fetch_add(1, Ordering::Relaxed);
        let size = words.len().div_ceil(4).max(1) * 16;
        let align = self.param_alignment;
        let fits = |p: &ParamPage| p.used.next_multiple_of(align) + size <= p.shadow.len();
        if !encoder.pages.last().is_some_and(fits) {
            let class = BufferPool::class((size as u64).max(PARAM_PAGE_BYTES), PARAM_PAGE_BYTES);
            let buffer = self
                .param_pool
                .take_or(class, || {
                    Ok::<_, std::convert::Infallible>(self.device.create_buffer(&wgpu::BufferDescriptor {
                        label: Some("kernel params"),
                        size: class,
                        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                        mapped_at_creation: false,
                    }))
                })
                .unwrap_or_else(|never| match never {});
            encoder.pages.push(ParamPage { buffer, shadow: vec![0; class as usize], used: 0, written: 0 });
        }
        let page = encoder.pages.last_mut().expect("a page was just ensured");
        let offset = page.used.next_multiple_of(align);
        let bytes: &[u8] = bytemuck::cast_slice(words);
        page.shadow[offset..offset + bytes.len()].copy_from_slice(bytes);
        page.shadow[offset + bytes.len()..offset + size].fill(0);
        page.used = offset + size;
        ParamSlot { buffer: (*page.buffer).clone(), offset: offset as u64, size: size as u64 }
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

#[cfg(test)]
mod tests {
    //! The per-round resources are reused (ARCHITECTURE.md rule 9), and stay correct when several
    //! threads record and submit at once. Runs on whatever adapter is present (lavapipe in CI).

    use super::*;
    use crate::{
        kernel::record_dispatch,
        limits::{elementwise, fold_grid},
        GpuBuffer,
    };

    /// out[i] = a + i for i < n, with (a, n) from the parameter uniform.
    const WRITE: &str = "
override WORKGROUP_SIZE: u32;
struct Params { a: u32, n: u32, _p0: u32, _p1: u32 }
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@group(0) @binding(1) var<uniform> params: Params;
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
    if (g.x < params.n) {
        out[g.x] = params.a + g.x;
    }
}
";

    fn open() -> GpuContext {
        GpuContext::new(&ContextOptions::default()).expect("a GPU adapter (run scripts/ensure-vulkan.sh without a GPU)")
    }

    fn write_pipeline(ctx: &GpuContext) -> Arc<wgpu::ComputePipeline> {
        let wg = elementwise(&ctx.limits).workgroup_size[0];
        ctx.pipeline(&PipelineKey::new("pool_test_write", "main").constant("WORKGROUP_SIZE", wg), || WRITE.to_string()).unwrap()
    }

    /// Records out[..n] = a + i.
    fn record_write(ctx: &GpuContext, enc: &mut GpuEncoder, pipeline: &wgpu::ComputePipeline, out: &GpuBuffer<u32>, a: u32, n: u32) {
        let wg = elementwise(&ctx.limits).workgroup_size[0] as u64;
        let grid = fold_grid("pool_test_write", (n as u64).div_ceil(wg), ctx.limits.max_workgroups_per_dimension).unwrap();
        assert_eq!(grid.dims[1], 1, "test sizes fit one dimension");
        ctx.scoped("pool test", || {
            let uniform = ctx.params(enc, &[a, n]);
            record_dispatch(ctx, enc, "pool test", pipeline, &[out.binding(), uniform.binding()], grid);
        })
        .unwrap();
    }

    fn expected(a: u32, n: usize) -> Vec<u32> {
        (0..n as u32).map(|i| a + i).collect()
    }

    /// With kernel timing on, every dispatch is counted and timed under its label by the wait
    /// that follows its submission, also when the encoder was flushed first; an encoder dropped
    /// unsubmitted times nothing.
    #[test]
    fn dispatches_are_counted_and_timed_per_label() {
        let ctx = GpuContext::new(&ContextOptions { kernel_times: true, ..Default::default() }).expect("a GPU adapter");
        assert!(ctx.kernel_timer.is_some(), "{} has no timestamp queries", ctx.adapter_info.name);
        let pipeline = write_pipeline(&ctx);
        let n = 1 << 16;
        let out = GpuBuffer::<u32>::zeroed(&ctx, "out", n).unwrap();
        // Other tests dispatch concurrently, untimed: only this test's dispatches are timed.
        let label_count = |times: &[(String, crate::KernelTime)]| times.iter().find(|(l, _)| l == "pool test").map(|(_, k)| k.dispatches);
        let before = crate::GPU_WORK.counts();
        {
            let mut dropped = ctx.encoder("dropped");
            record_write(&ctx, &mut dropped, &pipeline, &out, 7, n as u32);
        }
        let mut enc = ctx.encoder("timed");
        for a in 0..3 {
            record_write(&ctx, &mut enc, &pipeline, &out, a, n as u32);
        }
        ctx.flush("timed", &mut enc).unwrap();
        record_write(&ctx, &mut enc, &pipeline, &out, 9, n as u32);
        ctx.submit_and_wait("timed", enc).unwrap();
        let work = crate::GPU_WORK.counts().since(&before);
        assert!(work.dispatches >= 5 && work.submissions >= 2 && work.waits >= 1, "{work:?}");
        let times = crate::GPU_WORK.take_kernel_times();
        assert_eq!(label_count(&times), Some(4), "{times:?}");
        assert_eq!(out.read(&ctx).unwrap(), expected(9, n));
    }

    /// What an encoder keeps lives until its last submission has completed: past flushes, and
    /// freed by the wait that `flush_keeping_at_most` does past its bound or by the final one.
    #[test]
    fn kept_buffers_live_until_the_submission_completes() {
        let ctx = open();
        let marker = Arc::new(());
        let mut enc = ctx.encoder("keep");
        enc.keep(marker.clone(), 100);
        ctx.flush("keep", &mut enc).unwrap();
        assert_eq!(Arc::strong_count(&marker), 2, "kept past a flush");
        ctx.flush_keeping_at_most("keep", &mut enc, 100).unwrap();
        assert_eq!(Arc::strong_count(&marker), 2, "at the bound: flushed, still kept");
        enc.keep(marker.clone(), 1);
        ctx.flush_keeping_at_most("keep", &mut enc, 100).unwrap();
        assert_eq!(Arc::strong_count(&marker), 1, "past the bound: waited for and freed");
        assert_eq!(enc.kept_bytes(), 0, "a fresh encoder");
        enc.keep(marker.clone(), 1);
        ctx.submit_and_wait("keep", enc).unwrap();
        assert_eq!(Arc::strong_count(&marker), 1, "freed after the final wait");
    }

    #[test]
    fn params_and_staging_buffers_are_reused_across_rounds() {
        let ctx = open();
        let pipeline = write_pipeline(&ctx);
        let n = 1000usize;
        let bufs: Vec<_> = (0..4).map(|_| GpuBuffer::<u32>::zeroed(&ctx, "out", n).unwrap()).collect();
        let mut after_first = None;
        for round in 0..40u32 {
            let mut enc = ctx.encoder("round");
            for (k, b) in bufs.iter().enumerate() {
                record_write(&ctx, &mut enc, &pipeline, b, round * 10_000 + k as u32, n as u32);
            }
            assert_eq!(enc.param_buffers(), 1, "the four dispatches' parameters share one page");
            ctx.submit_and_wait("round", enc).unwrap();
            for (k, b) in bufs.iter().enumerate() {
                assert_eq!(b.read(&ctx).unwrap(), expected(round * 10_000 + k as u32, n), "round {round} buffer {k}");
                // A partial read of another size class.
                assert_eq!(b.read_range(&ctx, 3..9).unwrap(), expected(round * 10_000 + k as u32 + 3, 6));
            }
            let s = ctx.stats();
            assert_eq!(s.params.free, 1, "the round's parameter page is back in the pool after its submission");
            if round == 0 {
                after_first = Some(s);
            }
        }
        let first = after_first.unwrap();
        let s = ctx.stats();
        assert_eq!(first.params.created, 1);
        assert_eq!(s.params.created, 1, "no parameter page allocated after the first round: {s:?}");
        assert_eq!(s.params.reused, 39);
        assert_eq!(first.staging.created, 2, "one staging buffer per size class: {first:?}");
        assert_eq!(s.staging.created, 2, "no staging buffer allocated after the first round: {s:?}");
        assert_eq!(s.staging.reused, 40 * 8 - 2);
    }

    /// More dispatches than one page holds, flushed in between: each output buffer ends with
    /// the parameters of the last dispatch that wrote it, those recorded after a flush into a
    /// page already submitted included.
    #[test]
    fn params_span_pages_and_flushes() {
        let ctx = open();
        let pipeline = write_pipeline(&ctx);
        let n = 64usize;
        let align = ctx.param_alignment;
        let count = (2 * PARAM_PAGE_BYTES as usize / align + 5) as u32;
        let bufs: Vec<_> = (0..61).map(|_| GpuBuffer::<u32>::zeroed(&ctx, "out", n).unwrap()).collect();
        let mut enc = ctx.encoder("pages");
        for k in 0..count {
            record_write(&ctx, &mut enc, &pipeline, &bufs[k as usize % bufs.len()], 1000 * k, n as u32);
            if k % 97 == 96 {
                ctx.flush("pages", &mut enc).unwrap();
            }
        }
        assert_eq!(enc.param_buffers(), 3, "{count} dispatches fill two pages and start a third");
        ctx.submit_and_wait("pages", enc).unwrap();
        for (j, b) in bufs.iter().enumerate() {
            let last = (0..count).rev().find(|k| *k as usize % bufs.len() == j).unwrap();
            assert_eq!(b.read(&ctx).unwrap(), expected(1000 * last, n), "buffer {j}");
        }
    }

    #[test]
    fn an_encoder_dropped_unsubmitted_returns_its_params() {
        let ctx = open();
        let pipeline = write_pipeline(&ctx);
        let out = GpuBuffer::<u32>::zeroed(&ctx, "out", 64).unwrap();
        let mut enc = ctx.encoder("dropped");
        for a in 0..3 {
            record_write(&ctx, &mut enc, &pipeline, &out, 100 + a, 64);
        }
        assert_eq!(ctx.stats().params.free, 0);
        drop(enc);
        assert_eq!(ctx.stats().params.free, 1);
        // The buffers serve the next encoder, and its values (written after the dropped ones) win.
        let mut enc = ctx.encoder("next");
        record_write(&ctx, &mut enc, &pipeline, &out, 7, 64);
        ctx.submit_and_wait("next", enc).unwrap();
        assert_eq!(out.read(&ctx).unwrap(), expected(7, 64));
        let s = ctx.stats();
        assert_eq!((s.params.created, s.params.reused), (1, 1));
    }

    #[test]
    fn concurrent_threads_get_their_own_params_and_results() {
        let ctx = open();
        let pipeline = write_pipeline(&ctx);
        let threads = 4u32;
        let rounds = 25u32;
        let per_round = 3u32;
        std::thread::scope(|s| {
            for t in 0..threads {
                let (ctx, pipeline) = (&ctx, &pipeline);
                s.spawn(move || {
                    let n = 256 + 64 * t as usize;
                    let bufs: Vec<_> = (0..per_round).map(|_| GpuBuffer::<u32>::zeroed(ctx, "out", n).unwrap()).collect();
                    for r in 0..rounds {
                        let mut enc = ctx.encoder("thread round");
                        for (k, b) in bufs.iter().enumerate() {
                            record_write(ctx, &mut enc, pipeline, b, (t << 24) + (r << 8) + k as u32, n as u32);
                        }
                        // Every other round, an abandoned encoder in between.
                        if r % 2 == 0 {
                            let mut dropped = ctx.encoder("abandoned");
                            record_write(ctx, &mut dropped, pipeline, &bufs[0], u32::MAX - 5000, n as u32);
                        }
                        ctx.submit_and_wait("thread round", enc).unwrap();
                        for (k, b) in bufs.iter().enumerate() {
                            assert_eq!(b.read(ctx).unwrap(), expected((t << 24) + (r << 8) + k as u32, n), "thread {t} round {r}");
                        }
                    }
                });
            }
        });
        let s = ctx.stats();
        // At most two pages per thread (its round's and an abandoned encoder's) are ever held at once.
        assert!(s.params.created <= (threads * 2) as u64, "{s:?}");
        assert_eq!(s.params.created + s.params.reused, (threads * rounds + threads * rounds.div_ceil(2)) as u64);
        assert!(s.staging.created <= threads as u64, "{s:?}");
        assert_eq!(s.staging.created + s.staging.reused, (threads * rounds * per_round) as u64);
    }
}

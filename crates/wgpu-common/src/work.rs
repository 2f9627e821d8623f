//! Counts of the GPU work the process records, for profiling: dispatches, submissions, host
//! waits and the time spent in them, and, where the device has timestamp queries and
//! `OPENVM_WGPU_KERNEL_TIMES=1` is set when it is opened, the GPU time of every dispatch summed
//! per kernel label. Comparing the GPU time of a phase with its wall time tells whether the GPU
//! or the host bounds it.

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

/// The process-wide counters (every device together).
pub static GPU_WORK: GpuWork = GpuWork::new();

/// Environment variable that turns on per-dispatch GPU timing when a device is opened.
pub const KERNEL_TIMES_VAR: &str = "OPENVM_WGPU_KERNEL_TIMES";

pub struct GpuWork {
    dispatches: AtomicU64,
    submissions: AtomicU64,
    waits: AtomicU64,
    wait_ns: AtomicU64,
    timed_dispatches: AtomicU64,
    kernel_ns: AtomicU64,
    allocations: AtomicU64,
    alloc_ns: AtomicU64,
    submit_ns: AtomicU64,
    write_ns: AtomicU64,
    kernels: Mutex<BTreeMap<String, KernelTime>>,
}

/// A snapshot of the counters; [`WorkCounts::since`] gives the work between two snapshots.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkCounts {
    pub dispatches: u64,
    pub submissions: u64,
    /// Host waits for the GPU (a submission's completion, a read-back).
    pub waits: u64,
    /// Host time spent in those waits.
    pub wait: Duration,
    /// Dispatches whose GPU time was measured (0 when timing is off).
    pub timed_dispatches: u64,
    /// GPU time of the timed dispatches, summed.
    pub kernel: Duration,
    /// Device buffers created, and the host time creating them took.
    pub allocations: u64,
    pub alloc: Duration,
    /// Host time spent finishing and submitting command buffers.
    pub submit: Duration,
    /// Host time spent writing host data into buffers (uploads, parameters).
    pub write: Duration,
}

impl WorkCounts {
    /// The work done after `earlier` up to `self`.
    pub fn since(&self, earlier: &WorkCounts) -> WorkCounts {
        WorkCounts {
            dispatches: self.dispatches.saturating_sub(earlier.dispatches),
            submissions: self.submissions.saturating_sub(earlier.submissions),
            waits: self.waits.saturating_sub(earlier.waits),
            wait: self.wait.saturating_sub(earlier.wait),
            timed_dispatches: self.timed_dispatches.saturating_sub(earlier.timed_dispatches),
            kernel: self.kernel.saturating_sub(earlier.kernel),
            allocations: self.allocations.saturating_sub(earlier.allocations),
            alloc: self.alloc.saturating_sub(earlier.alloc),
            submit: self.submit.saturating_sub(earlier.submit),
            write: self.write.saturating_sub(earlier.write),
        }
    }

    /// Both runs of work together.
    pub fn plus(&self, o: &WorkCounts) -> WorkCounts {
        WorkCounts {
            dispatches: self.dispatches + o.dispatches,
            submissions: self.submissions + o.submissions,
            waits: self.waits + o.waits,
            wait: self.wait + o.wait,
            timed_dispatches: self.timed_dispatches + o.timed_dispatches,
            kernel: self.kernel + o.kernel,
            allocations: self.allocations + o.allocations,
            alloc: self.alloc + o.alloc,
            submit: self.submit + o.submit,
            write: self.write + o.write,
        }
    }
}

/// One kernel label's timed dispatches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelTime {
    pub dispatches: u64,
    pub time: Duration,
}

impl GpuWork {
    const fn new() -> Self {
        GpuWork {
            dispatches: AtomicU64::new(0),
            submissions: AtomicU64::new(0),
            waits: AtomicU64::new(0),
            wait_ns: AtomicU64::new(0),
            timed_dispatches: AtomicU64::new(0),
            kernel_ns: AtomicU64::new(0),
            allocations: AtomicU64::new(0),
            alloc_ns: AtomicU64::new(0),
            submit_ns: AtomicU64::new(0),
            write_ns: AtomicU64::new(0),
            kernels: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn counts(&self) -> WorkCounts {
        WorkCounts {
            dispatches: self.dispatches.load(Ordering::Relaxed),
            submissions: self.submissions.load(Ordering::Relaxed),
            waits: self.waits.load(Ordering::Relaxed),
            wait: Duration::from_nanos(self.wait_ns.load(Ordering::Relaxed)),
            timed_dispatches: self.timed_dispatches.load(Ordering::Relaxed),
            kernel: Duration::from_nanos(self.kernel_ns.load(Ordering::Relaxed)),
            allocations: self.allocations.load(Ordering::Relaxed),
            alloc: Duration::from_nanos(self.alloc_ns.load(Ordering::Relaxed)),
            submit: Duration::from_nanos(self.submit_ns.load(Ordering::Relaxed)),
            write: Duration::from_nanos(self.write_ns.load(Ordering::Relaxed)),
        }
    }

    /// GPU time per kernel label since the last call, most time first.
    pub fn take_kernel_times(&self) -> Vec<(String, KernelTime)> {
        let map = std::mem::take(&mut *self.kernels.lock().unwrap_or_else(|p| p.into_inner()));
        let mut v: Vec<_> = map.into_iter().collect();
        v.sort_by_key(|k| std::cmp::Reverse(k.1.time));
        v
    }

    pub(crate) fn dispatched(&self) {
        self.dispatches.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn submitted(&self, d: Duration) {
        self.submissions.fetch_add(1, Ordering::Relaxed);
        self.submit_ns.fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
    }

    pub(crate) fn allocated(&self, d: Duration) {
        self.allocations.fetch_add(1, Ordering::Relaxed);
        self.alloc_ns.fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
    }

    pub(crate) fn wrote(&self, d: Duration) {
        self.write_ns.fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
    }

    pub(crate) fn waited(&self, d: Duration) {
        self.waits.fetch_add(1, Ordering::Relaxed);
        self.wait_ns.fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
    }

    fn timed(&self, label: &str, ns: u64) {
        self.timed_dispatches.fetch_add(1, Ordering::Relaxed);
        self.kernel_ns.fetch_add(ns, Ordering::Relaxed);
        let mut map = self.kernels.lock().unwrap_or_else(|p| p.into_inner());
        let k = map.entry(label.to_string()).or_default();
        k.dispatches += 1;
        k.time += Duration::from_nanos(ns);
    }
}

/// Timestamp queries around compute passes. Slots are handed to encoders as they record; when
/// an encoder is submitted its slots wait for the next host wait, which resolves and reads them
/// (the wait has made every earlier submission complete). Meant for one proving thread: with
/// several, a wait may read slots of another thread's later submission before they are written.
pub(crate) struct KernelTimer {
    /// Query sets of [`KernelTimer::PER_SET`] pass slots each (wgpu's limit is 4096 queries).
    sets: Vec<wgpu::QuerySet>,
    /// Pass slots (two queries each).
    capacity: u32,
    resolve: wgpu::Buffer,
    readback: wgpu::Buffer,
    period_ns: f64,
    state: Mutex<TimerState>,
}

#[derive(Default)]
struct TimerState {
    next: u32,
    /// Slots handed out and not yet submitted or dropped.
    outstanding: u32,
    submitted: Vec<(u32, String)>,
}

/// Slots an encoder has recorded.
pub(crate) struct TimedPasses {
    timer: Option<Arc<KernelTimer>>,
    slots: Vec<(u32, String)>,
}

impl TimedPasses {
    pub(crate) fn new(timer: Option<Arc<KernelTimer>>) -> Self {
        TimedPasses { timer, slots: Vec::new() }
    }

    /// Timestamp writes for a pass labelled `label`, or `None` when timing is off or the slots
    /// are used up until the next wait.
    pub(crate) fn begin(&mut self, label: &str) -> Option<(Arc<KernelTimer>, u32)> {
        let timer = self.timer.clone()?;
        let slot = {
            let mut s = timer.state.lock().unwrap_or_else(|p| p.into_inner());
            if s.next >= timer.capacity {
                return None;
            }
            s.next += 1;
            s.outstanding += 1;
            s.next - 1
        };
        self.slots.push((slot, label.to_string()));
        Some((timer, slot))
    }

    /// The encoder's work was submitted: its slots are read at the next wait.
    pub(crate) fn submitted(&mut self) {
        if let Some(t) = &self.timer {
            let mut s = t.state.lock().unwrap_or_else(|p| p.into_inner());
            s.outstanding -= self.slots.len() as u32;
            s.submitted.append(&mut self.slots);
        }
    }

    /// The encoder was dropped unsubmitted: its slots are never written.
    pub(crate) fn dropped(&mut self) {
        if let Some(t) = &self.timer {
            let mut s = t.state.lock().unwrap_or_else(|p| p.into_inner());
            s.outstanding -= self.slots.len() as u32;
            self.slots.clear();
        }
    }
}

impl KernelTimer {
    const PER_SET: u32 = 2048;
    const CAPACITY: u32 = 8 * Self::PER_SET;

    /// A timer when `asked` (the options or `OPENVM_WGPU_KERNEL_TIMES=1`) and `available` has
    /// timestamp queries.
    pub(crate) fn requested(asked: bool, available: wgpu::Features) -> bool {
        asked && available.contains(wgpu::Features::TIMESTAMP_QUERY)
    }

    pub(crate) fn new(device: &wgpu::Device, queue: &wgpu::Queue) -> Arc<Self> {
        let sets = (0..Self::CAPACITY / Self::PER_SET)
            .map(|_| {
                device.create_query_set(&wgpu::QuerySetDescriptor {
                    label: Some("kernel timestamps"),
                    ty: wgpu::QueryType::Timestamp,
                    count: 2 * Self::PER_SET,
                })
            })
            .collect();
        // Every run of slots resolves at an aligned offset: at worst one run per slot.
        let bytes = Self::CAPACITY as u64 * wgpu::QUERY_RESOLVE_BUFFER_ALIGNMENT;
        let resolve = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("kernel timestamps resolve"),
            size: bytes,
            usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("kernel timestamps read-back"),
            size: bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Arc::new(KernelTimer {
            sets,
            capacity: Self::CAPACITY,
            resolve,
            readback,
            period_ns: queue.get_timestamp_period() as f64,
            state: Mutex::default(),
        })
    }

    pub(crate) fn writes(&self, slot: u32) -> wgpu::ComputePassTimestampWrites<'_> {
        let local = slot % Self::PER_SET;
        wgpu::ComputePassTimestampWrites {
            query_set: &self.sets[(slot / Self::PER_SET) as usize],
            beginning_of_pass_write_index: Some(2 * local),
            end_of_pass_write_index: Some(2 * local + 1),
        }
    }

    /// Reads the submitted slots (every submission before this call has completed) into
    /// [`GPU_WORK`]. Errors only lose the measurement.
    pub(crate) fn collect(&self, device: &wgpu::Device, queue: &wgpu::Queue) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.submitted.is_empty() {
            return;
        }
        s.submitted.sort_by_key(|(slot, _)| *slot);
        // The measurement's own errors are dropped, never reported against the prover's work.
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("kernel timestamps") });
        // Resolve only written queries, in runs of consecutive slots within one set, each run at
        // the next aligned offset; `at[k]` is where slot k's pair lands (in u64s).
        let mut at = Vec::with_capacity(s.submitted.len());
        let mut offset = 0u64;
        let mut i = 0;
        while i < s.submitted.len() {
            let first = s.submitted[i].0;
            let mut end = first + 1;
            while i + 1 < s.submitted.len() && s.submitted[i + 1].0 == end && !end.is_multiple_of(Self::PER_SET) {
                end += 1;
                i += 1;
            }
            let (set, local) = (&self.sets[(first / Self::PER_SET) as usize], first % Self::PER_SET);
            encoder.resolve_query_set(set, 2 * local..2 * (local + end - first), &self.resolve, offset);
            at.extend((0..(end - first) as u64).map(|k| (offset / 8 + 2 * k) as usize));
            offset = (offset + 16 * (end - first) as u64).next_multiple_of(wgpu::QUERY_RESOLVE_BUFFER_ALIGNMENT);
            i += 1;
        }
        encoder.copy_buffer_to_buffer(&self.resolve, 0, &self.readback, 0, offset);
        queue.submit([encoder.finish()]);
        let slice = self.readback.slice(..offset);
        slice.map_async(wgpu::MapMode::Read, |_| {});
        if device.poll(wgpu::PollType::Wait { submission_index: None, timeout: None }).is_ok() {
            if let Ok(data) = slice.get_mapped_range() {
                let stamps: &[u64] = bytemuck::cast_slice(&data);
                for ((_, label), &j) in s.submitted.iter().zip(&at) {
                    let (a, b) = (stamps[j], stamps[j + 1]);
                    GPU_WORK.timed(label, (b.saturating_sub(a) as f64 * self.period_ns) as u64);
                }
            }
            self.readback.unmap();
        }
        let _ = pollster::block_on(scope.pop());
        s.submitted.clear();
        if s.outstanding == 0 {
            s.next = 0;
        }
    }
}

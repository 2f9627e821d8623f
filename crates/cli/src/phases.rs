//! Per-phase timings and memory peaks from the prover's tracing spans (upstream's span names),
//! with progress lines as the main phases finish.
//!
//! Each reported span gets its time and three peaks: device memory our buffers hold (pooled
//! free buffers included), device memory in use (without them), and the host heap. A peak is
//! measured with the watermark scheme of `openvm_wgpu_common::memory::Watermark`: when a span
//! opens the peak is lowered to the current count (the enclosing span's peak so far is saved),
//! and when it closes the span's peak is read and the saved one restored, so nested spans each
//! get their own peak and an enclosing span includes its children's.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use openvm_wgpu_common::{Watermark, WorkCounts, GPU_MEMORY, GPU_WORK};
use tracing::{field::Field, span, subscriber::Interest, Metadata, Subscriber};
use tracing_subscriber::{layer::Context, prelude::*, registry::LookupSpan, Layer, Registry};

use crate::host_memory::HOST_MEMORY;

/// Spans reported, in the order a proof runs them.
pub const PHASES: &[&str] = &[
    "transport_matrix_to_device",
    "stark_prove_excluding_trace",
    "prover.main_trace_commit",
    "stacked_commit",
    "rs_code_matrix",
    "merkle_tree",
    "trace_commit_cpu",
    "prover.rap_constraints",
    "prover.rap_constraints.logup_gkr",
    "prover.rap_constraints.round0",
    "prover.rap_constraints.mle_rounds",
    "prove_zerocheck_and_logup",
    "prover.batch_constraints.mle_rounds",
    "prover.openings",
    "prover.openings.stacked_reduction",
    "prover.openings.stacked_reduction.round0",
    "prover.openings.stacked_reduction.mle_rounds",
    "prove_stacked_opening_reduction",
    "prover.openings.whir",
    "prove_whir_opening_cpu",
    "grind_pow",
    "trace_gen",
];

/// The span of one segment of a VM run (upstream's name), with its index in the field
/// `segment`; spans inside it are reported per segment.
pub const SEGMENT_SPAN: &str = "prove_segment";

/// Phases announced on stderr as they finish.
const PROGRESS: &[&str] = &["prover.main_trace_commit", "prover.rap_constraints", "prover.openings", "stark_prove_excluding_trace"];

/// Peaks of one phase, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeakMemory {
    /// Device memory our buffers hold, pooled free buffers included.
    pub gpu_held: u64,
    /// Device memory held by live buffers (the pools' free buffers left out).
    pub gpu_in_use: u64,
    /// Host heap (the command's counting allocator).
    pub host: u64,
}

impl PeakMemory {
    fn max(self, o: PeakMemory) -> PeakMemory {
        PeakMemory { gpu_held: self.gpu_held.max(o.gpu_held), gpu_in_use: self.gpu_in_use.max(o.gpu_in_use), host: self.host.max(o.host) }
    }
}

/// One span name's runs: the time summed, the peaks the highest of any run.
#[derive(Clone, Debug)]
pub struct Phase {
    pub name: String,
    /// The segment ([`SEGMENT_SPAN`]) it ran in, if any.
    pub segment: Option<usize>,
    pub time: Duration,
    /// How many times the span ran.
    pub count: usize,
    pub peak: PeakMemory,
    /// GPU work recorded inside the span (dispatches, submissions, waits, GPU time).
    pub work: WorkCounts,
}

impl Phase {
    /// The name, with the run count for spans outside [`PHASES`] that ran more than once.
    pub fn label(&self) -> String {
        if self.count > 1 && !PHASES.contains(&self.name.as_str()) {
            format!("{} (x{})", self.name, self.count)
        } else {
            self.name.clone()
        }
    }

    pub fn ms(&self) -> f64 {
        self.time.as_secs_f64() * 1e3
    }
}

/// `phases` with every segment's runs of a span merged into one entry (times summed, the
/// highest peaks), in [`PHASES`] order.
pub fn merge_segments(phases: &[Phase]) -> Vec<Phase> {
    let mut out: Vec<Phase> = Vec::new();
    for p in phases {
        match out.iter_mut().find(|o| o.name == p.name) {
            Some(o) => {
                o.time += p.time;
                o.count += p.count;
                o.peak = o.peak.max(p.peak);
                o.work = o.work.plus(&p.work);
            }
            None => out.push(Phase { segment: None, ..p.clone() }),
        }
    }
    sort(&mut out);
    out
}

fn sort(phases: &mut [Phase]) {
    phases.sort_by_key(|p| (p.segment, PHASES.iter().position(|n| *n == p.name).unwrap_or(PHASES.len())));
}

/// The counters whose peaks are measured: the process's in production, private ones in tests.
#[derive(Clone, Copy)]
struct Meters {
    gpu_held: &'static Watermark,
    gpu_in_use: &'static Watermark,
    host: &'static Watermark,
}

impl Meters {
    fn process() -> Self {
        Meters { gpu_held: &GPU_MEMORY.held, gpu_in_use: &GPU_MEMORY.in_use, host: &HOST_MEMORY }
    }

    fn enter(&self) -> [u64; 3] {
        [self.gpu_held.enter(), self.gpu_in_use.enter(), self.host.enter()]
    }

    fn exit(&self, saved: [u64; 3]) -> PeakMemory {
        PeakMemory { gpu_held: self.gpu_held.exit(saved[0]), gpu_in_use: self.gpu_in_use.exit(saved[1]), host: self.host.exit(saved[2]) }
    }
}

/// A measurement of the process's counters around some work outside any span (a whole proof
/// with its transport and verification): [`Measurement::start`], then [`Measurement::finish`].
/// It nests with the spans like one.
pub struct Measurement {
    saved: [u64; 3],
    started: Instant,
}

impl Measurement {
    pub fn start() -> Self {
        let started = Instant::now();
        Self { saved: Meters::process().enter(), started }
    }

    pub fn finish(self) -> (Duration, PeakMemory) {
        (self.started.elapsed(), Meters::process().exit(self.saved))
    }
}

#[derive(Clone)]
pub struct PhaseTimes {
    totals: Arc<Mutex<Vec<Phase>>>,
    progress: bool,
    /// Every span, not only `PHASES` (`OPENVM_WGPU_SPANS=all`), for profiling.
    all: bool,
    meters: Meters,
}

/// Kept in a reported span from its start.
struct Started {
    at: Instant,
    saved: [u64; 3],
    work: WorkCounts,
}

/// Kept in a [`SEGMENT_SPAN`] span: its `segment` field.
struct SegmentIndex(usize);

/// Kept in a span with an `air` field (upstream's per-chip `single_trace_gen`): the AIR's name,
/// so that each chip's trace generation is reported apart.
struct AirName(String);

struct SegmentVisitor(Option<usize>);

struct AirVisitor(Option<String>);

impl tracing::field::Visit for AirVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "air" {
            self.0 = Some(value.to_string());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "air" {
            self.0 = Some(format!("{value:?}"));
        }
    }
}

impl tracing::field::Visit for SegmentVisitor {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "segment" {
            self.0 = Some(value as usize);
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == "segment" {
            self.0 = usize::try_from(value).ok();
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

impl PhaseTimes {
    /// Installs the collector as the global subscriber (once per process).
    pub fn install(progress: bool) -> Self {
        let times = Self::new(progress, Meters::process());
        let _ = Registry::default().with(times.clone()).try_init();
        times
    }

    fn new(progress: bool, meters: Meters) -> Self {
        let all = std::env::var("OPENVM_WGPU_SPANS").is_ok_and(|v| v == "all");
        PhaseTimes { totals: Arc::default(), progress, all, meters }
    }

    /// Every reported phase since the last call, per segment ([`SEGMENT_SPAN`]; `None` outside
    /// segments), in [`PHASES`] order within a segment (other spans after them).
    pub fn take(&self) -> Vec<Phase> {
        let mut all = std::mem::take(&mut *self.totals.lock().unwrap_or_else(|p| p.into_inner()));
        sort(&mut all);
        all
    }

    fn tracked(&self, name: &str) -> bool {
        self.all || PHASES.contains(&name)
    }

    /// The callsites the collector listens to: the spans it reports and the segment span, no
    /// events. Everything else is disabled at its callsite, so that upstream's per-instruction
    /// `trace!` events in the interpreter cost one cached check instead of a dispatch to this
    /// layer (which took about a third of the interpreter's time).
    fn wants(&self, metadata: &Metadata<'_>) -> bool {
        metadata.is_span() && (metadata.name() == SEGMENT_SPAN || self.tracked(metadata.name()))
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for PhaseTimes {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if self.wants(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        self.wants(metadata)
    }

    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        if span.name() == SEGMENT_SPAN {
            let mut index = SegmentVisitor(None);
            attrs.record(&mut index);
            if let Some(i) = index.0 {
                span.extensions_mut().insert(SegmentIndex(i));
            }
        }
        if self.tracked(span.name()) {
            let mut air = AirVisitor(None);
            attrs.record(&mut air);
            if let Some(a) = air.0 {
                span.extensions_mut().insert(AirName(a));
            }
            let saved = self.meters.enter();
            span.extensions_mut().insert(Started { at: Instant::now(), saved, work: GPU_WORK.counts() });
        }
    }

    fn on_close(&self, id: span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let name = span.name();
        if !self.tracked(name) {
            return;
        }
        let Some((elapsed, saved, work)) = span.extensions().get::<Started>().map(|s| (s.at.elapsed(), s.saved, s.work)) else { return };
        let peak = self.meters.exit(saved);
        let work = GPU_WORK.counts().since(&work);
        let segment = span.scope().find_map(|s| s.extensions().get::<SegmentIndex>().map(|i| i.0));
        let name = match span.extensions().get::<AirName>() {
            Some(air) => format!("{name}[{}]", air.0),
            None => name.to_string(),
        };
        let name = name.as_str();
        if self.progress && PROGRESS.contains(&name) {
            eprintln!("  {name} done in {:.1} ms", elapsed.as_secs_f64() * 1e3);
        }
        let mut totals = self.totals.lock().unwrap_or_else(|p| p.into_inner());
        match totals.iter_mut().find(|p| p.name == name && p.segment == segment) {
            Some(p) => {
                p.time += elapsed;
                p.count += 1;
                p.peak = p.peak.max(peak);
                p.work = p.work.plus(&work);
            }
            None => totals.push(Phase { name: name.to_string(), segment, time: elapsed, count: 1, peak, work }),
        }
    }
}

#[cfg(test)]
mod tests {
    use tracing::info_span;

    use super::*;

    fn leaked() -> &'static Watermark {
        Box::leak(Box::new(Watermark::new()))
    }

    /// The collector enables only the spans it reports and the segment span: events (upstream's
    /// interpreter has two `trace!` per instruction) and other spans are off at their callsites.
    #[test]
    fn only_reported_spans_are_enabled() {
        let meters = Meters { gpu_held: leaked(), gpu_in_use: leaked(), host: leaked() };
        let times = PhaseTimes { all: false, ..PhaseTimes::new(false, meters) };
        let subscriber = Registry::default().with(times);
        tracing::subscriber::with_default(subscriber, || {
            assert!(!info_span!("stark_prove_excluding_trace").is_disabled());
            assert!(!tracing::trace_span!("prove_segment", segment = 0).is_disabled());
            assert!(info_span!("not_a_phase").is_disabled());
            assert!(!tracing::event_enabled!(tracing::Level::TRACE));
            assert!(!tracing::event_enabled!(tracing::Level::ERROR));
        });
    }

    /// With every span reported, a span with an `air` field (upstream's per-chip trace
    /// generation) is reported per AIR.
    #[test]
    fn spans_with_an_air_are_reported_per_air() {
        let meters = Meters { gpu_held: leaked(), gpu_in_use: leaked(), host: leaked() };
        let times = PhaseTimes { all: true, ..PhaseTimes::new(false, meters) };
        let subscriber = Registry::default().with(times.clone());
        tracing::subscriber::with_default(subscriber, || {
            for air in ["Rv32BaseAluAir", "Rv32BaseAluAir", "Rv32ShiftAir"] {
                let _span = info_span!("single_trace_gen", air = air).entered();
            }
            let _other = info_span!("system_trace_gen").entered();
        });
        let got: Vec<(String, usize)> = times.take().into_iter().map(|p| (p.name, p.count)).collect();
        assert_eq!(
            got,
            [
                ("single_trace_gen[Rv32BaseAluAir]".to_string(), 2),
                ("single_trace_gen[Rv32ShiftAir]".to_string(), 1),
                ("system_trace_gen".to_string(), 1)
            ]
        );
    }

    /// Nested reported spans each get their own peaks, the enclosing span its children's too;
    /// spans inside a segment span are reported under its index.
    #[test]
    fn nested_spans_get_their_own_peaks() {
        let meters = Meters { gpu_held: leaked(), gpu_in_use: leaked(), host: leaked() };
        let (gpu, host) = (meters.gpu_held, meters.host);
        let times = PhaseTimes::new(false, meters);
        let subscriber = Registry::default().with(times.clone());
        tracing::subscriber::with_default(subscriber, || {
            gpu.add(1000);
            {
                let _prove = info_span!("stark_prove_excluding_trace").entered();
                {
                    let _commit = info_span!("prover.main_trace_commit").entered();
                    gpu.add(500); // 1500
                    host.add(70);
                    {
                        let _tree = info_span!("merkle_tree").entered();
                        gpu.add(200); // 1700
                        gpu.sub(200);
                    }
                    gpu.sub(500); // 1000
                    host.sub(70);
                }
                {
                    let _rap = info_span!("prover.rap_constraints").entered();
                    gpu.add(100); // 1100
                    gpu.sub(100);
                }
                // An unreported span does not disturb the measurement.
                let _other = info_span!("not_a_phase").entered();
                gpu.add(3000); // 4000
                gpu.sub(3000);
            }
            for i in 0..2u64 {
                let _segment = info_span!("prove_segment", segment = i).entered();
                let _prove = info_span!("stark_prove_excluding_trace").entered();
                gpu.add(10 * (i + 1));
                gpu.sub(10 * (i + 1));
            }
        });
        let phases = times.take();
        let get = |name: &str, segment: Option<usize>| {
            phases
                .iter()
                .find(|p| p.name == name && p.segment == segment)
                .unwrap_or_else(|| panic!("{name} {segment:?} missing: {phases:?}"))
        };
        assert_eq!(get("merkle_tree", None).peak.gpu_held, 1700);
        assert_eq!(get("prover.main_trace_commit", None).peak, PeakMemory { gpu_held: 1700, gpu_in_use: 0, host: 70 });
        assert_eq!(get("prover.rap_constraints", None).peak.gpu_held, 1100);
        assert_eq!(get("stark_prove_excluding_trace", None).peak.gpu_held, 4000);
        assert_eq!(get("stark_prove_excluding_trace", Some(0)).peak.gpu_held, 1010);
        assert_eq!(get("stark_prove_excluding_trace", Some(1)).peak.gpu_held, 1020);
        assert!(phases.iter().all(|p| p.name != "not_a_phase" || times.all));
        let merged = merge_segments(&phases);
        let prove = merged.iter().find(|p| p.name == "stark_prove_excluding_trace").unwrap();
        assert_eq!((prove.count, prove.peak.gpu_held, prove.segment), (3, 4000, None));
        assert_eq!(merged.first().map(|p| p.name.as_str()), Some("stark_prove_excluding_trace"), "PHASES order");
    }
}

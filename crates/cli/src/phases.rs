//! Per-phase timings from the prover's tracing spans (upstream's span names), with progress
//! lines as the main phases finish.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tracing::{span, Subscriber};
use tracing_subscriber::{layer::Context, prelude::*, registry::LookupSpan, Layer, Registry};

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

/// Phases announced on stderr as they finish.
const PROGRESS: &[&str] = &["prover.main_trace_commit", "prover.rap_constraints", "prover.openings", "stark_prove_excluding_trace"];

#[derive(Clone, Default)]
pub struct PhaseTimes {
    totals: Arc<Mutex<Vec<(String, Duration, usize)>>>,
    progress: bool,
    /// Every span, not only `PHASES` (`OPENVM_WGPU_SPANS=all`), for profiling.
    all: bool,
}

struct Started(Instant);

impl PhaseTimes {
    /// Installs the collector as the global subscriber (once per process).
    pub fn install(progress: bool) -> Self {
        let all = std::env::var("OPENVM_WGPU_SPANS").is_ok_and(|v| v == "all");
        let times = PhaseTimes { progress, all, ..Default::default() };
        let _ = Registry::default().with(times.clone()).try_init();
        times
    }

    /// Total time per reported phase, in `PHASES` order (other spans after them, with their
    /// count when they ran more than once).
    pub fn take(&self) -> Vec<(String, Duration)> {
        let mut all = std::mem::take(&mut *self.totals.lock().unwrap_or_else(|p| p.into_inner()));
        all.sort_by_key(|(name, _, _)| PHASES.iter().position(|p| p == name).unwrap_or(PHASES.len()));
        all.into_iter()
            .map(|(name, d, n)| if n > 1 && !PHASES.contains(&name.as_str()) { (format!("{name} (x{n})"), d) } else { (name, d) })
            .collect()
    }

    fn tracked(&self, name: &str) -> bool {
        self.all || PHASES.contains(&name)
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for PhaseTimes {
    fn on_new_span(&self, _attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if self.tracked(span.name()) {
                span.extensions_mut().insert(Started(Instant::now()));
            }
        }
    }

    fn on_close(&self, id: span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let name = span.name();
        if !self.tracked(name) {
            return;
        }
        let Some(elapsed) = span.extensions().get::<Started>().map(|s| s.0.elapsed()) else { return };
        if self.progress && PROGRESS.contains(&name) {
            eprintln!("  {name} done in {:.1} ms", elapsed.as_secs_f64() * 1e3);
        }
        let mut totals = self.totals.lock().unwrap_or_else(|p| p.into_inner());
        match totals.iter_mut().find(|(n, _, _)| n == name) {
            Some((_, d, count)) => {
                *d += elapsed;
                *count += 1;
            }
            None => totals.push((name.to_string(), elapsed, 1)),
        }
    }
}

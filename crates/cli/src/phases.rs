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
];

/// Phases announced on stderr as they finish.
const PROGRESS: &[&str] = &["prover.main_trace_commit", "prover.rap_constraints", "prover.openings", "stark_prove_excluding_trace"];

#[derive(Clone, Default)]
pub struct PhaseTimes {
    totals: Arc<Mutex<Vec<(&'static str, Duration)>>>,
    progress: bool,
}

struct Started(Instant);

impl PhaseTimes {
    /// Installs the collector as the global subscriber (once per process).
    pub fn install(progress: bool) -> Self {
        let times = PhaseTimes { progress, ..Default::default() };
        let _ = Registry::default().with(times.clone()).try_init();
        times
    }

    /// Total time per reported phase, in `PHASES` order.
    pub fn take(&self) -> Vec<(&'static str, Duration)> {
        let mut all = std::mem::take(&mut *self.totals.lock().unwrap_or_else(|p| p.into_inner()));
        all.sort_by_key(|(name, _)| PHASES.iter().position(|p| p == name));
        all
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for PhaseTimes {
    fn on_new_span(&self, _attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if PHASES.contains(&span.name()) {
                span.extensions_mut().insert(Started(Instant::now()));
            }
        }
    }

    fn on_close(&self, id: span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(name) = PHASES.iter().find(|p| **p == span.name()) else { return };
        let Some(elapsed) = span.extensions().get::<Started>().map(|s| s.0.elapsed()) else { return };
        if self.progress && PROGRESS.contains(name) {
            eprintln!("  {name} done in {:.1} ms", elapsed.as_secs_f64() * 1e3);
        }
        let mut totals = self.totals.lock().unwrap_or_else(|p| p.into_inner());
        match totals.iter_mut().find(|(n, _)| n == name) {
            Some((_, d)) => *d += elapsed,
            None => totals.push((name, elapsed)),
        }
    }
}

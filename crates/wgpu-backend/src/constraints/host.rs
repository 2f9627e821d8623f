//! The host reference evaluator: upstream's `SymbolicEvaluator` on traces read back, to name
//! the first constraint a refused trace violates and the row.

use openvm_stark_backend::air_builders::symbolic::{
    symbolic_expression::SymbolicEvaluator,
    symbolic_variable::{Entry, SymbolicVariable},
    SymbolicConstraintsDag,
};
use p3_field::PrimeCharacteristicRing;

use crate::field::F;

/// An AIR's trace partition on the host, column-major (a refused trace read back for its
/// diagnosis).
pub struct HostColumns {
    pub height: usize,
    pub values: Vec<F>,
}

/// The traces of one AIR on the host, in [`ConstraintTraces`]' order.
pub struct HostTraces<'a> {
    pub preprocessed: Option<&'a HostColumns>,
    pub mains: &'a [HostColumns],
    pub public_values: &'a [F],
}

/// One row of [`HostTraces`] for upstream's evaluator (`SymbolicEvaluator`): next rows wrap,
/// selectors as upstream's.
pub struct HostRow<'a> {
    traces: &'a HostTraces<'a>,
    height: usize,
    row: usize,
}

impl<'a> HostRow<'a> {
    pub fn new(traces: &'a HostTraces<'a>, row: usize) -> Self {
        HostRow { traces, height: traces.height(), row }
    }
}

impl SymbolicEvaluator<F, F> for HostRow<'_> {
    fn eval_const(&self, c: F) -> F {
        c
    }
    fn eval_var(&self, v: SymbolicVariable<F>) -> F {
        let at = |m: Option<&HostColumns>, offset: usize| {
            m.and_then(|m| m.values.get(v.index * m.height + (self.row + offset) % m.height)).copied().unwrap_or(F::ZERO)
        };
        match v.entry {
            Entry::Preprocessed { offset } => at(self.traces.preprocessed, offset),
            Entry::Main { part_index, offset } => at(self.traces.mains.get(part_index), offset),
            Entry::Public => self.traces.public_values.get(v.index).copied().unwrap_or(F::ZERO),
            // Compiling refuses challenges; nothing evaluates here with them.
            Entry::Challenge => F::ZERO,
        }
    }
    fn eval_is_first_row(&self) -> F {
        F::from_bool(self.row == 0)
    }
    fn eval_is_last_row(&self) -> F {
        F::from_bool(self.row + 1 == self.height)
    }
    fn eval_is_transition(&self) -> F {
        F::from_bool(self.row + 1 != self.height)
    }
}

impl HostTraces<'_> {
    /// The AIR's height: its common main trace's, or the preprocessed trace's.
    pub fn height(&self) -> usize {
        self.mains.last().map(|m| m.height).or(self.preprocessed.map(|m| m.height)).unwrap_or(0)
    }
}

/// Every node of `dag` on `row` of `traces`, by upstream's `SymbolicEvaluator` on the host.
fn host_nodes(dag: &SymbolicConstraintsDag<F>, traces: &HostTraces<'_>, row: usize) -> Vec<F> {
    HostRow::new(traces, row).eval_nodes(&dag.constraints.nodes)
}

/// Every output of `dag`'s program on `row` of `traces`, in the program's output order
/// (constraints, then per interaction its count and message fields), by upstream's
/// `SymbolicEvaluator` on the host: the reference the GPU interpreters are tested against.
pub fn host_outputs(dag: &SymbolicConstraintsDag<F>, traces: &HostTraces<'_>, row: usize) -> Vec<F> {
    let nodes = host_nodes(dag, traces, row);
    let mut out: Vec<F> = dag.constraints.constraint_idx.iter().map(|&i| nodes[i]).collect();
    for i in &dag.interactions {
        out.push(nodes[i.count]);
        out.extend(i.message.iter().map(|&m| nodes[m]));
    }
    out
}

/// The first row on which a constraint of `dag` is nonzero over `traces`, with the first such
/// constraint's index (upstream's `SymbolicEvaluator` on the host, row by row); `None` when
/// every constraint holds on every row.
pub fn first_violation(dag: &SymbolicConstraintsDag<F>, traces: &HostTraces<'_>) -> Option<(usize, usize)> {
    (0..traces.height()).find_map(|row| {
        let values = host_nodes(dag, traces, row);
        dag.constraints.constraint_idx.iter().position(|&i| values[i] != F::ZERO).map(|c| (c, row))
    })
}

//! Constraint programs (docs/ARCHITECTURE.md rule 11): an AIR's symbolic constraints and
//! interactions (`vk.symbolic_constraints`, upstream's `SymbolicConstraintsDag`) compiled once
//! into a compact three-address program that one GPU interpreter (`shaders/constraint_eval.wgsl`)
//! evaluates on every row.
//!
//! **Instructions** are `[u32; 4]` (a WGSL `vec4<u32>`): `(opcode, destination, a, b)`. The
//! destination is an intermediate slot, except for [`OP_OUT`], where it is an output index.
//! Operands `a` and `b` are tagged words (the top two bits):
//! - `00` slot `s` (bits 0..30);
//! - `01` constant `c`, an index into [`ConstraintProgram::constants`];
//! - `10` trace variable: bit 29 the row offset (0 this row, 1 the next row, `(r + 1) mod h`),
//!   bits 24..29 the partition (0 preprocessed, `1 + i` main partition `i` in upstream's order,
//!   cached partitions first, the common main last), bits 0..24 the column;
//! - `11` special: bits 28..30 the kind (0 `is_first_row`, 1 `is_last_row`, 2 `is_transition`,
//!   3 public value), bits 0..28 the public value's index.
//!
//! Leaves of the DAG (variables, selectors, constants, public values) are operands, never
//! instructions. Arithmetic nodes become instructions in the DAG's topological order, after
//! dead nodes are dropped; each result takes the lowest free slot, and a slot is freed right
//! after its node's last use (a linear scan), so the slot count is the DAG's peak number of
//! live intermediates, not its node count.
//!
//! **Outputs**, in order: every constraint (`constraint_idx` order), then per interaction its
//! count followed by its message fields ([`InteractionOutputs`]).

use std::{cmp::Reverse, collections::BinaryHeap, collections::HashMap};

use openvm_stark_backend::{
    air_builders::symbolic::{
        symbolic_expression::SymbolicEvaluator,
        symbolic_variable::{Entry, SymbolicVariable},
        SymbolicConstraintsDag, SymbolicExpressionNode,
    },
    interaction::BusIndex,
};
use openvm_wgpu_common::{ColumnMatrix, GpuBuffer, GpuContext, GpuError, GpuResult};
use p3_field::PrimeCharacteristicRing;

use crate::{
    field::{as_words, F},
    kernels::{
        constraint_eval,
        zerocheck_round0_expand::{self, ExpandRows, VirtualLayout},
    },
};

/// `dst = a + b`.
pub const OP_ADD: u32 = 0;
/// `dst = a - b`.
pub const OP_SUB: u32 = 1;
/// `dst = a * b`.
pub const OP_MUL: u32 = 2;
/// `dst = -a`.
pub const OP_NEG: u32 = 3;
/// Output `dst` of this row is `a`.
pub const OP_OUT: u32 = 4;

pub const TAG_SLOT: u32 = 0;
pub const TAG_CONST: u32 = 1;
pub const TAG_VAR: u32 = 2;
pub const TAG_SPECIAL: u32 = 3;
pub const SPECIAL_IS_FIRST_ROW: u32 = 0;
pub const SPECIAL_IS_LAST_ROW: u32 = 1;
pub const SPECIAL_IS_TRANSITION: u32 = 2;
pub const SPECIAL_PUBLIC: u32 = 3;

/// Largest column a variable operand can name (24 bits).
pub const MAX_COLUMNS: usize = 1 << 24;
/// Most partitions (preprocessed and main) an operand can name (5 bits).
pub const MAX_PARTITIONS: usize = 32;
/// Most public values an operand can name (28 bits).
pub const MAX_PUBLIC_VALUES: usize = 1 << 28;
/// Most slots (30 bits).
pub const MAX_SLOTS: usize = 1 << 30;
/// Most distinct constants a constant operand can name (30 bits).
pub const MAX_CONSTANTS: usize = 1 << 30;

/// An operand of an instruction, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    Slot(u32),
    Constant(u32),
    /// `partition` 0 is the preprocessed trace, `1 + i` main partition `i`; `next` reads row
    /// `(r + 1) mod h`.
    Variable {
        partition: u32,
        next: bool,
        column: u32,
    },
    IsFirstRow,
    IsLastRow,
    IsTransition,
    Public(u32),
}

impl Operand {
    pub fn encode(self) -> u32 {
        match self {
            Operand::Slot(s) => s,
            Operand::Constant(c) => (TAG_CONST << 30) | c,
            Operand::Variable { partition, next, column } => (TAG_VAR << 30) | ((next as u32) << 29) | (partition << 24) | column,
            Operand::IsFirstRow => (TAG_SPECIAL << 30) | (SPECIAL_IS_FIRST_ROW << 28),
            Operand::IsLastRow => (TAG_SPECIAL << 30) | (SPECIAL_IS_LAST_ROW << 28),
            Operand::IsTransition => (TAG_SPECIAL << 30) | (SPECIAL_IS_TRANSITION << 28),
            Operand::Public(i) => (TAG_SPECIAL << 30) | (SPECIAL_PUBLIC << 28) | i,
        }
    }

    pub fn decode(word: u32) -> Self {
        match word >> 30 {
            TAG_SLOT => Operand::Slot(word & 0x3fff_ffff),
            TAG_CONST => Operand::Constant(word & 0x3fff_ffff),
            TAG_VAR => Operand::Variable { partition: (word >> 24) & 0x1f, next: (word >> 29) & 1 == 1, column: word & 0xff_ffff },
            _ => match (word >> 28) & 3 {
                SPECIAL_IS_FIRST_ROW => Operand::IsFirstRow,
                SPECIAL_IS_LAST_ROW => Operand::IsLastRow,
                SPECIAL_IS_TRANSITION => Operand::IsTransition,
                _ => Operand::Public(word & 0x0fff_ffff),
            },
        }
    }
}

/// Why a DAG cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConstraintProgramError {
    #[error("constraint program: challenge variables are not supported (upstream's prover refuses them too)")]
    Challenge,
    #[error("constraint program: row offset {0} is not supported (only this row and the next)")]
    RowOffset(usize),
    #[error("constraint program: {what} {value} exceeds the encoding's limit {limit}")]
    TooLarge { what: &'static str, value: usize, limit: usize },
    #[error("constraint program: node {node} refers to node {child}, which does not precede it (the DAG is not topologically ordered)")]
    NotTopological { node: usize, child: usize },
    #[error("constraint program: output refers to node {node}, past the DAG's {nodes} nodes")]
    NoSuchNode { node: usize, nodes: usize },
    #[error("constraint program: node {node} has an operand that was never computed")]
    Malformed { node: usize },
}

/// Where an interaction's values are among a program's outputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InteractionOutputs {
    /// Output index of the count.
    pub count: usize,
    /// Output indices of the message fields, in order.
    pub message: std::ops::Range<usize>,
    pub bus_index: BusIndex,
    pub count_weight: u32,
}

/// A compiled constraint program (see the module documentation for the encoding).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConstraintProgram {
    pub instructions: Vec<[u32; 4]>,
    /// The same outputs split into parts for evaluations with few rows.
    pub split: SplitProgram,
    /// The constant table, referenced by constant operands.
    pub constants: Vec<F>,
    /// Intermediate slots the program needs per row.
    pub num_slots: u32,
    /// Outputs `0..num_constraints` are the constraints, in `constraint_idx` order.
    pub num_constraints: usize,
    pub interactions: Vec<InteractionOutputs>,
    pub num_outputs: usize,
    /// Per partition (0 preprocessed, `1 + i` main partition `i`): columns the program reads
    /// (the largest column read plus one; 0 when the partition is not read). Its length is one
    /// more than the largest main partition read.
    pub partition_columns: Vec<usize>,
    /// Public values the program reads (the largest index plus one).
    pub num_public_values: usize,
    /// Whether any variable reads the next row.
    pub needs_next: bool,
}

impl ConstraintProgram {
    /// Compiles upstream's DAG of constraints and interactions.
    pub fn compile(dag: &SymbolicConstraintsDag<F>) -> Result<Self, ConstraintProgramError> {
        let nodes = &dag.constraints.nodes;
        let n = nodes.len();
        // Outputs: constraints, then per interaction its count and message fields.
        let mut outputs: Vec<usize> = dag.constraints.constraint_idx.clone();
        let num_constraints = outputs.len();
        let mut interactions = Vec::with_capacity(dag.interactions.len());
        for i in &dag.interactions {
            let count = outputs.len();
            outputs.push(i.count);
            outputs.extend(&i.message);
            interactions.push(InteractionOutputs {
                count,
                message: count + 1..outputs.len(),
                bus_index: i.bus_index,
                count_weight: i.count_weight,
            });
        }
        if let Some(&node) = outputs.iter().find(|&&o| o >= n) {
            return Err(ConstraintProgramError::NoSuchNode { node, nodes: n });
        }

        let mut b = Builder::default();
        let all: Vec<(usize, usize)> = outputs.iter().copied().enumerate().collect();
        let mut instructions = Vec::new();
        let num_slots = emit(nodes, &all, &mut b, &mut instructions)?;
        let mut split = SplitProgram { instructions: Vec::new(), part_starts: vec![0], num_slots: 0 };
        for part in split_outputs(nodes, &outputs) {
            let slots = emit(nodes, &all[part], &mut b, &mut split.instructions)?;
            split.num_slots = split.num_slots.max(slots);
            split.part_starts.push(split.instructions.len() as u32);
        }
        Ok(ConstraintProgram {
            instructions,
            split,
            constants: b.constants,
            num_slots,
            num_constraints,
            interactions,
            num_outputs: outputs.len(),
            partition_columns: b.partition_columns,
            num_public_values: b.num_public_values,
            needs_next: b.needs_next,
        })
    }

    /// Uploads the instructions (unsplit and split), refusing a program the device cannot run:
    /// instructions beyond one storage binding, or an interaction message longer than an
    /// invocation may loop over (`logup_fractions` reads one field per iteration).
    pub fn upload(&self, ctx: &GpuContext) -> GpuResult<DeviceConstraintProgram> {
        let binding = ctx.limits.max_binding_bytes();
        for (what, len) in [("program", self.instructions.len()), ("split program", self.split.instructions.len())] {
            let bytes = 16 * len as u64;
            if bytes > binding {
                return Err(GpuError::invalid(
                    "constraint program",
                    format!("the {what}'s {len} instructions need {bytes} bytes, one storage binding of this device holds {binding}"),
                ));
            }
        }
        let longest_message = self.interactions.iter().map(|i| i.message.len()).max().unwrap_or(0);
        openvm_wgpu_common::limits::check_loop_iterations("logup_fractions", longest_message as u64 + 1, &ctx.limits)?;
        // A buffer is never empty: a program without instructions uploads one unused word set.
        let upload = |instructions: &[[u32; 4]]| {
            let words: Vec<u32> = if instructions.is_empty() { vec![0; 4] } else { instructions.iter().flatten().copied().collect() };
            GpuBuffer::from_slice(ctx, "constraint program", &words)
        };
        Ok(DeviceConstraintProgram {
            program: self.clone(),
            instructions: upload(&self.instructions)?,
            split_instructions: upload(&self.split.instructions)?,
        })
    }
}

/// The operand nodes of an arithmetic node.
fn children(node: &SymbolicExpressionNode<F>) -> [Option<usize>; 2] {
    match *node {
        SymbolicExpressionNode::Add { left_idx, right_idx, .. }
        | SymbolicExpressionNode::Sub { left_idx, right_idx, .. }
        | SymbolicExpressionNode::Mul { left_idx, right_idx, .. } => [Some(left_idx), Some(right_idx)],
        SymbolicExpressionNode::Neg { idx, .. } => [Some(idx), None],
        _ => [None, None],
    }
}

/// Appends to `instructions` a program computing `outputs` ((output index, node) pairs) from
/// the DAG `nodes`, and returns its slot count: arithmetic nodes some output needs, in
/// topological order, each in the lowest free slot, a slot freed after its node's last read.
fn emit(
    nodes: &[SymbolicExpressionNode<F>],
    outputs: &[(usize, usize)],
    b: &mut Builder,
    instructions: &mut Vec<[u32; 4]>,
) -> Result<u32, ConstraintProgramError> {
    let n = nodes.len();
    // Liveness: the nodes some output depends on, and how many times each is read (by
    // instructions and outputs), for freeing slots.
    let mut needed = vec![false; n];
    let mut uses = vec![0u32; n];
    for &(_, o) in outputs {
        needed[o] = true;
        uses[o] += 1;
    }
    let first = outputs.iter().map(|&(_, o)| o).min().unwrap_or(0);
    let last = outputs.iter().map(|&(_, o)| o + 1).max().unwrap_or(0);
    let mut lowest = first;
    for idx in (0..last).rev() {
        if !needed[idx] {
            continue;
        }
        for c in children(&nodes[idx]).into_iter().flatten() {
            if c >= idx {
                return Err(ConstraintProgramError::NotTopological { node: idx, child: c });
            }
            needed[c] = true;
            uses[c] += 1;
            lowest = lowest.min(c);
        }
    }
    let range = lowest..last;
    // Leaf operands; arithmetic nodes get theirs (a slot) when computed.
    let mut operand: Vec<Option<Operand>> = vec![None; n];
    for idx in range.clone() {
        if needed[idx] {
            operand[idx] = b.leaf(&nodes[idx])?;
        }
    }
    let mut outputs_of: HashMap<usize, Vec<usize>> = HashMap::new();
    for &(out, node) in outputs {
        outputs_of.entry(node).or_default().push(out);
    }
    // Outputs that are leaves come first.
    for &(out, node) in outputs {
        if let Some(op) = operand[node].filter(|op| !matches!(op, Operand::Slot(_))) {
            instructions.push([OP_OUT, out as u32, op.encode(), 0]);
        }
    }
    let mut free: BinaryHeap<Reverse<u32>> = BinaryHeap::new();
    let mut num_slots = 0u32;
    // One read of `node` done: its slot is free after its last read.
    fn release(node: usize, uses: &mut [u32], operand: &[Option<Operand>], free: &mut BinaryHeap<Reverse<u32>>) {
        uses[node] -= 1;
        if uses[node] == 0 {
            if let Some(Operand::Slot(s)) = operand[node] {
                free.push(Reverse(s));
            }
        }
    }
    for idx in range {
        if !needed[idx] || operand[idx].is_some() {
            continue;
        }
        let op = match nodes[idx] {
            SymbolicExpressionNode::Add { .. } => OP_ADD,
            SymbolicExpressionNode::Sub { .. } => OP_SUB,
            SymbolicExpressionNode::Mul { .. } => OP_MUL,
            SymbolicExpressionNode::Neg { .. } => OP_NEG,
            // Leaves got their operand above.
            _ => return Err(ConstraintProgramError::Malformed { node: idx }),
        };
        let [l, r] = children(&nodes[idx]);
        let child = |c: Option<usize>| c.and_then(|c| operand[c].map(|o| (c, o))).ok_or(ConstraintProgramError::Malformed { node: idx });
        let (l, a) = child(l)?;
        let a = a.encode();
        let bw = match r {
            Some(_) => child(r)?.1.encode(),
            None => 0,
        };
        // Operands are read before the destination is written, so a child's slot freed here
        // may be the destination.
        release(l, &mut uses, &operand, &mut free);
        if let Some(r) = r {
            release(r, &mut uses, &operand, &mut free);
        }
        let dst = match free.pop() {
            Some(Reverse(s)) => s,
            None => {
                num_slots += 1;
                num_slots - 1
            }
        };
        if dst as usize >= MAX_SLOTS {
            return Err(ConstraintProgramError::TooLarge { what: "slot count", value: dst as usize + 1, limit: MAX_SLOTS });
        }
        operand[idx] = Some(Operand::Slot(dst));
        instructions.push([op, dst, a, bw]);
        for &out in outputs_of.get(&idx).map(Vec::as_slice).unwrap_or(&[]) {
            instructions.push([OP_OUT, out as u32, Operand::Slot(dst).encode(), 0]);
            release(idx, &mut uses, &operand, &mut free);
        }
    }
    Ok(num_slots)
}

/// Parts the outputs are split into at most (see [`SplitProgram`]).
const MAX_SPLIT_PARTS: usize = 256;
/// A part holds at least this many arithmetic nodes, unless the outputs run out.
const MIN_PART_NODES: usize = 16;
/// The parts may compute at most this many times the whole program's nodes (nodes shared by
/// several parts are computed by each); a DAG whose outputs share deep chains gets fewer parts.
const MAX_SPLIT_WORK: usize = 2;

/// Splits the outputs (nodes, in output order) into consecutive ranges of similar work: each
/// range closes once the arithmetic nodes its outputs need (counted once per range) reach an
/// even share of the whole program's. Tries 256 parts, then 64, 16 and 4, keeping the first
/// split whose total work stays within [`MAX_SPLIT_WORK`] times the program's; else one part.
fn split_outputs(nodes: &[SymbolicExpressionNode<F>], outputs: &[usize]) -> Vec<std::ops::Range<usize>> {
    // Stamp of the last count that saw a node.
    let mut seen = vec![0u32; nodes.len()];
    let mut stamp = 0u32;
    let mut count_new = |roots: &[usize], new_stamp: bool| -> usize {
        stamp += new_stamp as u32;
        let mut stack: Vec<usize> = roots.to_vec();
        let mut count = 0;
        while let Some(idx) = stack.pop() {
            if seen[idx] == stamp {
                continue;
            }
            seen[idx] = stamp;
            let kids = children(&nodes[idx]);
            if kids[0].is_some() {
                count += 1;
            }
            stack.extend(kids.into_iter().flatten().filter(|&c| c < idx));
        }
        count
    };
    let total = count_new(outputs, true);
    let mut parts = MAX_SPLIT_PARTS;
    while parts > 1 {
        let target = total.div_ceil(parts).max(MIN_PART_NODES);
        let mut ranges = Vec::new();
        let (mut start, mut work, mut all_work) = (0, 0, 0);
        for (i, &o) in outputs.iter().enumerate() {
            let first = i == start || work >= target;
            if work >= target {
                ranges.push(start..i);
                (start, work) = (i, 0);
            }
            let w = count_new(&[o], first);
            work += w;
            all_work += w;
        }
        if start < outputs.len() {
            ranges.push(start..outputs.len());
        }
        if all_work <= MAX_SPLIT_WORK * total {
            return ranges;
        }
        parts /= 4;
    }
    std::iter::once(0..outputs.len()).collect()
}

/// The outputs split into parts, each a complete program (its own slots) for a consecutive
/// range of outputs, so that several invocations can share one row's evaluation: part `k` is
/// `instructions[part_starts[k]..part_starts[k + 1]]`, and any run of consecutive parts is a
/// program too. Nodes needed by several parts are computed by each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitProgram {
    pub instructions: Vec<[u32; 4]>,
    pub part_starts: Vec<u32>,
    /// Slots of the largest part.
    pub num_slots: u32,
}

impl SplitProgram {
    pub fn parts(&self) -> usize {
        self.part_starts.len() - 1
    }
}

#[derive(Default)]
struct Builder {
    constants: Vec<F>,
    constant_index: HashMap<F, u32>,
    partition_columns: Vec<usize>,
    num_public_values: usize,
    needs_next: bool,
}

impl Builder {
    /// The operand of a leaf node; `None` for arithmetic nodes.
    fn leaf(&mut self, node: &SymbolicExpressionNode<F>) -> Result<Option<Operand>, ConstraintProgramError> {
        Ok(Some(match *node {
            SymbolicExpressionNode::Variable(v) => {
                let (partition, offset) = match v.entry {
                    Entry::Preprocessed { offset } => (0, offset),
                    Entry::Main { part_index, offset } => (1 + part_index, offset),
                    Entry::Public => {
                        if v.index >= MAX_PUBLIC_VALUES {
                            return Err(ConstraintProgramError::TooLarge {
                                what: "public value index",
                                value: v.index,
                                limit: MAX_PUBLIC_VALUES,
                            });
                        }
                        self.num_public_values = self.num_public_values.max(v.index + 1);
                        return Ok(Some(Operand::Public(v.index as u32)));
                    }
                    Entry::Challenge => return Err(ConstraintProgramError::Challenge),
                };
                if offset > 1 {
                    return Err(ConstraintProgramError::RowOffset(offset));
                }
                if partition >= MAX_PARTITIONS {
                    return Err(ConstraintProgramError::TooLarge { what: "partition", value: partition, limit: MAX_PARTITIONS });
                }
                if v.index >= MAX_COLUMNS {
                    return Err(ConstraintProgramError::TooLarge { what: "column", value: v.index, limit: MAX_COLUMNS });
                }
                if self.partition_columns.len() <= partition {
                    self.partition_columns.resize(partition + 1, 0);
                }
                self.partition_columns[partition] = self.partition_columns[partition].max(v.index + 1);
                self.needs_next |= offset == 1;
                Operand::Variable { partition: partition as u32, next: offset == 1, column: v.index as u32 }
            }
            SymbolicExpressionNode::IsFirstRow => Operand::IsFirstRow,
            SymbolicExpressionNode::IsLastRow => Operand::IsLastRow,
            SymbolicExpressionNode::IsTransition => Operand::IsTransition,
            SymbolicExpressionNode::Constant(c) => {
                let next = self.constants.len() as u32;
                let i = *self.constant_index.entry(c).or_insert(next);
                if i == next {
                    if self.constants.len() >= MAX_CONSTANTS {
                        let value = self.constants.len() + 1;
                        return Err(ConstraintProgramError::TooLarge { what: "distinct constants", value, limit: MAX_CONSTANTS });
                    }
                    self.constants.push(c);
                }
                Operand::Constant(i)
            }
            _ => return Ok(None),
        }))
    }
}

/// A program with its instructions on the device.
pub struct DeviceConstraintProgram {
    pub program: ConstraintProgram,
    instructions: GpuBuffer<u32>,
    split_instructions: GpuBuffer<u32>,
}

impl DeviceConstraintProgram {
    /// The split program's packed instructions on the device.
    pub(crate) fn split_instructions(&self) -> &GpuBuffer<u32> {
        &self.split_instructions
    }

    /// The unsplit program's packed instructions on the device.
    pub(crate) fn unsplit_instructions(&self) -> &GpuBuffer<u32> {
        &self.instructions
    }

    /// The code one invocation runs from start to end for every output: the split program,
    /// part after part, when the unsplit program would spill slots (`spills(slots)`) and the
    /// split one needs fewer (its parts reuse the same slots), else the unsplit program.
    /// `split` forces either ([`ProgramSplit::Unsplit`], or any split choice).
    pub(crate) fn whole(&self, split: ProgramSplit, spills: impl Fn(u32) -> bool) -> Code<'_> {
        let p = &self.program;
        let use_split = match split {
            ProgramSplit::Auto => spills(p.num_slots) && p.split.num_slots < p.num_slots,
            ProgramSplit::Unsplit => false,
            ProgramSplit::PartsPerInvocation(_) => true,
        };
        if use_split {
            Code { buffer: &self.split_instructions, len: p.split.instructions.len(), slots: p.split.num_slots, split: true }
        } else {
            Code { buffer: &self.instructions, len: p.instructions.len(), slots: p.num_slots, split: false }
        }
    }
}

impl DeviceConstraintProgram {
    /// The code an evaluation runs ([`DeviceConstraintProgram::whole`]) cut into pieces of at
    /// most `budget` instructions each, so that no invocation loops more often than the device
    /// completes (`DeviceLimits::max_loop_iterations`; docs/ARCHITECTURE.md rule 11). A program
    /// within the budget is one piece. A longer one runs the split program when every part fits:
    /// runs of whole parts, each complete with its own slots. Otherwise (a part longer than the
    /// budget) the code is cut every `budget` instructions and the pieces are chained: slots
    /// live from one piece to the next, so all of them go to global scratch memory and the
    /// pieces run in order, one dispatch each.
    pub(crate) fn pieces(&self, split: ProgramSplit, spills: impl Fn(u32) -> bool, budget: u32) -> Pieces<'_> {
        let budget = budget.max(1);
        let code = self.whole(split, spills);
        if code.len <= budget as usize {
            return Pieces { code, starts: vec![0, code.len as u32], chained: false };
        }
        let p = &self.program;
        let starts = &p.split.part_starts;
        let parts_fit = starts.windows(2).all(|w| w[1] - w[0] <= budget);
        if split != ProgramSplit::Unsplit && parts_fit {
            let code = Code { buffer: &self.split_instructions, len: p.split.instructions.len(), slots: p.split.num_slots, split: true };
            return Pieces { code, starts: group_parts(starts, budget), chained: false };
        }
        Pieces { code, starts: chained_cuts(code.len, budget), chained: true }
    }
}

/// Consecutive parts (`part_starts`, as [`SplitProgram`] holds them) grouped greedily into runs
/// of at most `budget` instructions each (every part within it); the runs' boundaries.
pub(crate) fn group_parts(part_starts: &[u32], budget: u32) -> Vec<u32> {
    let mut cuts = vec![part_starts[0]];
    for w in part_starts.windows(2) {
        let last = *cuts.last().expect("starts with the first part");
        if w[1] - last > budget && w[0] > last {
            cuts.push(w[0]);
        }
    }
    cuts.push(*part_starts.last().expect("at least one start"));
    cuts.dedup();
    cuts
}

/// The most consecutive parts, up to `want`, that one invocation may run when groups of that
/// many parts (from part 0, the last group shorter) each hold at most `budget` instructions;
/// `None` when a single part holds more.
pub(crate) fn parts_per_group_within(part_starts: &[u32], want: usize, budget: u32) -> Option<usize> {
    let parts = part_starts.len() - 1;
    (1..=want.clamp(1, parts.max(1)))
        .rev()
        .find(|&k| (0..parts).step_by(k).all(|first| part_starts[(first + k).min(parts)] - part_starts[first] <= budget))
}

/// The cut points of `len` instructions in chained pieces of at most `budget` each.
pub(crate) fn chained_cuts(len: usize, budget: u32) -> Vec<u32> {
    (0..len as u32).step_by(budget.max(1) as usize).chain(std::iter::once(len as u32)).collect()
}

/// The code of an evaluation in pieces ([`DeviceConstraintProgram::pieces`]): piece `k` is
/// instructions `starts[k]..starts[k + 1]`.
pub(crate) struct Pieces<'a> {
    pub code: Code<'a>,
    pub starts: Vec<u32>,
    /// Whether slots live across pieces (all slots spill; the pieces run in order).
    pub chained: bool,
}

impl Pieces<'_> {
    /// The pieces' instruction ranges.
    pub fn ranges(&self) -> impl Iterator<Item = std::ops::Range<u32>> + '_ {
        self.starts.windows(2).map(|w| w[0]..w[1])
    }
}

/// Instructions to run: the buffer, how many, and the slots they need.
#[derive(Clone, Copy)]
pub(crate) struct Code<'a> {
    pub buffer: &'a GpuBuffer<u32>,
    pub len: usize,
    pub slots: u32,
    /// Whether this is the split program.
    pub split: bool,
}

/// The traces one AIR's program reads, all of the same height, column-major on the device.
pub struct ConstraintTraces<'a> {
    pub preprocessed: Option<&'a ColumnMatrix>,
    /// Upstream's order: cached partitions first, the common main last.
    pub mains: &'a [&'a ColumnMatrix],
    pub public_values: &'a [F],
}

impl ConstraintTraces<'_> {
    /// Storage buffers the traces span (column chunks of every partition with columns).
    pub fn buffers(&self) -> usize {
        self.preprocessed.into_iter().chain(self.mains.iter().copied()).filter(|m| m.width > 0).map(|m| m.chunks.len()).sum()
    }

    /// The AIR's trace height: its common main trace's (upstream's `common_main.height()`), or
    /// the preprocessed trace's for an AIR without main partitions. `op` names the caller in
    /// the error for an AIR given without traces.
    pub fn height(&self, op: &str) -> Result<usize, crate::error::WgpuProverError> {
        self.mains
            .last()
            .map(|m| m.height)
            .or(self.preprocessed.map(|m| m.height))
            .ok_or_else(|| crate::error::WgpuProverError::InvalidInput(format!("{op}: an AIR was given without traces")))
    }
}

/// Tuning of one evaluation.
#[derive(Clone, Copy, Debug, Default)]
pub struct EvalOptions {
    /// Caps the slots kept in workgroup memory (the rest spill to global scratch); `None` leaves
    /// the choice to the limits rule (`limits::constraint_eval`).
    pub fast_slot_cap: Option<u32>,
    /// Whether the extension-field interpreter (the zerocheck's multilinear rounds) runs the
    /// split program ([`SplitProgram`]).
    pub split: ProgramSplit,
}

/// How an evaluation uses a program's split form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProgramSplit {
    /// As the limits rule `limits::parts_per_invocation` says for the number of points.
    #[default]
    Auto,
    /// The unsplit program, one invocation per point.
    Unsplit,
    /// The split program, this many consecutive parts per invocation.
    PartsPerInvocation(u32),
}

/// Every output of a program on rows `row_start .. row_start + rows`: `values[o * rows + i]` is
/// output `o` on row `row_start + i` (output-major).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConstraintValues {
    pub row_start: usize,
    pub rows: usize,
    pub values: Vec<F>,
}

impl ConstraintValues {
    /// Output `output` on row `row` (an absolute row index).
    pub fn get(&self, output: usize, row: usize) -> F {
        self.values[output * self.rows + (row - self.row_start)]
    }
}

impl DeviceConstraintProgram {
    /// Evaluates every output on rows `rows` (a range of the traces' rows) into `out`
    /// (output-major, see [`ConstraintValues`]), and waits for the GPU.
    pub fn evaluate_into(
        &self,
        ctx: &GpuContext,
        traces: &ConstraintTraces<'_>,
        rows: std::ops::Range<usize>,
        out: &GpuBuffer<u32>,
        options: EvalOptions,
    ) -> GpuResult<()> {
        let mut enc = ctx.encoder("constraint_eval");
        self.record_into(ctx, traces, rows, out, options, &mut enc)?;
        ctx.submit_and_wait("constraint_eval", enc)
    }

    /// Records [`DeviceConstraintProgram::evaluate_into`] into `encoder` without waiting; the
    /// encoder keeps the buffers it made until its submission completes.
    pub fn record_into(
        &self,
        ctx: &GpuContext,
        traces: &ConstraintTraces<'_>,
        rows: std::ops::Range<usize>,
        out: &GpuBuffer<u32>,
        options: EvalOptions,
        encoder: &mut openvm_wgpu_common::GpuEncoder,
    ) -> GpuResult<()> {
        if traces.buffers() <= constraint_eval::TRACE_BINDINGS {
            return constraint_eval::record_mode(ctx, self, traces, constraint_eval::EvalRows::Trace(rows), out, options, encoder);
        }
        // More trace buffers than the interpreter binds: gather the rows' variables (this and
        // next row) and selectors into virtual columns first (the round-0 expansion with one
        // point per block of one row), then run on those.
        let layout = VirtualLayout::of(&self.program);
        let words = layout.columns() * rows.len();
        if (words as u64) * 4 > ctx.limits.max_binding_bytes() {
            return Err(GpuError::BufferTooLarge {
                op: format!("constraint_eval: {} gathered columns of {} rows", layout.columns(), rows.len()),
                needed: words as u64 * 4,
                available: ctx.limits.max_binding_bytes(),
            });
        }
        let gathered = GpuBuffer::<u32>::uninit(ctx, "gathered trace columns", words.max(1))?;
        let descs = GpuBuffer::from_slice(ctx, "gathered column descriptors", &layout.descs)?;
        let expand = ExpandRows { blocks: rows.clone(), log_skip: 0, points: 1, lagrange: &[F::ONE] };
        zerocheck_round0_expand::record(ctx, encoder, traces, &layout, &descs, &expand, &gathered)?;
        let virtual_rows = constraint_eval::VirtualRows {
            buffer: &gathered,
            rows: rows.len(),
            partition_bases: &layout.partition_bases,
            next_stride: layout.next_stride,
        };
        self.record_virtual_into(ctx, traces, virtual_rows, out, options, encoder)?;
        constraint_eval::keep_words(encoder, gathered);
        constraint_eval::keep_words(encoder, descs);
        Ok(())
    }

    /// Records the evaluation of every output on virtual rows (zerocheck round 0: points of the
    /// skip domain's cosets, see [`constraint_eval::VirtualRows`]) into `out`, output-major over
    /// the rows, without waiting; the encoder keeps the buffers it made until its submission
    /// completes.
    pub fn record_virtual_into(
        &self,
        ctx: &GpuContext,
        traces: &ConstraintTraces<'_>,
        rows: constraint_eval::VirtualRows<'_>,
        out: &GpuBuffer<u32>,
        options: EvalOptions,
        encoder: &mut openvm_wgpu_common::GpuEncoder,
    ) -> GpuResult<()> {
        constraint_eval::record_mode(ctx, self, traces, constraint_eval::EvalRows::Virtual(rows), out, options, encoder)
    }

    /// Evaluates every output on rows `rows` and reads the values back.
    pub fn evaluate(
        &self,
        ctx: &GpuContext,
        traces: &ConstraintTraces<'_>,
        rows: std::ops::Range<usize>,
        options: EvalOptions,
    ) -> GpuResult<ConstraintValues> {
        let count = rows.len();
        let len = (self.program.num_outputs * count).max(1);
        let out = GpuBuffer::<u32>::uninit(ctx, "constraint values", len)?;
        self.evaluate_into(ctx, traces, rows.clone(), &out, options)?;
        let words = out.read(ctx)?;
        let words = &words[..self.program.num_outputs * count];
        Ok(ConstraintValues { row_start: rows.start, rows: count, values: crate::field::from_words(words.to_vec())? })
    }
}

/// The program's constants, as the words the kernel reads.
pub(crate) fn constant_words(program: &ConstraintProgram) -> &[u32] {
    as_words(&program.constants)
}

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

#[cfg(test)]
mod tests {
    use super::{chained_cuts, group_parts, parts_per_group_within};

    /// Pieces cover the code in order, each within the budget.
    fn assert_pieces(cuts: &[u32], len: u32, budget: u32) {
        assert_eq!((cuts[0], *cuts.last().unwrap()), (0, len), "{cuts:?}");
        assert!(cuts.windows(2).all(|w| w[0] < w[1] && w[1] - w[0] <= budget), "{cuts:?} within {budget}");
    }

    #[test]
    fn parts_group_within_the_budget() {
        let starts = [0u32, 5, 9, 20, 21, 30];
        for budget in [11u32, 12, 20, 30, 100] {
            let cuts = group_parts(&starts, budget);
            assert_pieces(&cuts, 30, budget);
            assert!(cuts.iter().all(|c| starts.contains(c)), "cuts at part boundaries: {cuts:?}");
        }
        assert_eq!(group_parts(&starts, 100), vec![0, 30]);
        assert_eq!(group_parts(&starts, 11), vec![0, 9, 20, 30]);
    }

    #[test]
    fn uniform_groups_of_parts_fit_or_none() {
        let starts = [0u32, 5, 9, 20, 21, 30];
        assert_eq!(parts_per_group_within(&starts, 5, 30), Some(5));
        // Groups of 2 from part 0: [0, 9), [9, 21), [21, 30): 12 > 11, so single parts.
        assert_eq!(parts_per_group_within(&starts, 5, 11), Some(1));
        assert_eq!(parts_per_group_within(&starts, 5, 12), Some(2));
        // Part [9, 20) alone is longer than 10.
        assert_eq!(parts_per_group_within(&starts, 5, 10), None);
    }

    #[test]
    fn chained_cuts_cover_the_code() {
        for (len, budget) in [(0usize, 4u32), (1, 4), (4, 4), (5, 4), (120_000, 65_535), (39_536, 4096)] {
            let cuts = chained_cuts(len, budget);
            if len == 0 {
                assert_eq!(cuts, vec![0]);
            } else {
                assert_pieces(&cuts, len as u32, budget);
            }
        }
    }
}

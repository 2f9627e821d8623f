//! Compiling upstream's DAG of constraints and interactions (`SymbolicConstraintsDag`) into a
//! [`ConstraintProgram`] (the encoding: [`super::encoding`]).
//!
//! Leaves of the DAG are operands, never instructions. Arithmetic nodes become instructions in
//! the DAG's topological order, after dead nodes are dropped; each result takes the lowest free
//! slot, and a slot is freed right after its node's last use (a linear scan), so the slot count
//! is the DAG's peak number of live intermediates, not its node count.

use std::{cmp::Reverse, collections::BinaryHeap, collections::HashMap};

use openvm_stark_backend::{
    air_builders::symbolic::{symbolic_variable::Entry, SymbolicConstraintsDag, SymbolicExpressionNode},
    interaction::BusIndex,
};

use super::encoding::*;
use crate::field::F;

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

//! A compiled program on the device, and how an evaluation cuts it into pieces within the
//! device's loop limit (docs/ARCHITECTURE.md, rule 13). The types here are what the interpreter
//! kernels (`kernels::constraint_eval`, `kernels::constraint_eval_ext`) read; the driver that
//! runs them is [`super::eval`].

use openvm_wgpu_common::{limits::resident_invocations, ColumnMatrix, DeviceLimits, GpuBuffer, GpuContext, GpuError, GpuResult};

use super::{compile::ConstraintProgram, encoding::Operand};
use crate::field::{as_words, F};

impl ConstraintProgram {
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

    /// Consecutive parts of the split program one invocation runs when `points` points share
    /// the device (the extension interpreter), or `None` for whole code per point: `split`
    /// forces either, else the rule [`parts_per_invocation`]. Every
    /// split-or-whole choice of an evaluation is made here and in [`Self::whole`].
    pub(crate) fn parts_per_invocation(&self, split: ProgramSplit, limits: &DeviceLimits, points: usize) -> Option<u32> {
        match split {
            ProgramSplit::Auto => parts_per_invocation(limits, points as u64, self.program.split.parts() as u32),
            ProgramSplit::Unsplit => None,
            ProgramSplit::PartsPerInvocation(k) => Some(k.max(1)),
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

/// Consecutive parts of a split constraint program one invocation runs when `points`
/// evaluations share the device: enough groups of parts per point that points x groups fills
/// the device ([`resident_invocations`]). `None` when the points alone fill it, or only one
/// group would run: the unsplit program is then cheaper (parts recompute shared nodes).
pub fn parts_per_invocation(l: &DeviceLimits, points: u64, parts: u32) -> Option<u32> {
    let resident = resident_invocations(l);
    let groups = (resident / points.max(1)).min(parts as u64);
    (points < resident && groups >= 2).then(|| parts.div_ceil(groups as u32))
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
    /// the choice to the limits rule (`kernels::constraint_eval::constraint_eval`).
    pub fast_slot_cap: Option<u32>,
    /// Whether the extension-field interpreter (the zerocheck's multilinear rounds) runs the
    /// split program ([`SplitProgram`]).
    pub split: ProgramSplit,
}

/// How an evaluation uses a program's split form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProgramSplit {
    /// As the rule `device_program::parts_per_invocation` says for the number of points.
    #[default]
    Auto,
    /// The unsplit program, one invocation per point.
    Unsplit,
    /// The split program, this many consecutive parts per invocation.
    PartsPerInvocation(u32),
}

/// The virtual columns of a program: selectors first (columns 0, 1, 2: is_first_row,
/// is_last_row, is_transition, the operand kinds' order), then per partition `p` its columns
/// `c < partition_columns[p]`, each this row (and, when the program reads next rows, the next
/// row) at `base[p] + c * next_stride + offset`.
#[derive(Clone, Debug)]
pub struct VirtualLayout {
    /// Operand word of each virtual column.
    pub descs: Vec<u32>,
    /// First virtual column of each partition.
    pub partition_bases: Vec<u32>,
    pub next_stride: u32,
}

impl VirtualLayout {
    pub fn of(program: &ConstraintProgram) -> Self {
        let next_stride = 1 + program.needs_next as u32;
        let mut descs: Vec<u32> = [Operand::IsFirstRow, Operand::IsLastRow, Operand::IsTransition].map(Operand::encode).to_vec();
        let mut partition_bases = Vec::with_capacity(program.partition_columns.len());
        for (p, &width) in program.partition_columns.iter().enumerate() {
            partition_bases.push(descs.len() as u32);
            for column in 0..width as u32 {
                for next in 0..next_stride {
                    descs.push(Operand::Variable { partition: p as u32, next: next == 1, column }.encode());
                }
            }
        }
        VirtualLayout { descs, partition_bases, next_stride }
    }

    pub fn columns(&self) -> usize {
        self.descs.len()
    }
}

/// The program's constants, as the words the kernel reads.
pub(crate) fn constant_words(program: &ConstraintProgram) -> &[u32] {
    as_words(&program.constants)
}

#[cfg(test)]
mod tests {
    use openvm_wgpu_common::limits::{reference, resident_invocations};

    use super::{chained_cuts, group_parts, parts_per_group_within, parts_per_invocation};

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

    #[test]
    fn split_programs_fill_the_device_only_when_points_are_few() {
        for (name, l) in reference::all() {
            let resident = resident_invocations(&l);
            assert_eq!(parts_per_invocation(&l, resident, 256), None, "{name}: a full device runs the unsplit program");
            assert_eq!(parts_per_invocation(&l, 1, 256), Some(1), "{name}: one point runs one part per invocation");
            assert_eq!(parts_per_invocation(&l, 3, 1), None, "{name}: one part is the unsplit program");
            let half = parts_per_invocation(&l, resident / 8, 256).unwrap();
            assert_eq!(half, 32, "{name}: 8 groups of 32 parts");
        }
    }
}

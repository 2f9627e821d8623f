//! Constraint programs (docs/ARCHITECTURE.md, rule 11): an AIR's symbolic constraints and
//! interactions (`vk.symbolic_constraints`, upstream's `SymbolicConstraintsDag`) compiled once
//! into a compact three-address program that one GPU interpreter evaluates on every row.
//!
//! - [`encoding`]: the instruction and operand words the kernels decode;
//! - [`compile`]: the DAG to a [`ConstraintProgram`] (and its split form);
//! - [`device_program`]: the program on the device, cut into pieces within the loop limit;
//! - [`eval`]: the driver that runs the interpreter on trace rows;
//! - [`host`]: upstream's evaluator on host traces, to name a violated constraint.

pub mod compile;
pub mod device_program;
pub mod encoding;
pub mod eval;
pub mod host;

pub use compile::{ConstraintProgram, ConstraintProgramError, InteractionOutputs, SplitProgram};
pub use device_program::{ConstraintTraces, DeviceConstraintProgram, EvalOptions, ProgramSplit, VirtualLayout};
pub use encoding::Operand;
pub use eval::ConstraintValues;
pub use host::{first_violation, host_outputs, HostColumns, HostRow, HostTraces};

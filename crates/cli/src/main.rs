//! `openvm-wgpu`: proofs, device information and self-check, and benchmarks. Run
//! `openvm-wgpu --help`, or `openvm-wgpu <command> --help`, for every flag.
//!
//!   openvm-wgpu prove keccakf     keygen, prove and verify Keccak-f permutations, with each phase's time
//!   openvm-wgpu prove elf         prove and verify a guest (RV32IM, or an openvm.toml's VM), segment by segment
//!   openvm-wgpu prove stark       a guest to the OpenVM SDK's final STARK proof (app, leaf, internal layers), verified
//!   openvm-wgpu guest             write one of the repository's RV32IM guests as an ELF file
//!   openvm-wgpu info              adapters, the chosen device's limits and kernels, a self-check
//!   openvm-wgpu bench ntt         the NTT kernels against Plonky3's CPU DFT and the memory roofline
//!   openvm-wgpu bench commit      the keccakf trace committed on the GPU and on the CPU backend
//!   openvm-wgpu bench rounds      what one small round of the openings costs
//!   openvm-wgpu bench throughput  keccakf proofs per second from several threads
//!   openvm-wgpu bench prove       whole proofs across sizes: time and memory per phase
//!   openvm-wgpu bench execute     how fast a guest executes: metered execution and each segment's preflight

mod bench;
mod bench_commit;
mod bench_execute;
mod bench_prove;
mod bench_rounds;
mod bench_throughput;
mod guest;
mod host_memory;
mod info;
mod phases;
mod prove;
mod prove_elf;
mod prove_stark;

use std::process::ExitCode;

use clap::{builder::TypedValueParser, Parser, Subcommand, ValueEnum};
use openvm_wgpu_backend::{common::ContextOptions, LimitProfile};

/// Every heap allocation counted, for the per-phase host memory peaks (crate::host_memory).
#[global_allocator]
static ALLOCATOR: host_memory::CountingAllocator = host_memory::CountingAllocator;

const AFTER_HELP: &str = "\
Profiles (--profile NAME): native (the adapter's own limits; the default), apple-m1,
webgpu-default, tiny: lower limits, to stand in for other GPUs.

Environment:
  OPENVM_WGPU_ADAPTER=<name substring>  picks an adapter (see `info`; wgpu's WGPU_ADAPTER_NAME too)
  WGPU_BACKEND=vulkan|metal|dx12        restricts the backend
  OPENVM_WGPU_PIPELINE_CACHE=<dir>|off  where compiled pipelines are kept between processes
  OPENVM_WGPU_KERNEL_TIMES=1            times every dispatch on the GPU (`bench prove` reports it)";

/// OpenVM's STARK prover (SWIRL) on the GPU through wgpu (Metal, Vulkan, DX12): proofs, device
/// information and self-check, benchmarks
#[derive(Parser)]
#[command(name = "openvm-wgpu", version, after_help = AFTER_HELP, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// A command's help is the doc comment of its variant here, or else of its flags' struct in the
// command's module.
#[derive(Subcommand)]
enum Command {
    /// Keygen, prove and verify: Keccak-f permutations or a guest (RV32IM or an openvm.toml)
    #[command(subcommand)]
    Prove(ProveCommand),
    Guest(guest::GuestArgs),
    Info(info::InfoArgs),
    /// Benchmarks: kernels, commitments, rounds, throughput and whole proofs
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Subcommand)]
enum ProveCommand {
    Keccakf(prove::KeccakfArgs),
    Elf(prove_elf::ElfArgs),
    Stark(prove_stark::StarkArgs),
}

#[derive(Subcommand)]
enum BenchCommand {
    Ntt(bench::NttArgs),
    Commit(bench_commit::CommitArgs),
    Rounds(bench_rounds::RoundsArgs),
    Throughput(bench_throughput::ThroughputArgs),
    Prove(bench_prove::BenchProveArgs),
    Execute(bench_execute::ExecuteArgs),
}

/// Where a guest's chips make their traces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Tracegen {
    /// On the GPU from upstream's dense records (upstream's CPU filler for a chip without a GPU
    /// version)
    #[default]
    Gpu,
    /// Upstream's CPU chips, their traces uploaded
    Cpu,
}

impl Tracegen {
    pub fn name(self) -> &'static str {
        match self {
            Tracegen::Gpu => "GPU",
            Tracegen::Cpu => "CPU",
        }
    }

    pub fn generation(self) -> openvm_wgpu_circuit::TraceGeneration {
        match self {
            Tracegen::Gpu => openvm_wgpu_circuit::TraceGeneration::Gpu,
            Tracegen::Cpu => openvm_wgpu_circuit::TraceGeneration::Cpu,
        }
    }
}

/// Which prover proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// Our engine on the GPU adapter
    Wgpu,
    /// openvm-cpu-backend on all cores
    Cpu,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Wgpu => "wgpu",
            Backend::Cpu => "cpu",
        }
    }
}

/// The device's limit profile, for every command that opens a device.
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct DeviceArgs {
    /// Open the device with a profile's lower limits, to stand in for other GPUs
    #[arg(long, value_name = "NAME", default_value = LimitProfile::Native.name(), value_parser = profile_parser())]
    pub profile: LimitProfile,
}

impl DeviceArgs {
    pub fn context_options(&self) -> ContextOptions {
        ContextOptions::with_profile(self.profile)
    }
}

/// The profiles by name: an unknown one is a usage error that lists them.
fn profile_parser() -> impl TypedValueParser<Value = LimitProfile> {
    clap::builder::PossibleValuesParser::new(LimitProfile::ALL.map(LimitProfile::name))
        .map(|name| LimitProfile::from_name(&name).expect("a listed profile"))
}

/// Mesa's software Vulkan driver prints "XDG_RUNTIME_DIR is invalid or not set" for every device
/// it opens when the variable does not name a directory (typical of containers and CI); a
/// private directory under the temporary directory keeps that noise from the user.
fn quiet_mesa() {
    let valid = std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| std::path::Path::new(&d).is_dir());
    if valid {
        return;
    }
    let user = std::env::var("USER").unwrap_or_else(|_| "user".into());
    let dir = std::env::temp_dir().join(format!("openvm-wgpu-runtime-{user}"));
    if std::fs::create_dir_all(&dir).is_ok() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
        }
        // Set before any thread starts (the first thing main does).
        std::env::set_var("XDG_RUNTIME_DIR", &dir);
    }
}

fn main() -> ExitCode {
    quiet_mesa();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Prove(ProveCommand::Keccakf(args)) => prove::run(&args),
        Command::Prove(ProveCommand::Elf(args)) => prove_elf::run(&args),
        Command::Prove(ProveCommand::Stark(args)) => prove_stark::run(&args),
        Command::Guest(args) => guest::run(&args),
        Command::Info(args) => info::run(&args),
        Command::Bench(BenchCommand::Ntt(args)) => bench::ntt(&args),
        Command::Bench(BenchCommand::Commit(args)) => bench_commit::run(&args),
        Command::Bench(BenchCommand::Rounds(args)) => bench_rounds::run(&args),
        Command::Bench(BenchCommand::Throughput(args)) => bench_throughput::run(&args),
        Command::Bench(BenchCommand::Prove(args)) => bench_prove::run(&args),
        Command::Bench(BenchCommand::Execute(args)) => bench_execute::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("openvm-wgpu: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap's own checks of the definitions (defaults among the possible values, no clashing
    /// names), which otherwise only fail when the command is run.
    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}

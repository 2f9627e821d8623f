//! `openvm-wgpu`: device information and self-check, and benchmarks.
//!
//!   openvm-wgpu prove keccakf [--perms N] [--repeat N] [--backend wgpu|cpu] [--json FILE] [--profile NAME]
//!   openvm-wgpu prove elf <guest.elf> [--input <u64 or file>] [--segment-height H] [--backend wgpu|cpu] [--repeat N] [--json FILE] [--profile NAME]
//!   openvm-wgpu guest fibonacci|mixed|long-running|sum-input [N] --out FILE
//!   openvm-wgpu info [--profile NAME] [--no-check]
//!   openvm-wgpu bench ntt [--profile NAME] [--log-total N] [--lde-log-height N] [--lde-width N] [--reps N]
//!   openvm-wgpu bench commit [--profile NAME] [--perms N,N,...]
//!   openvm-wgpu bench prove [--perms-log 10,11,12,13,14] [--guest NAME:N] [--no-guest] [--no-keccakf] [--repeat N] [--json FILE]

mod bench;
mod bench_commit;
mod bench_prove;
mod bench_rounds;
mod bench_throughput;
mod guest;
mod host_memory;
mod info;
mod phases;
mod prove;
mod prove_elf;

use std::process::ExitCode;

use openvm_wgpu_backend::{common::ContextOptions, LimitProfile};

/// Every heap allocation counted, for the per-phase host memory peaks (crate::host_memory).
#[global_allocator]
static ALLOCATOR: host_memory::CountingAllocator = host_memory::CountingAllocator;

const USAGE: &str = "usage:
  openvm-wgpu prove keccakf [--perms N] [--repeat N] [--backend wgpu|cpu] [--json FILE] [--profile NAME]
      keygen, prove and verify Keccak-f permutations; prints each prover phase's time under
      upstream's span names (--json writes them too). Without a GPU adapter, or with only a
      software one (lavapipe, WARP, SwiftShader), it proves on the CPU backend and says so;
      --backend wgpu forces the adapter.
  openvm-wgpu prove elf <guest.elf> [--input <u64 or file>] [--segment-height H] [--backend wgpu|cpu] [--repeat N] [--json FILE] [--profile NAME]
      executes an RV32IM guest, splits it into segments of at most H rows (default 2^21),
      proves and verifies every segment with progress, and prints a per-segment table
      (--backend cpu: openvm-cpu-backend on the same segments; --repeat N: the last of N runs)
  openvm-wgpu guest fibonacci|mixed|long-running|sum-input [N] --out FILE
      writes one of the repository's RV32IM guests as an ELF file (long-running 87500: about
      1.4 million instructions)
  openvm-wgpu info [--profile NAME] [--no-check]
      adapters found, the chosen one's limits and features, the launch config of every kernel,
      then a self-check of the NTT kernels against Plonky3
  openvm-wgpu bench ntt [--profile NAME] [--log-total N] [--lde-log-height N] [--lde-width N] [--reps N]
      batch_ntt_small (l = 1..10) and the large LDE against Plonky3's parallel CPU DFT and the
      memory roofline
  openvm-wgpu bench commit [--profile NAME] [--perms 1024,8192]
  openvm-wgpu bench rounds [--profile NAME] [--bits 5,15,20] [--idle-ms 0] [--codeword-log 21] [--gkr-log 16,20,24]
      the keccakf trace committed on the GPU and by openvm-cpu-backend, with the GPU's sub-steps
  openvm-wgpu bench throughput [--perms 1024] [--threads 1,2,4] [--proofs-per-thread 4]
      keccakf proofs in flight from several threads on one device: proofs per second
  openvm-wgpu bench prove [--perms-log 10,11,12,13,14] [--guest long-running:87500] [--no-guest] [--no-keccakf]
                          [--segment-height H] [--repeat N] [--json FILE] [--profile NAME]
      whole proofs as `prove keccakf` (2^k permutations) and `prove elf` (a repository guest)
      make them: per case a first proof, then the best of N warm ones, every proof verified;
      per phase the time, peak GPU memory our buffers hold (and in use) and peak host heap

profiles: native (default), apple-m1, webgpu-default, tiny
adapter:  OPENVM_WGPU_ADAPTER=<name substring> picks one (see `info`)";

/// Command-line flags after the subcommand.
pub struct Args {
    rest: Vec<String>,
}

impl Args {
    pub fn value(&self, flag: &str) -> Result<Option<String>, String> {
        match self.rest.iter().position(|a| a == flag) {
            None => Ok(None),
            Some(i) => self.rest.get(i + 1).cloned().map(Some).ok_or_else(|| format!("{flag} needs a value")),
        }
    }

    /// The `i`-th argument that is neither a flag nor a flag's value.
    pub fn positional(&self, i: usize) -> Option<&str> {
        let mut out = Vec::new();
        let mut skip = false;
        for a in &self.rest {
            if skip {
                skip = false;
            } else if a.starts_with("--") {
                skip = !matches!(a.as_str(), "--no-check" | "--breakdown" | "--no-guest" | "--no-keccakf");
            } else {
                out.push(a.as_str());
            }
        }
        out.get(i).copied()
    }

    pub fn flag(&self, flag: &str) -> bool {
        self.rest.iter().any(|a| a == flag)
    }

    pub fn number(&self, flag: &str, default: u32) -> Result<u32, String> {
        match self.value(flag)? {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| format!("{flag}: '{v}' is not a number")),
        }
    }

    /// A comma-separated list of numbers.
    pub fn list(&self, flag: &str, default: &[usize]) -> Result<Vec<usize>, String> {
        match self.value(flag)? {
            None => Ok(default.to_vec()),
            Some(v) => v.split(',').map(|x| x.trim().parse().map_err(|_| format!("{flag}: '{x}' is not a number"))).collect(),
        }
    }

    pub fn context_options(&self) -> Result<ContextOptions, String> {
        let profile = match self.value("--profile")? {
            None => LimitProfile::Native,
            Some(name) => LimitProfile::from_name(&name).ok_or_else(|| format!("unknown profile '{name}'"))?,
        };
        Ok(ContextOptions::with_profile(profile))
    }
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
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = match argv.split_first() {
        Some((c, r)) => (c.as_str(), r.to_vec()),
        None => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match cmd {
        "info" => info::run(&Args { rest }),
        "guest" => guest::run(&Args { rest }),
        "prove" if rest.first().is_some_and(|p| p == "elf") => prove_elf::run(&Args { rest }),
        "prove" => prove::run(&Args { rest }),
        "bench" => match rest.split_first() {
            Some((what, r)) if what == "ntt" => bench::ntt(&Args { rest: r.to_vec() }),
            Some((what, r)) if what == "commit" => bench_commit::run(&Args { rest: r.to_vec() }),
            Some((what, r)) if what == "rounds" => bench_rounds::run(&Args { rest: r.to_vec() }),
            Some((what, r)) if what == "throughput" => bench_throughput::run(&Args { rest: r.to_vec() }),
            Some((what, r)) if what == "prove" => bench_prove::run(&Args { rest: r.to_vec() }),
            _ => Err(format!("bench: expected `ntt`, `commit`, `rounds`, `throughput` or `prove`\n{USAGE}")),
        },
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command '{other}'\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("openvm-wgpu: {e}");
            ExitCode::FAILURE
        }
    }
}

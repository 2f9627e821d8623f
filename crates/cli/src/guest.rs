//! `openvm-wgpu guest`: writes one of the repository's RV32IM guests (crates/openvm-circuit's
//! assembler) as an ELF file, for `prove elf` and the benchmarks.

use openvm_wgpu_circuit::{elf::rv32im_exe, input::write_vmexe};
use openvm_wgpu_fixtures::asm;

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser};

/// Write one of the repository's RV32IM guests as an ELF file
///
/// For `prove elf` and the benchmarks; long-running 87500 runs about 1.4 million instructions.
#[derive(clap::Args)]
pub struct GuestArgs {
    /// The guest
    #[arg(value_name = "NAME", value_parser = guest_names())]
    name: String,
    /// The guest's argument [default: fibonacci 1000, mixed 1, long-running 87500]
    #[arg(value_name = "N")]
    arg: Option<u32>,
    /// Where to write the ELF file (a name ending in .vmexe: the executable transpiled for
    /// RV32IM, as `cargo openvm build` writes app.vmexe)
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// The guests `guest_elf` knows, with what their argument means.
fn guest_names() -> PossibleValuesParser {
    PossibleValuesParser::new([
        PossibleValue::new("fibonacci").help("the N-th Fibonacci number mod 2^32"),
        PossibleValue::new("mixed").help("most of RV32IM on 16 words made from seed N"),
        PossibleValue::new("long-running").help("N loop iterations of 16 instructions each"),
        PossibleValue::new("sum-input").help("sums its input (`prove elf --input`); takes no N"),
    ])
}

pub fn run(args: &GuestArgs) -> Result<(), String> {
    let (elf, what) = guest_elf(&args.name, args.arg)?;
    let out = args.out.display();
    let bytes = if args.out.extension().is_some_and(|e| e == "vmexe") {
        let exe = rv32im_exe(&elf).map_err(|e| format!("guest {}: {e}", args.name))?;
        write_vmexe(&exe).map_err(|e| format!("--out {out}: {e}"))?
    } else {
        elf
    };
    std::fs::write(&args.out, bytes).map_err(|e| format!("--out {out}: {e}"))?;
    eprintln!("wrote {out}: {what}");
    Ok(())
}

/// The ELF of guest `name` with its argument (each guest's default when `None`), and a line
/// saying what it computes.
pub fn guest_elf(name: &str, arg: Option<u32>) -> Result<(Vec<u8>, String), String> {
    Ok(match name {
        "fibonacci" => {
            let n = arg.unwrap_or(1000);
            (asm::fibonacci(n), format!("fibonacci({n}), reveals {:?}", asm::fibonacci_public_values(n)))
        }
        "mixed" => {
            let seed = arg.unwrap_or(1);
            (asm::mixed(seed), format!("mixed({seed}), reveals {:?}", asm::mixed_public_values(seed)))
        }
        "long-running" => {
            let n = arg.unwrap_or(87_500);
            let count = asm::long_running_instruction_count(n);
            (asm::long_running(n), format!("long-running({n}): {count} instructions, reveals {:?}", asm::long_running_public_values(n)))
        }
        "sum-input" => (asm::sum_input(), "sum-input: reveals the input's length, word count, sum and FNV-1a".to_string()),
        other => {
            return Err(format!(
                "guest: unknown guest '{other}'; available: fibonacci [n], mixed [seed], long-running [iterations], sum-input"
            ))
        }
    })
}

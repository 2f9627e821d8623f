//! `openvm-wgpu guest`: writes one of the repository's RV32IM guests (crates/openvm-circuit's
//! assembler) as an ELF file, for `prove elf` and the benchmarks.

use openvm_wgpu_fixtures::asm;

use crate::Args;

pub fn run(args: &Args) -> Result<(), String> {
    let out = args.value("--out")?.ok_or("guest: --out FILE is required")?;
    let name = args.positional(0).unwrap_or_default();
    let arg = args.positional(1).map(|v| v.parse().map_err(|_| format!("guest: '{v}' is not a number"))).transpose()?;
    let (elf, what) = guest_elf(name, arg)?;
    std::fs::write(&out, elf).map_err(|e| format!("--out {out}: {e}"))?;
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

//! `openvm-wgpu guest`: writes one of the repository's RV32IM guests (crates/openvm-circuit's
//! assembler) as an ELF file, for `prove elf` and the benchmarks.

use openvm_wgpu_circuit::asm;

use crate::Args;

pub fn run(args: &Args) -> Result<(), String> {
    let out = args.value("--out")?.ok_or("guest: --out FILE is required")?;
    let arg = |default: u32| -> Result<u32, String> {
        args.positional(1).map_or(Ok(default), |v| v.parse().map_err(|_| format!("guest: '{v}' is not a number")))
    };
    let (elf, what) = match args.positional(0) {
        Some("fibonacci") => {
            let n = arg(1000)?;
            (asm::fibonacci(n), format!("fibonacci({n}), reveals {:?}", asm::fibonacci_public_values(n)))
        }
        Some("mixed") => {
            let seed = arg(1)?;
            (asm::mixed(seed), format!("mixed({seed}), reveals {:?}", asm::mixed_public_values(seed)))
        }
        Some("long-running") => {
            let n = arg(87_500)?;
            let count = asm::long_running_instruction_count(n);
            (asm::long_running(n), format!("long-running({n}): {count} instructions, reveals {:?}", asm::long_running_public_values(n)))
        }
        Some("sum-input") => (asm::sum_input(), "sum-input: reveals the input's length, word count, sum and FNV-1a".to_string()),
        other => {
            return Err(format!(
                "guest: unknown guest {other:?}; available: fibonacci [n], mixed [seed], long-running [iterations], sum-input"
            ))
        }
    };
    std::fs::write(&out, elf).map_err(|e| format!("--out {out}: {e}"))?;
    eprintln!("wrote {out}: {what}");
    Ok(())
}

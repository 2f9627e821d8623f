//! `openvm-wgpu prove keccakf` end to end: the proof verifies, the phase table uses upstream's
//! span names, --json is written, and without a usable adapter it proves on the CPU backend and
//! says so in one line (also when the only adapter is a software one). `prove elf` on a
//! repository guest, also on an openvm.toml's configuration. `bench prove` at a small size.
//! Usage errors and every command's help.

use std::process::Command;

use openvm_wgpu_fixtures::asm;

fn openvm_wgpu() -> Command {
    Command::new(env!("CARGO_BIN_EXE_openvm-wgpu"))
}

#[test]
fn prove_keccakf_verifies_and_reports_phases() {
    let json = std::env::temp_dir().join(format!("prove-{}.json", std::process::id()));
    let out = openvm_wgpu().args(["prove", "keccakf", "--perms", "4", "--backend", "wgpu", "--json"]).arg(&json).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("backend wgpu: proof verified"), "{stdout}");
    for phase in ["stark_prove_excluding_trace", "prover.main_trace_commit", "prover.rap_constraints", "prover.openings"] {
        assert!(stdout.contains(&format!("| {phase} |")), "{phase} missing:\n{stdout}");
    }
    assert!(stdout.contains("peak memory during the proof: GPU "), "{stdout}");
    let written = std::fs::read_to_string(&json).unwrap();
    assert!(written.contains("\"verified\": true") && written.contains("\"prover.openings\""), "{written}");
    let _ = std::fs::remove_file(json);
}

#[test]
fn without_an_adapter_prove_falls_back_to_the_cpu_backend() {
    let out =
        openvm_wgpu().args(["prove", "keccakf", "--perms", "2"]).env("OPENVM_WGPU_ADAPTER", "no adapter has this name").output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("proving on the CPU backend (openvm-cpu-backend) instead"), "{stderr}");
    assert!(stdout.contains("backend cpu (no GPU adapter): proof verified"), "{stdout}");
}

/// `guest` writes an ELF; `prove elf` proves and verifies it on the GPU, prints the segment
/// table and the revealed values (Fibonacci(30) = 832040 = 0x000cb228, little-endian), and
/// writes the JSON report; bad input is an error, not a panic.
#[test]
fn prove_elf_proves_a_guest_and_reports_its_segments() {
    let dir = std::env::temp_dir();
    let elf = dir.join(format!("fib-{}.elf", std::process::id()));
    let json = dir.join(format!("fib-{}.json", std::process::id()));
    let out = openvm_wgpu().args(["guest", "fibonacci", "30", "--out"]).arg(&elf).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = openvm_wgpu()
        .args(["prove", "elf"])
        .arg(&elf)
        .args(["--segment-height", "524288", "--backend", "wgpu", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("1 segments proved and verified (backend wgpu), exit code Some(0)"), "{stdout}");
    assert!(stdout.contains("| segment | instructions | AIRs | trace cells |"), "{stdout}");
    assert!(stdout.contains("public values: 1e00000028b20c00"), "{stdout}");
    assert!(stderr.contains("segment 0 proved"), "{stderr}");
    let written = std::fs::read_to_string(&json).unwrap();
    assert!(written.contains("\"verified\": true") && written.contains("\"instructions\": "), "{written}");

    // Not an ELF; a segment height below the range-tuple checker's.
    let out = openvm_wgpu().args(["prove", "elf"]).arg(&json).output().unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("neither a RISC-V ELF nor"), "{out:?}");
    let out = openvm_wgpu().args(["prove", "elf"]).arg(&elf).args(["--segment-height", "1024"]).output().unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("range-tuple checker"), "{out:?}");
    let out = openvm_wgpu().args(["prove", "elf"]).arg(&elf).env("OPENVM_WGPU_SEGMENT_PIPELINE", "maybe").output().unwrap();
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("OPENVM_WGPU_SEGMENT_PIPELINE=maybe: give on or off"),
        "{out:?}"
    );
    let _ = std::fs::remove_file(elf);
    let _ = std::fs::remove_file(json);
}

/// `bench execute` runs a guest's segments without proving them: every instruction the guest
/// executes (as `guest` counts them) in the segments' preflight, and the exit code.
#[test]
fn bench_execute_runs_every_instruction_of_a_guest() {
    let elf = std::env::temp_dir().join(format!("loop-exec-{}.elf", std::process::id()));
    let out = openvm_wgpu().args(["guest", "long-running", "1000", "--out"]).arg(&elf).output().unwrap();
    let written = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{written}");
    let counted = written.split(" instructions").next().and_then(|s| s.rsplit(' ').next()).expect("guest reports its instructions");
    let out = openvm_wgpu().args(["bench", "execute"]).arg(&elf).args(["--segment-height", "524288", "--repeat", "2"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    for run in [1, 2] {
        assert!(stdout.contains(&format!("run {run}: {counted} instructions, exit code Some(0)")), "{counted}: {stdout}");
    }
    assert!(stdout.contains("run 2 segment 0: ") && stdout.contains("ns per instruction"), "{stdout}");
    let _ = std::fs::remove_file(elf);
}

/// `cargo openvm`'s files: the guest as the executable `cargo openvm build` writes (`guest --out
/// *.vmexe` writes one) and its input as a JSON file of hex strings (01: bytes); a malformed
/// input file is an error naming the file and the item.
#[test]
fn prove_elf_takes_cargo_openvm_executables_and_input_files() {
    let dir = std::env::temp_dir().join(format!("cargo-openvm-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("app.vmexe");
    let out = openvm_wgpu().args(["guest", "sum-input", "--out"]).arg(&exe).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!std::fs::read(&exe).unwrap().starts_with(b"\x7fELF"), "a .vmexe is not an ELF");
    let message: Vec<u8> = (0..23u8).map(|i| i.wrapping_mul(37).wrapping_add(5)).collect();
    let hex: String = message.iter().map(|b| format!("{b:02x}")).collect();
    let input = dir.join("input.json");
    std::fs::write(&input, format!("{{\"input\": [\"0x01{hex}\"]}}")).unwrap();
    let out =
        openvm_wgpu().args(["prove", "elf"]).arg(&exe).arg("--input").arg(&input).args(["--segment-height", "524288"]).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let expected: String =
        asm::sum_input_public_values(&message).iter().flat_map(|w| w.to_le_bytes()).map(|b| format!("{b:02x}")).collect();
    assert!(stdout.contains(&format!("public values: {expected}")), "{stdout}");

    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"input\": [\"0x03ff\"]}").unwrap();
    let out = openvm_wgpu().args(["prove", "elf"]).arg(&exe).arg("--input").arg(&bad).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("bad.json: input[0]") && stderr.contains("must start with 01"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

/// `prove elf --config` proves on the VM of an openvm.toml (here RV32IM with Keccak, whose chips
/// make their traces on the CPU; a smaller range-tuple checker, so that segments of 2^18 rows
/// hold it); a file that cannot be read or is not an SDK configuration is an error naming the
/// file, and `--tracegen gpu` is refused for a configuration beyond RV32IM.
#[test]
fn prove_elf_proves_on_an_openvm_toml_configuration() {
    let dir = std::env::temp_dir().join(format!("openvm-toml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let elf = dir.join("fib.elf");
    let out = openvm_wgpu().args(["guest", "fibonacci", "30", "--out"]).arg(&elf).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let keccak = write(
        "keccak.toml",
        "[app_vm_config.rv32i]\n[app_vm_config.io]\n[app_vm_config.keccak]\n[app_vm_config.rv32m]\nrange_tuple_checker_sizes = [256, 256]\n",
    );
    let out =
        openvm_wgpu().args(["prove", "elf"]).arg(&elf).arg("--config").arg(&keccak).args(["--segment-height", "262144"]).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("1 segments proved and verified") && stdout.contains("exit code Some(0)"), "{stdout}");
    assert!(stdout.contains("public values: 1e00000028b20c00"), "{stdout}");
    assert!(stderr.contains("keccak.toml (rv32i, io, keccak, rv32m)"), "{stderr}");

    let fails = |config: &std::path::Path, extra: &[&str], expected: &str| {
        let out = openvm_wgpu().args(["prove", "elf"]).arg(&elf).arg("--config").arg(config).args(extra).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{config:?}: {stderr}");
        assert!(stderr.contains(expected), "{config:?}: {stderr}");
    };
    fails(&dir.join("missing.toml"), &[], "--config ");
    fails(&write("bad.toml", "[app_vm_config.rv32i\n"), &[], "bad.toml: not valid TOML");
    fails(&write("unknown.toml", "[app_vm_config.rv32im]\n"), &[], "unknown.toml: [app_vm_config.rv32im]: not an OpenVM SDK extension");
    fails(&keccak, &["--tracegen", "gpu"], "--tracegen gpu: ");
    let _ = std::fs::remove_dir_all(dir);
}

/// With only a software adapter (lavapipe here) `prove` uses the CPU backend by default and says
/// so in one line; with a hardware adapter it proves on it. Mesa's XDG_RUNTIME_DIR complaint
/// never reaches the user.
#[test]
fn a_software_adapter_defaults_to_the_cpu_backend_quietly() {
    let gpu = openvm_wgpu_backend::GpuContext::shared(openvm_wgpu_backend::LimitProfile::Native).expect("an adapter");
    let software = gpu.adapter_info.device_type == wgpu::DeviceType::Cpu;
    let out = openvm_wgpu().args(["prove", "keccakf", "--perms", "2"]).env_remove("XDG_RUNTIME_DIR").output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(!stderr.contains("XDG_RUNTIME_DIR"), "{stderr}");
    if software {
        assert_eq!(stderr.matches("the only GPU adapter is a software one").count(), 1, "{stderr}");
        assert!(stdout.contains("backend cpu (software GPU adapter only): proof verified"), "{stdout}");
    } else {
        assert!(stdout.contains("backend wgpu: proof verified"), "{stdout}");
    }
}

/// `bench prove` at 2^4 permutations: the tables are printed, the JSON report parses, every
/// proof is timed, and the main phases hold GPU memory at their peak (in use at most what is
/// held, no phase above its whole proof). Bad arguments are errors, not panics.
#[test]
fn bench_prove_reports_times_and_memory_peaks() {
    let json = std::env::temp_dir().join(format!("bench-prove-{}.json", std::process::id()));
    let out = openvm_wgpu().args(["bench", "prove", "--perms-log", "4", "--no-guest", "--json"]).arg(&json).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("| phase | keccakf 2^4 |") && stdout.contains("Peak GPU memory held by our buffers"), "{stdout}");
    assert!(stderr.contains("first proof: ") && stderr.contains("warm proof 1 of 1: "), "{stderr}");

    let text = std::fs::read_to_string(&json).unwrap();
    let _ = std::fs::remove_file(&json);
    let report: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert!(report["adapter"].as_str().is_some_and(|a| !a.is_empty()), "{report}");
    assert!(report["driver"].is_string(), "{report}");
    let cases = report["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 1);
    let case = &cases[0];
    assert_eq!((case["case"].as_str(), case["permutations"].as_u64()), (Some("keccakf 2^4"), Some(16)), "{case}");
    assert!(case["params"]["l_skip"].is_u64(), "{case}");
    for run in ["first_proof", "warm_proof"] {
        let run = &case[run];
        let whole_gpu = run["gpu_held_peak_bytes"].as_u64().unwrap();
        assert!(run["wall_ms"].as_f64().unwrap() > 0.0 && whole_gpu > 0 && run["host_peak_bytes"].as_u64().unwrap() > 0, "{run}");
        let phases = run["phases"].as_array().unwrap();
        for name in ["stark_prove_excluding_trace", "prover.main_trace_commit", "prover.rap_constraints", "prover.openings"] {
            let p = phases.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("{name} missing: {run}"));
            let (held, in_use) = (p["gpu_held_peak_bytes"].as_u64().unwrap(), p["gpu_in_use_peak_bytes"].as_u64().unwrap());
            assert!(p["ms"].as_f64().unwrap() > 0.0 && in_use > 0 && in_use <= held && held <= whole_gpu, "{p}");
            assert!(p["host_peak_bytes"].as_u64().unwrap() > 0, "{p}");
        }
    }

    for (args, message) in [
        (&["--perms-log", "40"][..], "--perms-log 40: at most"),
        (&["--guest", "nonesuch", "--no-keccakf"][..], "unknown guest 'nonesuch'"),
        (&["--no-guest", "--no-keccakf"][..], "nothing to prove"),
    ] {
        let out = openvm_wgpu().args(["bench", "prove"]).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && stderr.contains(message) && !stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// Usage errors exit with 2 before any device opens and name what was wrong; runtime errors
/// keep exit code 1.
#[test]
fn usage_errors_exit_with_2_and_name_the_argument() {
    for (args, names) in [
        (&["prove", "keccakf", "--max-gpu-memory", "1"][..], &["--max-gpu-memory"][..]),
        (&["prove", "keccakf", "--profile", "nope"][..], &["nope", "native", "apple-m1", "webgpu-default", "tiny"][..]),
        (&["prove", "keccakf", "--backend", "gpu"][..], &["--backend", "wgpu", "cpu"][..]),
        (&["prove", "keccakf", "--perms", "many"][..], &["--perms"][..]),
        (&["bench", "prove", "--perms-log", "10,x"][..], &["--perms-log"][..]),
        (&["guest", "nonesuch", "--out", "unused.elf"][..], &["nonesuch", "fibonacci"][..]),
        (&["prove", "elf"][..], &["<GUEST.ELF|APP.VMEXE>"][..]),
        (&["prove", "stark"][..], &["<GUEST.ELF|APP.VMEXE>"][..]),
        (&["bench", "nonesuch"][..], &["nonesuch"][..]),
    ] {
        let out = openvm_wgpu().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        for name in names {
            assert!(stderr.contains(name), "{args:?}: {name} missing: {stderr}");
        }
    }
    let missing = std::env::temp_dir().join(format!("missing-{}.elf", std::process::id()));
    for command in ["elf", "stark"] {
        let out = openvm_wgpu().args(["prove", command]).arg(&missing).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    }
    // Two ways of fixing the segment height: refused before anything runs.
    let elf = std::env::temp_dir().join(format!("fib-stark-{}.elf", std::process::id()));
    std::fs::write(&elf, asm::fibonacci(10)).unwrap();
    let out = openvm_wgpu().args(["prove", "stark"]).arg(&elf).args(["--test-params", "--segment-height", "1024"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--segment-height") && stderr.contains("--test-params"), "{stderr}");
    let _ = std::fs::remove_file(elf);
}

/// `--help` of every command exits with 0 and describes its flags; `--version` prints the version.
#[test]
fn every_command_has_help() {
    let help = |args: &[&str]| {
        let out = openvm_wgpu().args(args).arg("--help").output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let top = help(&[]);
    for text in ["prove", "guest", "info", "bench", "OPENVM_WGPU_ADAPTER", "webgpu-default"] {
        assert!(top.contains(text), "{text} missing: {top}");
    }
    let keccakf = help(&["prove", "keccakf"]);
    for flag in ["--perms", "--repeat", "--backend", "--json", "--profile"] {
        assert!(keccakf.contains(flag), "{flag} missing: {keccakf}");
    }
    let stark = help(&["prove", "stark"]);
    for flag in ["--input", "--config", "--segment-height", "--tracegen", "--test-params", "--out"] {
        assert!(stark.contains(flag), "{flag} missing: {stark}");
    }
    let bench_prove = help(&["bench", "prove"]);
    for flag in ["--perms-log", "--guest", "--no-guest", "--no-keccakf", "--segment-height", "--repeat", "--json"] {
        assert!(bench_prove.contains(flag), "{flag} missing: {bench_prove}");
    }
    for command in [
        &["prove", "elf"][..],
        &["guest"],
        &["info"],
        &["bench", "ntt"],
        &["bench", "commit"],
        &["bench", "rounds"],
        &["bench", "throughput"],
        &["bench", "execute"],
    ] {
        assert!(help(command).contains("Usage: openvm-wgpu"), "{command:?}");
    }
    let out = openvm_wgpu().arg("--version").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.starts_with("openvm-wgpu ") && stdout.contains(env!("CARGO_PKG_VERSION")), "{stdout}");
}

/// README.md shows `openvm-wgpu --help` verbatim; it must stay what the command prints.
#[test]
fn readme_shows_the_current_help() {
    const README: &str = include_str!("../../../README.md");
    let start = README.find("$ openvm-wgpu --help\n").expect("README shows `openvm-wgpu --help`") + "$ openvm-wgpu --help\n".len();
    let shown = &README[start..start + README[start..].find("```").expect("the help block ends")];
    let out = openvm_wgpu().arg("--help").env("COLUMNS", "100").output().unwrap();
    assert!(out.status.success());
    let printed = String::from_utf8(out.stdout).unwrap();
    let lines = |s: &str| s.lines().map(str::trim_end).filter(|l| !l.is_empty()).map(String::from).collect::<Vec<_>>();
    assert_eq!(lines(shown), lines(&printed), "README.md's help block differs from `openvm-wgpu --help`; paste the new output");
}

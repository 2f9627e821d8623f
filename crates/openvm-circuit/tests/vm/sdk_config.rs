//! OpenVM SDK configurations (`openvm.toml`, `SdkVmConfig`) on the wgpu engine: openvm.toml
//! read as `cargo openvm` reads it, bad files refused with errors; repository guests proved
//! under an RV32IM configuration (CPU and GPU trace generation: one circuit) and under the SDK's
//! standard configuration, whose proofs verify and equal openvm-cpu-backend's byte for byte.

use openvm_stark_backend::SystemParams;
use openvm_wgpu_backend::{GpuContext, LimitProfile};
use openvm_wgpu_circuit::{
    elf::input_stream,
    prove_sdk,
    sdk::{as_rv32im, check_config, extensions, sdk_exe},
    SdkAppConfig, SdkConfigError, SdkVmConfig, TraceGeneration,
};
use openvm_wgpu_fixtures::asm::{self, public_value_words};

/// `cargo openvm`'s configuration of RV32IM (upstream's `openvm_riscv32.toml`).
const RISCV32: &str = "[app_vm_config.rv32i]\n[app_vm_config.rv32m]\n[app_vm_config.io]\n";

/// RV32IM with a smaller range-tuple checker (2^16 rows, not 2^19): enough for guests without
/// multiplication or division, and quicker to prove on a software adapter.
const SMALL_RV32IM: &str = "[app_vm_config.rv32i]\n[app_vm_config.io]\n[app_vm_config.rv32m]\nrange_tuple_checker_sizes = [256, 256]\n";

/// Upstream's `openvm_standard.toml`, the sections `SdkVmConfig::standard()` stands for.
const STANDARD: &str = r#"
[app_vm_config.rv32i]
[app_vm_config.rv32m]
[app_vm_config.io]

[app_vm_config.keccak]
[app_vm_config.sha2]
[app_vm_config.bigint]

[app_vm_config.modular]
supported_moduli = [
    # bn254 (alt bn128)
    "21888242871839275222246405745257275088696311157297823662689037894645226208583", # coordinate field
    "21888242871839275222246405745257275088548364400416034343698204186575808495617", # scalar field
    # secp256k1 (k256)
    "115792089237316195423570985008687907853269984665640564039457584007908834671663", # coordinate field
    "115792089237316195423570985008687907852837564279074904382605163141518161494337", # scalar field
    # secp256r1 (p256)
    "115792089210356248762697446949407573530086143415290314195533631308867097853951", # coordinate
    "115792089210356248762697446949407573529996955224135760342422259061068512044369", # scalar
    # bls12_381
    "4002409555221667393417789825735904156556882819939007885332058136124031650490837864442687629129015664037894272559787", # coordinate field
    "52435875175126190479447740508185965837690552500527637822603658699938581184513",                                       # scalar field
]

[app_vm_config.fp2]
supported_moduli = [
    [
        "Bn254Fp2",
        # bn254 (alt bn128)
        "21888242871839275222246405745257275088696311157297823662689037894645226208583",
    ],
    # Bls12_381
    [
        "Bls12_381Fp2",
        "4002409555221667393417789825735904156556882819939007885332058136124031650490837864442687629129015664037894272559787",
    ],
]

# bn254 (alt bn128)
[[app_vm_config.ecc.supported_curves]]
struct_name = "Bn254G1Affine"
modulus = "21888242871839275222246405745257275088696311157297823662689037894645226208583"
scalar = "21888242871839275222246405745257275088548364400416034343698204186575808495617"
a = "0"
b = "3"

# secp256k1 (k256)
[[app_vm_config.ecc.supported_curves]]
struct_name = "Secp256k1Point"
modulus = "115792089237316195423570985008687907853269984665640564039457584007908834671663"
scalar = "115792089237316195423570985008687907852837564279074904382605163141518161494337"
a = "0"
b = "7"

# secp256r1 (p256)
[[app_vm_config.ecc.supported_curves]]
struct_name = "P256Point"
modulus = "115792089210356248762697446949407573530086143415290314195533631308867097853951"
scalar = "115792089210356248762697446949407573529996955224135760342422259061068512044369"
a = "115792089210356248762697446949407573530086143415290314195533631308867097853948"
b = "41058363725152142129326129780047268409114441015993725554835256314039467401291"

# bls12_381
[[app_vm_config.ecc.supported_curves]]
struct_name = "Bls12_381G1Affine"
modulus = "4002409555221667393417789825735904156556882819939007885332058136124031650490837864442687629129015664037894272559787"
scalar = "52435875175126190479447740508185965837690552500527637822603658699938581184513"
a = "0"
b = "4"

[app_vm_config.pairing]
supported_curves = ["Bn254", "Bls12_381"]
"#;

fn parse(text: &str) -> Result<SdkAppConfig, SdkConfigError> {
    SdkAppConfig::from_toml(text)
}

fn to_toml(config: &SdkVmConfig) -> String {
    config.to_toml().unwrap()
}

#[test]
fn openvm_toml_reads_as_cargo_openvm_reads_it() {
    let riscv32 = parse(RISCV32).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(to_toml(&riscv32.app_vm_config), to_toml(&SdkVmConfig::riscv32()));
    assert_eq!(extensions(&riscv32.app_vm_config), ["rv32i", "io", "rv32m"]);
    assert!(riscv32.system_params.is_none());
    assert!(as_rv32im(&riscv32.app_vm_config).is_some());

    let standard = parse(STANDARD).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(to_toml(&standard.app_vm_config), to_toml(&SdkVmConfig::standard()));
    assert!(as_rv32im(&standard.app_vm_config).is_none());

    // [system_params] as upstream serializes them.
    let mut params = SystemParams::new_for_testing(19);
    params.logup.pow_bits = 0;
    let table = toml::Table::from_iter([("system_params".to_string(), toml::Value::try_from(&params).unwrap())]);
    let text = format!("{RISCV32}\n{}", toml::to_string(&table).unwrap());
    assert_eq!(parse(&text).unwrap_or_else(|e| panic!("{e}")).system_params, Some(params));

    // Bad files are errors that say what is wrong.
    let error = |text: &str| parse(text).err().map(|e| e.to_string()).unwrap_or_else(|| panic!("accepted: {text}"));
    assert!(error("[app_vm_config.rv32i").contains("not valid TOML"));
    assert!(error("[system_params]\n").contains("no [app_vm_config]"));
    assert!(error("app_vm_config = 3\n").contains("not a table"));
    assert!(error("[app_vm_config.rv32im]\n").contains("[app_vm_config.rv32im]: not an OpenVM SDK extension"));
    assert!(error("[app_vm_config.rv32m]\nrange_tuple_checker_sizes = \"wide\"\n").starts_with("[app_vm_config]: "));
    assert!(error("[[app_vm_config.deferral.circuits]]\ndef_type = \"VerifyStark\"\n").contains("deferral"));
    assert!(error(&format!("{RISCV32}[system_params]\nl_skip = 2\n")).starts_with("[system_params]: "));

    // A memory configuration upstream would index out of its address spaces.
    let mut config = SdkVmConfig::riscv32();
    config.system.config.memory_config.addr_spaces.truncate(3);
    assert!(matches!(check_config(&config), Err(SdkConfigError::System(_))));
}

/// An RV32IM configuration (`cargo openvm`'s extensions, a smaller range-tuple checker): proved
/// with the GPU chips, every segment verified, revealing the host model's values; upstream's CPU
/// chips (`WgpuBuilder(SdkVmCpuBuilder)`, which the other configurations' proofs below run) make
/// the same circuit: the same verifying key.
#[test]
fn an_rv32im_sdk_configuration_proves_with_either_trace_generation() {
    use openvm_circuit::arch::VirtualMachine;
    use openvm_wgpu_backend::BabyBearPoseidon2WgpuEngine;
    use openvm_wgpu_circuit::{SdkVmCpuBuilder, WgpuBuilder};

    let gpu = GpuContext::shared(LimitProfile::Native).expect("a GPU adapter (scripts/ensure-vulkan.sh installs lavapipe)");
    let config = parse(SMALL_RV32IM).unwrap_or_else(|e| panic!("{e}")).app_vm_config;
    let exe = sdk_exe(&asm::fibonacci(20), &config).unwrap_or_else(|e| panic!("{e}"));
    let gpu_traced = prove_sdk(
        gpu.clone(),
        SystemParams::new_for_testing(19),
        config.clone(),
        exe.clone(),
        input_stream::<&[u8]>(&[]),
        TraceGeneration::Gpu,
        &mut |s| {
            eprintln!(
                "segment {}: {} instructions, preflight {:?}, trace generation {:?}, prove {:?}",
                s.index, s.instructions, s.preflight, s.trace_generation, s.prove
            )
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(gpu_traced.exit_code, Some(0));
    assert_eq!(&public_value_words(&gpu_traced.public_values)[..2], &asm::fibonacci_public_values(20)[..]);
    let engine: BabyBearPoseidon2WgpuEngine = BabyBearPoseidon2WgpuEngine::with_context(SystemParams::new_for_testing(19), gpu.clone());
    let (_, cpu_chips_pk) =
        VirtualMachine::new_with_keygen(engine, WgpuBuilder(SdkVmCpuBuilder), config.clone()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cpu_chips_pk.get_vk().pre_hash, gpu_traced.vk.pre_hash, "one circuit");

    // The standard configuration's range-tuple checker (2^21 rows) does not fit segments of
    // 2^19 rows: refused before anything runs. GPU trace generation covers RV32IM only.
    let standard = parse(STANDARD).unwrap().app_vm_config;
    let refused = prove_sdk(
        gpu.clone(),
        SystemParams::new_for_testing(19),
        standard,
        exe.clone(),
        input_stream::<&[u8]>(&[]),
        TraceGeneration::Cpu,
        &mut |_| {},
    );
    assert!(refused.is_err_and(|e| e.to_string().contains("a fixed-height trace of 2097152 rows does not fit")));
    let keccak = parse(&format!("{RISCV32}[app_vm_config.keccak]\n")).unwrap().app_vm_config;
    let refused =
        prove_sdk(gpu, SystemParams::new_for_testing(19), keccak, exe, input_stream::<&[u8]>(&[]), TraceGeneration::Gpu, &mut |_| {});
    assert!(refused.is_err_and(|e| e.to_string().contains("enables rv32i, io, keccak, rv32m")));
}

/// Proves `elf` under `config` on our engine from the contexts upstream's `SdkVmCpuBuilder`
/// generates, asserting that every segment's proof has the same bytes as openvm-cpu-backend's
/// (proof-of-work bits 0, since upstream's grind may return another valid witness); verifies the
/// segments and returns the revealed values as words once the guest exited with 0.
fn prove_as_openvm_cpu_backend_does(config: SdkVmConfig, elf: &[u8]) -> Vec<u32> {
    use openvm_circuit::{arch::verify_segments, system::memory::merkle::public_values::extract_public_values};
    use openvm_wgpu_backend::BabyBearPoseidon2WgpuEngine;
    use openvm_wgpu_circuit::SdkVmCpuBuilder;

    let num_public_values = config.system.config.num_public_values;
    let exe = sdk_exe(elf, &config).unwrap_or_else(|e| panic!("{e}"));
    let (proofs, vk, end) = crate::common::prove_on_both_engines(SdkVmCpuBuilder, config, &exe, input_stream::<&[u8]>(&[]));
    assert!(!proofs.is_empty());
    let verifier = BabyBearPoseidon2WgpuEngine::<openvm_stark_sdk::config::baby_bear_poseidon2::DuplexSponge>::with_context(
        crate::common::zero_pow_params(19),
        GpuContext::shared(LimitProfile::Native).unwrap(),
    );
    verify_segments(&verifier, &vk, &proofs).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(end.exit_code, Some(0));
    public_value_words(&extract_public_values(num_public_values, end.memory.as_ref().expect("the final memory")))
}

/// The SDK's standard configuration (every extension's chips, upstream's CPU builder): the
/// modular, Fp2 and ecc extensions' setups and operations on bn254 (the first modulus, Fp2 and
/// curve) proved on our engine in one segment, the same bytes as openvm-cpu-backend's proofs,
/// the revealed values the host model's (num-bigint).
#[test]
fn the_standard_configuration_proves_as_openvm_cpu_backend_does() {
    // Range-tuple checkers of 2^16 rows (the standard's are 2^21): a guest without
    // multiplication or division needs no more, and a software adapter proves it sooner.
    let small = "[app_vm_config.rv32m]\nrange_tuple_checker_sizes = [256, 256]\n";
    let small_bigint = "[app_vm_config.bigint]\nrange_tuple_checker_sizes = [256, 256]\n";
    let text = STANDARD.replace("[app_vm_config.rv32m]\n", small).replace("[app_vm_config.bigint]\n", small_bigint);
    let mut config = parse(&text).unwrap_or_else(|e| panic!("{e}")).app_vm_config;
    assert_eq!(config.rv32m.map(|m| m.range_tuple_checker_sizes), Some([256, 256]));
    config.system.config = config.system.config.with_public_values(asm::ALGEBRA_GUEST_PUBLIC_VALUE_BYTES);
    let modulus = config.modular.as_ref().expect("the modular extension").supported_moduli[0].clone();
    let modulus: [u8; 32] = {
        let mut bytes = modulus.to_bytes_le();
        bytes.resize(32, 0);
        bytes.try_into().unwrap()
    };
    // Two values below the modulus (2^253 < bn254's 2^253.6).
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(254);
    let mut value = || {
        let mut v: [u8; 32] = rand::Rng::random(&mut rng);
        v[31] &= 0x1f;
        v
    };
    let (a, b) = (value(), value());
    let revealed = prove_as_openvm_cpu_backend_does(config, &asm::algebra(&modulus, &a, &b));
    assert_eq!(revealed, asm::algebra_public_values(&modulus, &a, &b));
}

/// The keccak extension (XORIN, KECCAKF) on RV32IM with the small range-tuple checker: a
/// one-block Keccak-256 proved as openvm-cpu-backend proves it, the digest the host model's.
#[test]
fn the_keccak_extension_proves_as_openvm_cpu_backend_does() {
    let config = parse(&format!("{SMALL_RV32IM}[app_vm_config.keccak]\n")).unwrap_or_else(|e| panic!("{e}")).app_vm_config;
    assert_eq!(extensions(&config), ["rv32i", "io", "keccak", "rv32m"]);
    let revealed = prove_as_openvm_cpu_backend_does(config, &asm::keccak256(b"abc"));
    assert_eq!(revealed, asm::keccak256_public_values(b"abc"));
}

/// The sha2 extension (SHA-256 and SHA-512 compression) on RV32IM with the small range-tuple
/// checker and room for the guest's public values: proved as openvm-cpu-backend proves it, the
/// states the host model's.
#[test]
fn the_sha2_extension_proves_as_openvm_cpu_backend_does() {
    let mut config = parse(&format!("{SMALL_RV32IM}[app_vm_config.sha2]\n")).unwrap_or_else(|e| panic!("{e}")).app_vm_config;
    assert_eq!(extensions(&config), ["rv32i", "io", "sha2", "rv32m"]);
    config.system.config = config.system.config.with_public_values(asm::SHA2_GUEST_PUBLIC_VALUE_BYTES);
    let revealed = prove_as_openvm_cpu_backend_does(config, &asm::sha2(b"abc"));
    let expected = asm::sha2_public_values(b"abc");
    assert_eq!(revealed[..expected.len()], expected[..]);
}

/// The bigint extension (256-bit ADD, SUB, XOR, OR, AND, SLL, SRL, SRA, SLT, SLTU, MUL, BEQ256)
/// on RV32IM, both with the small range-tuple checker (the guest multiplies operands whose
/// carries it holds), and room for the guest's public values: one run over three operand pairs
/// (carries through every limb, negative values, a shift by the low byte of a value over 255,
/// equal operands) proved as openvm-cpu-backend proves it, the results the host model's.
#[test]
fn the_bigint_extension_proves_as_openvm_cpu_backend_does() {
    let small_bigint = "[app_vm_config.bigint]\nrange_tuple_checker_sizes = [256, 256]\n";
    let mut config = parse(&format!("{SMALL_RV32IM}{small_bigint}")).unwrap_or_else(|e| panic!("{e}")).app_vm_config;
    assert_eq!(extensions(&config), ["rv32i", "io", "rv32m", "bigint"]);
    assert_eq!(config.bigint.as_ref().map(|b| b.range_tuple_checker_sizes), Some([256, 256]));
    let mut min = [0u8; 32];
    min[31] = 0x80;
    let pairs = [
        // -1 and 1: the sum carries through all 32 bytes; shifts by 1.
        ([0xff; 32], std::array::from_fn(|i| (i == 0) as u8)),
        // Two negative values, b over 255: shifts by its low byte, 195.
        (
            std::array::from_fn(|i| ((i as u8).wrapping_mul(37) ^ 0xa5) | if i == 31 { 0x80 } else { 0 }),
            std::array::from_fn(|i| 0xc3 ^ ((i as u8) << 2)),
        ),
        // -2^255 twice: BEQ256 of the operands taken, the sum's carry out of the top dropped,
        // shifts by 0.
        (min, min),
    ];
    config.system.config = config.system.config.with_public_values(asm::int256_guest_public_value_bytes(pairs.len()));
    let revealed = prove_as_openvm_cpu_backend_does(config, &asm::int256_ops(&pairs));
    let expected = asm::int256_ops_public_values(&pairs);
    assert_eq!(revealed[..expected.len()], expected[..]);
}

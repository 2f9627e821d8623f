//! The assembler's encodings against an independent decoder (rrs-lib, which openvm-transpiler
//! uses) and hand-encoded words, its error reporting, and the built-in guests executed by
//! openvm-circuit's interpreter for `Rv32ImConfig`, compared with their host models.

use openvm_circuit::{
    arch::{ExecutionError, VmExecutor},
    system::memory::merkle::public_values::extract_public_values,
};
use openvm_instructions::{
    exe::VmExe,
    instruction::Instruction,
    riscv::{RV32_MEMORY_AS, RV32_REGISTER_NUM_LIMBS},
    LocalOpcode, PhantomDiscriminant, SystemOpcode,
};
use openvm_rv32im_circuit::Rv32ImConfig;
use openvm_rv32im_transpiler::{Rv32HintStoreOpcode, Rv32LoadStoreOpcode, Rv32Phantom};
use openvm_stark_sdk::p3_baby_bear::BabyBear;
use openvm_transpiler::elf::Elf;
use openvm_wgpu_circuit::elf::{input_stream, rv32im_exe, rv32im_transpiler};
use openvm_wgpu_fixtures::asm::{self, AsmError, Assembler, Reg, ELF_MAX_MEM, GUEST_PUBLIC_VALUE_BYTES, TEXT_BASE};
use p3_field::PrimeCharacteristicRing;
use rrs_lib::instruction_string_outputter::InstructionStringOutputter;

type F = BabyBear;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// rrs-lib's disassembly of `word` at `pc` (pc-relative targets are printed as addresses).
fn rrs(word: u32, pc: u32) -> String {
    rrs_lib::process_instruction(&mut InstructionStringOutputter { insn_pc: pc }, word)
        .unwrap_or_else(|| format!("<not decoded: {word:#010x}>"))
}

/// Assembles a one-instruction program and returns its word.
fn single(build: impl FnOnce(&mut Assembler) -> &mut Assembler) -> u32 {
    let mut a = Assembler::new();
    build(&mut a);
    let program = a.finish().expect("assembles");
    assert_eq!(program.text().len(), 1);
    program.text()[0]
}

/// What a pure execution ended with: public values as words, or the interpreter's error.
fn execute(elf: &[u8], inputs: &[&[u8]], num_public_values: usize) -> Result<Vec<u32>, ExecutionError> {
    let exe: VmExe<F> = rv32im_exe(elf).expect("decodes and transpiles");
    let executor = VmExecutor::<F, _>::new(Rv32ImConfig::with_public_values(num_public_values)).expect("executor inventory");
    let instance = executor.instance(&exe).expect("interpreter instance");
    let state = instance.execute(input_stream(inputs), None)?;
    Ok(asm::public_value_words(&extract_public_values(num_public_values, &state.memory.memory)))
}

/// Executes a built-in guest and checks its public values against the host model (the words it
/// does not reveal stay zero).
fn assert_guest(elf: &[u8], inputs: &[&[u8]], expected: &[u32]) {
    let words = execute(elf, inputs, GUEST_PUBLIC_VALUE_BYTES).expect("guest runs to exit code 0");
    assert_eq!(&words[..expected.len()], expected);
    assert!(words[expected.len()..].iter().all(|&w| w == 0), "{words:?}");
}

fn program_of(build: impl FnOnce(&mut Assembler) -> &mut Assembler) -> Vec<u8> {
    let mut a = Assembler::new();
    build(&mut a);
    a.finish().expect("assembles").to_elf()
}

// ---------------------------------------------------------------------------------------------
// Encodings
// ---------------------------------------------------------------------------------------------

#[test]
fn every_instruction_matches_rrs_disassembly() {
    use Reg as R;
    let pc = TEXT_BASE;
    let target = |offset: i64| format!("{:#010x}", (pc as i64 + offset) as u32);
    let cases: Vec<(u32, String)> = vec![
        (single(|a| a.lui(R::X5, 0xfffff)), "lui x5, 0xfffff000".into()),
        (single(|a| a.lui(R::X31, 0x12345)), "lui x31, 0x12345000".into()),
        (single(|a| a.auipc(R::X1, 0x80000)), format!("auipc x1, {:#010x}", pc.wrapping_add(0x8000_0000))),
        (single(|a| a.jal(R::RA, -8)), format!("jal x1, {}", target(-8))),
        (single(|a| a.jal(R::ZERO, 2048)), format!("jal x0, {}", target(2048))),
        (single(|a| a.jalr(R::X3, -4, R::X7)), "jalr x3, 0xfffffffc(x7)".into()),
        (single(|a| a.jalr(R::X0, 2047, R::RA)), "jalr x0, 0x7ff(x1)".into()),
        (single(|a| a.beq(R::X1, R::X2, -4096)), format!("beq x1, x2, {}", target(-4096))),
        (single(|a| a.bne(R::X3, R::X4, 4094)), format!("bne x3, x4, {}", target(4094))),
        (single(|a| a.blt(R::X5, R::X6, 2048)), format!("blt x5, x6, {}", target(2048))),
        (single(|a| a.bge(R::X7, R::X8, -2)), format!("bge x7, x8, {}", target(-2))),
        (single(|a| a.bltu(R::X30, R::X31, 12)), format!("bltu x30, x31, {}", target(12))),
        (single(|a| a.bgeu(R::X0, R::X1, -2050)), format!("bgeu x0, x1, {}", target(-2050))),
        (single(|a| a.lb(R::X1, -2048, R::X2)), "lb x1, -2048(x2)".into()),
        (single(|a| a.lh(R::X3, 2047, R::X4)), "lh x3, 2047(x4)".into()),
        (single(|a| a.lw(R::X5, -1, R::X6)), "lw x5, -1(x6)".into()),
        (single(|a| a.lbu(R::X7, 0, R::X8)), "lbu x7, 0(x8)".into()),
        (single(|a| a.lhu(R::X9, 100, R::X10)), "lhu x9, 100(x10)".into()),
        (single(|a| a.sb(R::X11, -2048, R::X12)), "sb x11, -2048(x12)".into()),
        (single(|a| a.sh(R::X13, 2047, R::X14)), "sh x13, 2047(x14)".into()),
        (single(|a| a.sw(R::X15, -4, R::X16)), "sw x15, -4(x16)".into()),
        (single(|a| a.addi(R::X17, R::X12, 123)), "addi x17, x12, 123".into()),
        (single(|a| a.addi(R::X1, R::X1, -2048)), "addi x1, x1, -2048".into()),
        (single(|a| a.slti(R::X2, R::X3, -1)), "slti x2, x3, -1".into()),
        (single(|a| a.sltiu(R::X4, R::X5, 2047)), "sltiu x4, x5, 2047".into()),
        (single(|a| a.xori(R::X6, R::X7, -1)), "xori x6, x7, -1".into()),
        (single(|a| a.ori(R::X8, R::X9, 0x555)), "ori x8, x9, 1365".into()),
        (single(|a| a.andi(R::X10, R::X11, -16)), "andi x10, x11, -16".into()),
        (single(|a| a.slli(R::X12, R::X13, 31)), "slli x12, x13, 31".into()),
        (single(|a| a.srli(R::X14, R::X15, 1)), "srli x14, x15, 1".into()),
        (single(|a| a.srai(R::X16, R::X17, 31)), "srai x16, x17, 31".into()),
        (single(|a| a.add(R::X1, R::X2, R::X3)), "add x1, x2, x3".into()),
        (single(|a| a.sub(R::X4, R::X5, R::X6)), "sub x4, x5, x6".into()),
        (single(|a| a.sll(R::X7, R::X8, R::X9)), "sll x7, x8, x9".into()),
        (single(|a| a.slt(R::X10, R::X11, R::X12)), "slt x10, x11, x12".into()),
        (single(|a| a.sltu(R::X13, R::X14, R::X15)), "sltu x13, x14, x15".into()),
        (single(|a| a.xor(R::X16, R::X17, R::X18)), "xor x16, x17, x18".into()),
        (single(|a| a.srl(R::X19, R::X20, R::X21)), "srl x19, x20, x21".into()),
        (single(|a| a.sra(R::X22, R::X23, R::X24)), "sra x22, x23, x24".into()),
        (single(|a| a.or(R::X25, R::X26, R::X27)), "or x25, x26, x27".into()),
        (single(|a| a.and(R::X28, R::X29, R::X30)), "and x28, x29, x30".into()),
        (single(|a| a.mul(R::X31, R::X0, R::X1)), "mul x31, x0, x1".into()),
        (single(|a| a.mulh(R::X2, R::X3, R::X4)), "mulh x2, x3, x4".into()),
        (single(|a| a.mulhsu(R::X5, R::X6, R::X7)), "mulhsu x5, x6, x7".into()),
        (single(|a| a.mulhu(R::X8, R::X9, R::X10)), "mulhu x8, x9, x10".into()),
        (single(|a| a.div(R::X11, R::X12, R::X13)), "div x11, x12, x13".into()),
        (single(|a| a.divu(R::X14, R::X15, R::X16)), "divu x14, x15, x16".into()),
        (single(|a| a.rem(R::X17, R::X18, R::X19)), "rem x17, x18, x19".into()),
        (single(|a| a.remu(R::X20, R::X21, R::X22)), "remu x20, x21, x22".into()),
        (single(|a| a.nop()), "addi x0, x0, 0".into()),
        (single(|a| a.mv(R::A0, R::SP)), "addi x10, x2, 0".into()),
        (single(|a| a.ret()), "jalr x0, 0x000(x1)".into()),
    ];
    for (word, expected) in cases {
        assert_eq!(rrs(word, pc), expected, "word {word:#010x}");
    }
    // Every register in every field.
    for r in Reg::ALL {
        let i = r.index();
        let (x, y) = (Reg::from_index((i + 1) % 32).unwrap(), Reg::from_index((i + 2) % 32).unwrap());
        assert_eq!(rrs(single(|a| a.sub(r, x, y)), pc), format!("sub x{i}, x{}, x{}", x.index(), y.index()));
        assert_eq!(rrs(single(|a| a.sw(r, 8, x)), pc), format!("sw x{i}, 8(x{})", x.index()));
    }
}

/// Words encoded by hand from the field layouts in the RISC-V unprivileged spec (chapter 2,
/// "Base Instruction Formats"), independent of both the assembler and rrs-lib.
#[test]
fn hand_encoded_words() {
    use Reg as R;
    assert_eq!(single(|a| a.add(R::X1, R::X2, R::X3)), 0x0031_00b3);
    assert_eq!(single(|a| a.addi(R::X17, R::X12, 123)), 0x07b6_0893);
    assert_eq!(single(|a| a.addi(R::X1, R::X0, -1)), 0xfff0_0093);
    assert_eq!(single(|a| a.srai(R::X1, R::X1, 31)), 0x41f0_d093);
    assert_eq!(single(|a| a.mul(R::X10, R::X11, R::X12)), 0x02c5_8533);
    assert_eq!(single(|a| a.lui(R::X5, 0x12345)), 0x1234_52b7);
    assert_eq!(single(|a| a.sw(R::X2, -4, R::X3)), 0xfe21_ae23);
    assert_eq!(single(|a| a.lw(R::X1, -4, R::X2)), 0xffc1_2083);
    // B-type extremes: +4094 sets imm[11:1], -4096 only the sign bit imm[12].
    assert_eq!(single(|a| a.beq(R::X0, R::X0, 4094)), 0x7e00_0fe3);
    assert_eq!(single(|a| a.beq(R::X0, R::X0, -4096)), 0x8000_0063);
    // J-type extremes: +1048574 sets imm[19:1], -1048576 only the sign bit imm[20].
    assert_eq!(single(|a| a.jal(R::X0, 1_048_574)), 0x7fff_f06f);
    assert_eq!(single(|a| a.jal(R::X0, -1_048_576)), 0x8000_006f);
    assert_eq!(single(|a| a.jal(R::RA, 2048)), 0x0010_00ef);
    assert_eq!(single(|a| a.ecall()), 0x0000_0073);
    // OpenVM custom-0 (opcode 0x0b): terminate is an I-type with funct3 0 and the code as imm.
    assert_eq!(single(|a| a.terminate(0)), 0x0000_000b);
    assert_eq!(single(|a| a.terminate(255)), 0x0ff0_000b);
}

#[test]
fn label_offsets_at_the_limits() {
    use Reg as R;
    // Branches: +4092 (the largest multiple of 4) forward, -4096 backward.
    let mut a = Assembler::new();
    a.label("back").beq(R::A0, R::A1, "fwd");
    for _ in 0..1022 {
        a.nop();
    }
    a.label("fwd").bne(R::A2, R::A3, "back");
    let p = a.finish().unwrap();
    assert_eq!(rrs(p.text()[0], TEXT_BASE), format!("beq x10, x11, {:#010x}", TEXT_BASE + 4092));
    assert_eq!(rrs(p.text()[1023], TEXT_BASE + 4092), format!("bne x12, x13, {:#010x}", TEXT_BASE));
    a.beq(R::A0, R::A1, "back");
    assert_eq!(rrs(a.finish().unwrap().text()[1024], TEXT_BASE + 4096), format!("beq x10, x11, {TEXT_BASE:#010x}"));
    a.beq(R::A0, R::A1, "back");
    assert_eq!(
        a.finish(),
        Err(AsmError::OffsetOutOfRange { index: 1025, mnemonic: "beq", label: "back".into(), offset: -4100, min: -4096, max: 4094 })
    );

    let mut a = Assembler::new();
    a.beq(R::A0, R::A1, "far");
    for _ in 0..1023 {
        a.nop();
    }
    a.label("far").nop();
    assert!(matches!(a.finish(), Err(AsmError::OffsetOutOfRange { offset: 4096, .. })));

    // jal: +1048572 forward, -1048576 backward.
    let mut a = Assembler::new();
    a.label("start").jal(R::RA, "end");
    for _ in 0..262_142 {
        a.nop();
    }
    a.label("end").j("start");
    let p = a.finish().unwrap();
    let end = TEXT_BASE + 1_048_572;
    assert_eq!(rrs(p.text()[0], TEXT_BASE), format!("jal x1, {end:#010x}"));
    assert_eq!(rrs(p.text()[262_143], end), format!("jal x0, {TEXT_BASE:#010x}"));
    a.j("start");
    assert_eq!(rrs(a.finish().unwrap().text()[262_144], end + 4), format!("jal x0, {:#010x}", end + 4 - 1_048_576));
    a.j("start");
    assert!(matches!(a.finish(), Err(AsmError::OffsetOutOfRange { index: 262_145, mnemonic: "jal", offset: -1_048_580, .. })));
}

#[test]
fn assembler_errors_are_reported_not_panics() {
    use Reg as R;
    let finish = |build: &dyn Fn(&mut Assembler) -> &mut Assembler| {
        let mut a = Assembler::new();
        build(&mut a);
        a.finish()
    };
    assert_eq!(finish(&|a| a.j("nowhere")), Err(AsmError::UndefinedLabel { index: 0, mnemonic: "jal", label: "nowhere".into() }));
    assert!(matches!(finish(&|a| a.la(R::A0, "nowhere").terminate(0)), Err(AsmError::UndefinedLabel { mnemonic: "la", .. })));
    assert_eq!(finish(&|a| a.label("x").nop().label("x")), Err(AsmError::DuplicateLabel("x".into())));
    assert_eq!(finish(&|a| a.data_words("x", &[1]).label("x").nop()), Err(AsmError::DuplicateLabel("x".into())));
    assert!(matches!(finish(&|a| a.data_words("d", &[1]).beqz(R::A0, "d")), Err(AsmError::DataLabelAsTarget { .. })));
    assert_eq!(
        finish(&|a| a.nop().addi(R::A0, R::A0, 2048)),
        Err(AsmError::ImmediateOutOfRange { index: 1, mnemonic: "addi", value: 2048, min: -2048, max: 2047 })
    );
    assert!(matches!(finish(&|a| a.lw(R::A0, -2049, R::SP)), Err(AsmError::ImmediateOutOfRange { value: -2049, .. })));
    assert!(matches!(finish(&|a| a.slli(R::A0, R::A0, 32)), Err(AsmError::ImmediateOutOfRange { mnemonic: "slli", .. })));
    assert!(matches!(finish(&|a| a.lui(R::A0, 1 << 20)), Err(AsmError::ImmediateOutOfRange { mnemonic: "lui", .. })));
    assert!(matches!(finish(&|a| a.beq(R::A0, R::A1, 3)), Err(AsmError::MisalignedOffset { offset: 3, .. })));
    assert!(matches!(finish(&|a| a.beq(R::A0, R::A1, 4096)), Err(AsmError::ImmediateOutOfRange { value: 4096, .. })));
    assert!(matches!(finish(&|a| a.jal(R::A0, 1 << 20)), Err(AsmError::ImmediateOutOfRange { .. })));
    assert!(matches!(finish(&|a| a.reveal_u32(R::A0, 512)), Err(AsmError::ImmediateOutOfRange { mnemonic: "reveal_u32", .. })));
    assert_eq!(finish(&|a| a.data_words("d", &[1])), Err(AsmError::EmptyProgram));
    assert!(matches!(finish(&|a| a.reserve("big", 1 << 29).terminate(0)), Err(AsmError::ProgramTooLarge { .. })));
}

/// The OpenVM instructions, decoded by openvm's own transpiler into the VM instructions that
/// `openvm::io` / `openvm::process` produce.
#[test]
fn openvm_instructions_transpile_as_upstream() {
    use Reg as R;
    let mut a = Assembler::new();
    a.terminate(5)
        .reveal_u32(R::A0, 3)
        .reveal(R::A1, R::A2, -8)
        .hint_input()
        .hint_storew(R::A3)
        .hint_buffer(R::A4, R::A5)
        .print_str(R::A6, R::A7);
    let words = a.finish().unwrap().text().to_vec();
    let transpiled: Vec<Instruction<F>> =
        rv32im_transpiler().transpile(&words).unwrap().into_iter().map(|i| i.expect("one instruction per word")).collect();
    let reg = |r: Reg| (RV32_REGISTER_NUM_LIMBS as u32 * r.index()) as isize;
    let expected: Vec<Instruction<F>> = vec![
        Instruction { opcode: SystemOpcode::TERMINATE.global_opcode(), c: F::from_u8(5), ..Default::default() },
        // reveal = STOREW of rs1 to [rd + imm] in the public-values address space 3.
        Instruction::large_from_isize(Rv32LoadStoreOpcode::STOREW.global_opcode(), reg(R::A0), reg(R::ZERO), 12, 1, 3, 1, 0),
        Instruction::large_from_isize(Rv32LoadStoreOpcode::STOREW.global_opcode(), reg(R::A1), reg(R::A2), 0xfff8, 1, 3, 1, 1),
        Instruction::phantom(PhantomDiscriminant(Rv32Phantom::HintInput as u16), F::ZERO, F::ZERO, 0),
        Instruction::from_isize(Rv32HintStoreOpcode::HINT_STOREW.global_opcode(), 0, reg(R::A3), 0, 1, RV32_MEMORY_AS as isize),
        Instruction::from_isize(Rv32HintStoreOpcode::HINT_BUFFER.global_opcode(), reg(R::A5), reg(R::A4), 0, 1, RV32_MEMORY_AS as isize),
        Instruction::phantom(
            PhantomDiscriminant(Rv32Phantom::PrintStr as u16),
            F::from_u32(reg(R::A6) as u32),
            F::from_u32(reg(R::A7) as u32),
            0,
        ),
    ];
    assert_eq!(transpiled, expected);
}

// ---------------------------------------------------------------------------------------------
// ELF
// ---------------------------------------------------------------------------------------------

#[test]
fn elf_decodes_with_text_data_and_entry() {
    use Reg as R;
    let mut a = Assembler::new();
    a.data_bytes("bytes", &[1, 2, 3]).data_words("words", &[0xdead_beef]);
    a.la(R::A0, "words").lw(R::A1, 0, R::A0).terminate(0);
    let program = a.finish().unwrap();
    let elf_bytes = program.to_elf();
    assert_eq!(Elf::decode(&elf_bytes, ELF_MAX_MEM).unwrap().instructions, program.text());

    let exe: VmExe<F> = rv32im_exe(&elf_bytes).unwrap();
    assert_eq!((exe.pc_start, exe.program.pc_base, exe.program.len()), (TEXT_BASE, TEXT_BASE, 4));
    let words_at = program.label_address("words").unwrap();
    assert_eq!(program.label_address("bytes").unwrap(), program.data_base());
    assert_eq!(words_at, program.data_base() + 4);
    assert_eq!(program.data_base() % 16, 0);
    assert!(program.data_base() >= TEXT_BASE + 16);
    for (i, byte) in [1u8, 2, 3, 0, 0xef, 0xbe, 0xad, 0xde].into_iter().enumerate() {
        assert_eq!(exe.init_memory.get(&(RV32_MEMORY_AS, program.data_base() + i as u32)), Some(&byte));
    }
    // A program without data has a single segment and still decodes.
    let tiny = program_of(|a| a.terminate(0));
    assert_eq!(Elf::decode(&tiny, ELF_MAX_MEM).unwrap().instructions, vec![0x0000_000b]);
}

// ---------------------------------------------------------------------------------------------
// Execution
// ---------------------------------------------------------------------------------------------

#[test]
fn li_and_la_load_the_right_values() {
    use Reg as R;
    let constants =
        [0, 1, u32::MAX, 2047, (-2048i32) as u32, 2048, 0x7fff_f800, 0x7fff_ffff, 0x8000_0000, 0xffff_f800, 0x1234_5678, 0xdead_beef];
    let mut a = Assembler::new();
    a.data_words("table", &[0xcafe_f00d, 0x0bad_c0de]);
    for (i, &c) in constants.iter().enumerate() {
        a.li(R::T0, c).reveal_u32(R::T0, i as u32);
    }
    a.la(R::T1, "table").lw(R::T0, 4, R::T1).reveal_u32(R::T0, constants.len() as u32).terminate(0);
    let words = execute(&a.finish().unwrap().to_elf(), &[], 4 * (constants.len() + 1)).unwrap();
    assert_eq!(&words[..constants.len()], constants);
    assert_eq!(words[constants.len()], 0x0bad_c0de);
}

#[test]
fn fibonacci_guest() {
    assert_eq!(asm::fibonacci_public_values(10), [10, 55]);
    assert_eq!(asm::fibonacci_public_values(48), [48, 4_807_526_976u64 as u32]);
    for n in [0, 1, 2, 10, 48, 1000] {
        assert_guest(&asm::fibonacci(n), &[], &asm::fibonacci_public_values(n));
    }
}

#[test]
fn mixed_guest() {
    for seed in [0, 1, 0xdead_beef, 12345] {
        assert_guest(&asm::mixed(seed), &[], &asm::mixed_public_values(seed));
    }
    // The revealed minimum and maximum, checked without sorting: the data holds i32::MIN, -1, 0, 7
    // and twelve LCG words.
    let mut x = 7u32;
    let lcg_words: Vec<u32> = (0..12)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            x
        })
        .collect();
    let largest = lcg_words.iter().map(|&w| w as i32).chain([7]).max().unwrap() as u32;
    let pv = asm::mixed_public_values(7);
    assert_eq!((pv[1], pv[2]), (0x8000_0000, largest));
}

#[test]
fn long_running_guest_executes_over_a_million_instructions() {
    let iterations = 200_000;
    let elf = asm::long_running(iterations);
    let count = asm::long_running_instruction_count(iterations);
    assert!(count > 3_000_000, "{count}");
    assert_guest(&elf, &[], &asm::long_running_public_values(iterations));

    // Exactly `count` instructions: after `count - 1` of them the next one is the terminate.
    let exe: VmExe<F> = rv32im_exe(&elf).unwrap();
    let executor = VmExecutor::<F, _>::new(Rv32ImConfig::with_public_values(GUEST_PUBLIC_VALUE_BYTES)).unwrap();
    let instance = executor.instance(&exe).unwrap();
    let exit_pc = TEXT_BASE + 4 * (exe.program.len() as u32 - 1);
    assert_eq!(instance.execute(Vec::<Vec<F>>::new(), Some(count - 1)).unwrap().pc(), exit_pc);
    assert_ne!(instance.execute(Vec::<Vec<F>>::new(), Some(count - 2)).unwrap().pc(), exit_pc);

    assert_eq!(asm::long_running_instruction_count(0) + 16 * 5, asm::long_running_instruction_count(5));
    assert_guest(&asm::long_running(0), &[], &asm::long_running_public_values(0));
}

#[test]
fn sum_input_guest_reads_the_input_stream() {
    let elf = asm::sum_input();
    let x: u64 = 0x0123_4567_89ab_cdef;
    assert_eq!(asm::sum_input_public_values(&x.to_le_bytes())[..3], [8, 2, 0x89ab_cdef_u32.wrapping_add(0x0123_4567)]);
    let words: Vec<u8> = [1u32, 2, 3, u32::MAX, 0x8000_0000].iter().flat_map(|w| w.to_le_bytes()).collect();
    let odd_length = [0xffu8, 1, 2, 3, 4, 5, 6];
    for input in [&x.to_le_bytes()[..], &words, &odd_length, &[]] {
        assert_guest(&elf, &[input], &asm::sum_input_public_values(input));
    }
    // Only the first input is read.
    assert_guest(&elf, &[&words, &odd_length], &asm::sum_input_public_values(&words));
}

#[test]
fn failures_are_errors_not_panics() {
    use Reg as R;
    let run = |elf: Vec<u8>, inputs: &[&[u8]]| execute(&elf, inputs, GUEST_PUBLIC_VALUE_BYTES);
    // Non-zero exit code.
    assert!(matches!(run(program_of(|a| a.terminate(1)), &[]), Err(ExecutionError::FailedWithExitCode(1))));
    // Unsupported instruction: ecall is transpiled to a terminate with exit code 2.
    assert!(matches!(run(program_of(|a| a.li(R::A0, 1).ecall().terminate(0)), &[]), Err(ExecutionError::FailedWithExitCode(2))));
    // Misaligned halfword load. (A misaligned `lw` is not caught: the executor loads the aligned
    // word, as upstream's LoadWOp ignores the shift.)
    assert!(matches!(run(program_of(|a| a.li(R::A0, 0x1000).lhu(R::A1, 1, R::A0).terminate(0)), &[]), Err(ExecutionError::Fail { .. })));
    // Reading input that was not given.
    assert!(matches!(run(asm::sum_input(), &[]), Err(ExecutionError::Phantom { .. })));
    // Jumping outside the program, and running off its end.
    assert!(run(program_of(|a| a.li(R::A0, 0x100).jalr(R::ZERO, 0, R::A0)), &[]).is_err());
    assert!(matches!(run(program_of(|a| a.nop()), &[]), Err(ExecutionError::PcOutOfBounds(_))));
    // An illegal word does not even transpile.
    let illegal = program_of(|a| a.word(0).terminate(0));
    assert!(rv32im_exe(&illegal).is_err());
}

//! `cargo openvm`'s input and executable formats (src/input.rs) against items written out by
//! hand from openvm-sdk's `StdIn::write_bytes` (one element per byte) and `write_field` (the
//! little-endian words, reduced modulo p), and an executable through its file format and back.

use openvm_wgpu_backend::field::F;
use openvm_wgpu_circuit::{
    elf::rv32im_exe,
    input::{hex_item, read_input, read_vmexe, write_vmexe, InputError},
};
use openvm_wgpu_fixtures::asm;
use p3_field::{PrimeCharacteristicRing, PrimeField32};

fn bytes(b: &[u8]) -> Vec<F> {
    b.iter().map(|&x| F::from_u8(x)).collect()
}

#[test]
fn hex_items_decode_as_cargo_openvm_reads_them() {
    assert_eq!(hex_item("0x01").unwrap(), Vec::<F>::new());
    assert_eq!(hex_item("01ff00a5").unwrap(), bytes(&[0xff, 0x00, 0xa5]));
    assert_eq!(hex_item("0x01FFab").unwrap(), bytes(&[0xff, 0xab]));
    // 02: little-endian words; p and above reduce modulo p.
    let words = hex_item("0x020100000078563412ffffffff01000078").unwrap();
    let p = F::ORDER_U32;
    assert_eq!(words, vec![F::from_u32(1), F::from_u32(0x12345678), F::from_u32(u32::MAX % p), F::from_u32(0)]);
    assert_eq!(0x7800_0001, p);
    for bad in ["", "0x", "1", "0x0", "03ff", "00", "01fg", "0x0201", "02010203", "0x0x01"] {
        assert!(matches!(hex_item(bad), Err(InputError::Hex(_))), "{bad:?} should be refused");
    }
}

#[test]
fn inputs_are_hex_json_files_raw_files_or_u64s() {
    let dir = std::env::temp_dir().join(format!("openvm-wgpu-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, contents: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap();
        path.display().to_string()
    };
    // One hex string: one item.
    assert_eq!(read_input("0x010203").unwrap(), vec![bytes(&[2, 3])]);
    // A JSON file: its items in order, bytes and field elements mixed.
    let json = write("in.json", b" \n{\"input\": [\"0x01abcd\", \"02ffffff7f\", \"01\"]}");
    assert_eq!(read_input(&json).unwrap(), vec![bytes(&[0xab, 0xcd]), vec![F::from_u32(0x7fff_ffff)], vec![]]);
    // Any other file: its bytes, one item.
    let raw = write("in.bin", &[0, 1, 2, 250]);
    assert_eq!(read_input(&raw).unwrap(), vec![bytes(&[0, 1, 2, 250])]);
    // A decimal u64: its little-endian bytes.
    assert_eq!(read_input("87500").unwrap(), vec![bytes(&87_500u64.to_le_bytes())]);
    // Errors name the file and the item.
    let not_array = write("a.json", b"{\"input\": \"0x01\"}");
    assert!(read_input(&not_array).unwrap_err().to_string().contains("an array under the key \"input\""));
    let bad_item = write("b.json", b"{\"input\": [\"0x01\", 7]}");
    assert!(read_input(&bad_item).unwrap_err().to_string().contains("input[1] is not a hex string"));
    let bad_hex = write("c.json", b"{\"input\": [\"0x05\"]}");
    let e = read_input(&bad_hex).unwrap_err().to_string();
    assert!(e.contains("c.json") && e.contains("input[0]") && e.contains("must start with 01"), "{e}");
    let broken = write("d.json", b"{\"input\": [");
    assert!(read_input(&broken).unwrap_err().to_string().contains("not JSON"));
    assert!(read_input("no such file, no hex").unwrap_err().to_string().contains("neither a hex string"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn executables_round_trip_through_the_vmexe_format() {
    let exe = rv32im_exe(&asm::fibonacci(10)).unwrap();
    let file = write_vmexe(&exe).unwrap();
    let back = read_vmexe("app.vmexe", &file).unwrap();
    assert_eq!(back.pc_start, exe.pc_start);
    assert_eq!(back.init_memory, exe.init_memory);
    assert_eq!(format!("{:?}", back.program), format!("{:?}", exe.program));
    assert_eq!(write_vmexe(&back).unwrap(), file);
    let e = read_vmexe("app.vmexe", &file[..file.len() / 2]).unwrap_err().to_string();
    assert!(e.contains("app.vmexe: not an executable"), "{e}");
}

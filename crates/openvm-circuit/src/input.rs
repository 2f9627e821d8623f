//! Guest input and executables in the formats `cargo openvm` reads and writes, so that a user's
//! existing files work: `--input` as one hex string or a JSON file `{"input": ["0x01…", …]}`,
//! each hex string a byte string after the prefix `01` or little-endian 32-bit field elements
//! after `02` (openvm-sdk's `StdIn::write_bytes` and `write_field`); and the `.vmexe` executable
//! `cargo openvm build` writes (bitcode-serialized `VmExe`).

use std::path::Path;

use openvm_circuit::arch::{instructions::exe::VmExe, Streams};
use openvm_wgpu_backend::field::F;
use p3_field::PrimeCharacteristicRing;

/// Why an input or executable file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{0}")]
    Hex(String),
    #[error("{path}: {message}")]
    Json { path: String, message: String },
    #[error("{path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: not an executable `cargo openvm build` writes (.vmexe): {message}")]
    Vmexe { path: String, message: String },
}

/// One input item: the field elements one `openvm::io::read` call consumes.
pub type InputItem = Vec<F>;

/// The stream a guest reads `items` from.
pub fn streams(items: &[InputItem]) -> Streams<F> {
    Streams::from(items.to_vec())
}

/// Decodes one of `cargo openvm`'s hex strings (an optional `0x`, then `01` and bytes, or `02`
/// and whole little-endian 32-bit field elements) into its input item.
pub fn hex_item(text: &str) -> Result<InputItem, InputError> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    if !digits.len().is_multiple_of(2) || !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(InputError::Hex(format!("{text}: not a hex string of whole bytes")));
    }
    let bytes: Vec<u8> = (0..digits.len()).step_by(2).map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap_or(0)).collect();
    match bytes.split_first() {
        Some((0x01, data)) => Ok(data.iter().map(|&b| F::from_u8(b)).collect()),
        // Reduced modulo p, as `cargo openvm` reads them.
        Some((0x02, data)) if data.len().is_multiple_of(4) => {
            Ok(data.chunks_exact(4).map(|w| F::from_u32(u32::from_le_bytes([w[0], w[1], w[2], w[3]]))).collect())
        }
        Some((0x02, _)) => Err(InputError::Hex(format!("{text}: after 02, whole 32-bit field elements (8 hex digits each)"))),
        _ => Err(InputError::Hex(format!("{text}: must start with 01 (bytes) or 02 (field elements)"))),
    }
}

/// The items of a `cargo openvm` input file (`{"input": [hex strings]}`), in order.
pub fn json_items(path: &str, text: &str) -> Result<Vec<InputItem>, InputError> {
    let json_error = |message: String| InputError::Json { path: path.to_string(), message };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| json_error(format!("not JSON: {e}")))?;
    let items = value["input"].as_array().ok_or_else(|| json_error("the input must be an array under the key \"input\"".to_string()))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let text = item.as_str().ok_or_else(|| json_error(format!("input[{i}] is not a hex string")))?;
            hex_item(text).map_err(|e| json_error(format!("input[{i}]: {e}")))
        })
        .collect()
}

/// The guest input `arg` names, as `cargo openvm --input` takes it: a hex string, or a file.
/// A file that holds a JSON object is `cargo openvm`'s format; any other file is one byte string
/// (the whole file). A decimal `u64` that is neither is one item of its 8 little-endian bytes
/// (what `StdIn::write` makes of a `u64`).
pub fn read_input(arg: &str) -> Result<Vec<InputItem>, InputError> {
    if let Ok(item) = hex_item(arg) {
        return Ok(vec![item]);
    }
    let path = Path::new(arg);
    if path.is_file() {
        let bytes = std::fs::read(path).map_err(|source| InputError::Read { path: arg.to_string(), source })?;
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
            let text = String::from_utf8(bytes).map_err(|e| InputError::Json { path: arg.to_string(), message: e.to_string() })?;
            return json_items(arg, &text);
        }
        return Ok(vec![bytes.iter().map(|&b| F::from_u8(b)).collect()]);
    }
    if let Ok(n) = arg.parse::<u64>() {
        return Ok(vec![n.to_le_bytes().iter().map(|&b| F::from_u8(b)).collect()]);
    }
    Err(InputError::Hex(format!(
        "{arg}: neither a hex string starting with 01 or 02, nor a file, nor a u64 (`cargo openvm` takes a hex string or a JSON file {{\"input\": [...]}})"
    )))
}

/// Whether `bytes` start as an ELF file does.
pub fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}

/// The executable `cargo openvm build` writes (`app.vmexe`: openvm-sdk's bitcode serialization
/// of the transpiled `VmExe`).
pub fn read_vmexe(path: &str, bytes: &[u8]) -> Result<VmExe<F>, InputError> {
    bitcode::deserialize(bytes).map_err(|e| InputError::Vmexe { path: path.to_string(), message: e.to_string() })
}

/// `exe` as `cargo openvm build` writes it (the inverse of [`read_vmexe`]).
pub fn write_vmexe(exe: &VmExe<F>) -> Result<Vec<u8>, InputError> {
    bitcode::serialize(exe).map_err(|e| InputError::Vmexe { path: String::new(), message: e.to_string() })
}

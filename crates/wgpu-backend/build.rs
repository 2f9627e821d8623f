//! Lists the WGSL files under shaders/ into `$OUT_DIR/shader_files.rs`, so that the tests can
//! check every file is described by a kernel (src/kernels/mod.rs, `ALL`) without reading the
//! source tree when they run.

use std::{fs, path::Path};

fn wgsl_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "wgsl"))
        .map(|p| p.file_name().expect("file name").to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn main() {
    let shaders = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    println!("cargo:rerun-if-changed={}", shaders.display());
    println!("cargo:rerun-if-changed={}", shaders.join("shared").display());
    let list = |names: Vec<String>| names.iter().map(|n| format!("    {n:?},\n")).collect::<String>();
    let out = format!(
        "/// Kernel files under shaders/ (not shared/), listed at build time by build.rs.\n\
         pub const KERNEL_FILES: &[&str] = &[\n{}];\n\n\
         /// Shared include files under shaders/shared/, listed at build time by build.rs.\n\
         pub const SHARED_INCLUDE_FILES: &[&str] = &[\n{}];\n",
        list(wgsl_files(&shaders)),
        list(wgsl_files(&shaders.join("shared"))),
    );
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR is set for build scripts")).join("shader_files.rs");
    fs::write(&dest, out).unwrap_or_else(|e| panic!("writing {}: {e}", dest.display()));
}

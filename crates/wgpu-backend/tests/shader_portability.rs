//! Every WGSL source parses and validates with naga and translates to MSL 2.3 (Metal) and HLSL
//! shader model 6.0 (DX12), with the override constants the launch-geometry rules give on each
//! reference device, so a kernel that cannot reach Metal or DX12 fails here.

use naga::{
    back::{hlsl, msl, pipeline_constants::process_overrides},
    valid::{Capabilities, ValidationFlags, Validator},
};
use openvm_wgpu_backend::{
    common::limits::reference,
    kernels::plans,
    shaders::{assemble_for, shared, KERNELS, SHARED_FILES},
};

fn validate(src: &str, subgroups: bool) -> Result<(naga::Module, naga::valid::ModuleInfo), String> {
    let module = naga::front::wgsl::parse_str(src).map_err(|e| e.emit_to_string(src))?;
    let mut caps = Capabilities::SHADER_INT64;
    if subgroups {
        caps |= Capabilities::SUBGROUP;
    }
    let info = Validator::new(ValidationFlags::all(), caps).validate(&module).map_err(|e| e.emit_to_string(src))?;
    Ok((module, info))
}

#[test]
fn every_kernel_validates_and_translates_to_msl_and_hlsl() {
    let mut compiled = 0;
    for (device, limits) in reference::all() {
        for plan in plans(&limits).unwrap() {
            let what = format!("{} {} on {device}", plan.kernel.name, plan.variant);
            let src = assemble_for(&plan.kernel, limits.subgroups);
            let (module, info) = validate(&src, limits.subgroups).unwrap_or_else(|e| panic!("{what}: {e}"));
            let constants: naga::back::PipelineConstants = plan.key.constants.iter().map(|(k, v)| (k.clone(), *v as f64)).collect();
            let (module, info) = process_overrides(&module, &info, Some((naga::ShaderStage::Compute, "main")), &constants)
                .unwrap_or_else(|e| panic!("{what}: overrides: {e}"));

            let msl_options = msl::Options { lang_version: (2, 3), ..Default::default() };
            let msl_pipeline =
                msl::PipelineOptions { entry_point: Some((naga::ShaderStage::Compute, "main".into())), ..Default::default() };
            let (metal, _) =
                msl::write_string(&module, &info, &msl_options, &msl_pipeline).unwrap_or_else(|e| panic!("{what}: MSL: {e:?}"));
            assert!(metal.contains("kernel void"), "{what}: no Metal kernel emitted");

            let hlsl_options = hlsl::Options { shader_model: hlsl::ShaderModel::V6_0, ..Default::default() };
            let hlsl_pipeline = hlsl::PipelineOptions { entry_point: Some((naga::ShaderStage::Compute, "main".into())) };
            let mut hlsl_src = String::new();
            hlsl::Writer::new(&mut hlsl_src, &hlsl_options, &hlsl_pipeline)
                .write(&module, &info, None)
                .unwrap_or_else(|e| panic!("{what}: HLSL: {e:?}"));
            assert!(hlsl_src.contains("[numthreads("), "{what}: no HLSL compute entry emitted");
            compiled += 1;
        }
    }
    assert!(compiled >= KERNELS.len() * 5);
}

#[test]
fn kernels_without_subgroups_need_no_subgroup_capability() {
    for kernel in KERNELS {
        let src = assemble_for(kernel, false);
        validate(&src, false).unwrap_or_else(|e| panic!("{} without subgroups: {e}", kernel.name));
        let uses_builtin = src.match_indices("subgroup").any(|(i, _)| src[i + 8..].starts_with(|c: char| c.is_ascii_uppercase()));
        assert!(!uses_builtin, "{} calls subgroup builtins in its fallback form", kernel.name);
    }
}

/// Launch geometry reaches WGSL only through override constants (docs/ARCHITECTURE.md rule 1).
#[test]
fn no_literal_workgroup_sizes_or_workgroup_memory_sizes() {
    for src in KERNELS.iter().chain(shared()) {
        for (i, line) in src.source.lines().enumerate() {
            let l = line.trim();
            if let Some(rest) = l.strip_prefix("@workgroup_size(") {
                assert!(!rest.starts_with(|c: char| c.is_ascii_digit()), "{}:{}: literal workgroup size: {l}", src.name, i + 1);
            }
            if l.starts_with("var<workgroup>") {
                let len = l.rsplit(',').next().unwrap_or("").trim_end_matches(['>', ';', ' ']).trim();
                assert!(!len.starts_with(|c: char| c.is_ascii_digit()), "{}:{}: literal workgroup array length: {l}", src.name, i + 1);
            }
        }
    }
}

/// Every .wgsl file in the shader directory is registered (and so covered above). The directory
/// is found relative to the working directory, which is the package under `cargo test` and the
/// repository root when the test executable runs on its own.
#[test]
fn every_wgsl_file_is_registered() {
    let dir = ["shaders", "crates/wgpu-backend/shaders"].into_iter().map(std::path::Path::new).find(|p| p.is_dir());
    let Some(dir) = dir else {
        panic!("shader directory not found from {:?}; run from the repository root", std::env::current_dir());
    };
    let registered: Vec<&str> = KERNELS.iter().chain(SHARED_FILES).map(|k| k.source).collect();
    let mut count = 0;
    for sub in [dir.to_path_buf(), dir.join("shared")] {
        for entry in std::fs::read_dir(&sub).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "wgsl") {
                let text = std::fs::read_to_string(&path).unwrap();
                assert!(registered.contains(&text.as_str()), "{} is not registered in shaders.rs", path.display());
                count += 1;
            }
        }
    }
    assert_eq!(count, registered.len());
}

//! Every WGSL source parses and validates with naga and translates to MSL 2.3 (Metal) and HLSL
//! shader model 6.0 (DX12), with the override constants the launch-geometry rules give on each
//! reference device, so a kernel that cannot reach Metal or DX12 fails here. Kernels come from
//! the one list `kernels::ALL`; every WGSL file must be described there exactly once, and every
//! kernel's Rust parameter struct must match its WGSL `struct Params` field for field.

use naga::{
    back::{hlsl, msl, pipeline_constants::process_overrides},
    valid::{Capabilities, ValidationFlags, Validator},
};
use openvm_wgpu_backend::{
    common::limits::reference,
    kernels::{plans, KernelDesc, ALL},
    shaders::{assemble_for, shared, KERNEL_FILES, SHARED_FILES, SHARED_INCLUDE_FILES},
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
    assert!(compiled >= ALL.len() * reference::all().len());
}

#[test]
fn kernels_without_subgroups_need_no_subgroup_capability() {
    for kernel in ALL.iter().map(|k| k.source()) {
        let src = assemble_for(kernel, false);
        validate(&src, false).unwrap_or_else(|e| panic!("{} without subgroups: {e}", kernel.name));
        let uses_builtin = src.match_indices("subgroup").any(|(i, _)| src[i + 8..].starts_with(|c: char| c.is_ascii_uppercase()));
        assert!(!uses_builtin, "{} calls subgroup builtins in its fallback form", kernel.name);
    }
}

/// Launch geometry reaches WGSL only through override constants (docs/ARCHITECTURE.md rule 1).
#[test]
fn no_literal_workgroup_sizes_or_workgroup_memory_sizes() {
    for src in ALL.iter().map(|k| k.source()).chain(shared()) {
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

/// Every .wgsl file under shaders/ (listed by build.rs when the crate was built, so the source
/// tree is not needed here) is described by exactly one kernel of `kernels::ALL`, every kernel's
/// file exists, and every file under shaders/shared/ is a shared include.
#[test]
fn every_wgsl_file_is_described_by_exactly_one_kernel() {
    for file in KERNEL_FILES {
        let owners: Vec<&str> = ALL.iter().filter(|k| k.wgsl.file == *file).map(|k| k.name()).collect();
        assert_eq!(owners.len(), 1, "shaders/{file} is described by {owners:?} in kernels::ALL; it needs exactly one kernel");
    }
    for k in ALL {
        assert!(KERNEL_FILES.contains(&k.wgsl.file), "kernel {} names shaders/{}, which is not a file there", k.name(), k.wgsl.file);
        assert_eq!(k.wgsl.file, format!("{}.wgsl", k.name()), "kernel {} is not named after its file", k.name());
    }
    let mut names: Vec<&str> = ALL.iter().map(|k| k.name()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), ALL.len(), "kernel names in kernels::ALL are not unique");

    for file in SHARED_INCLUDE_FILES {
        let name = file.trim_end_matches(".wgsl");
        assert!(SHARED_FILES.iter().any(|s| s.name == name), "shaders/shared/{file} is not registered in shaders::SHARED_FILES");
    }
    assert_eq!(SHARED_FILES.len(), SHARED_INCLUDE_FILES.len(), "shaders::SHARED_FILES names a file not in shaders/shared/");
}

/// The `Params` uniform of one kernel as naga lays it out: (name, offset, size) per member, and
/// the struct's size.
fn wgsl_params(k: &KernelDesc) -> (Vec<(String, usize, usize)>, usize) {
    let src = assemble_for(k.source(), false);
    let module = naga::front::wgsl::parse_str(&src).unwrap_or_else(|e| panic!("{}: {}", k.name(), e.emit_to_string(&src)));
    let mut uniforms = module.global_variables.iter().filter(|(_, v)| v.space == naga::AddressSpace::Uniform);
    let (_, var) = uniforms.next().unwrap_or_else(|| panic!("kernel {}: no uniform `Params`", k.name()));
    assert!(uniforms.next().is_none(), "kernel {}: more than one uniform", k.name());
    let ty = &module.types[var.ty];
    assert_eq!(ty.name.as_deref(), Some("Params"), "kernel {}: the uniform's type is not `Params`", k.name());
    let naga::TypeInner::Struct { members, span } = &ty.inner else {
        panic!("kernel {}: `Params` is not a struct", k.name());
    };
    let gctx = module.to_ctx();
    let fields = members
        .iter()
        .map(|m| (m.name.clone().unwrap_or_default(), m.offset as usize, module.types[m.ty].inner.size(gctx) as usize))
        .collect();
    (fields, *span as usize)
}

/// Each kernel's Rust parameter struct (`kernel_params!`) has the WGSL `struct Params`'s
/// members: the same names, offsets and sizes, in order, and the same total size.
#[test]
fn rust_params_structs_match_wgsl_params() {
    for k in ALL {
        let (wgsl, span) = wgsl_params(k);
        let rust = k.params.fields;
        for (i, (name, offset, size)) in wgsl.iter().enumerate() {
            let Some(f) = rust.get(i) else {
                panic!("kernel {}: WGSL field `{name}` (offset {offset}, size {size}) is missing from the Rust params struct", k.name());
            };
            assert!(
                f.name == name && f.offset == *offset && f.size == *size,
                "kernel {}: field {i} is `{}` at offset {} ({} bytes) in Rust but `{name}` at offset {offset} ({size} bytes) in WGSL",
                k.name(),
                f.name,
                f.offset,
                f.size
            );
        }
        if let Some(f) = rust.get(wgsl.len()) {
            panic!("kernel {}: Rust field `{}` (offset {}) is not in the WGSL `struct Params`", k.name(), f.name, f.offset);
        }
        assert_eq!(k.params.size, span, "kernel {}: Rust params struct is {} bytes, WGSL `Params` {span}", k.name(), k.params.size);
    }
}

//! Every trace-generation kernel parses and validates with naga and translates to MSL 2.3
//! (Metal) and HLSL shader model 6.0 (DX12), with the workgroup size the elementwise rule gives
//! on each reference device; every WGSL file under shaders/ is a kernel of `tracegen::kernels`
//! or an include of `tracegen::kernel::SHARED`, and the Rust `TraceParams` matches the WGSL struct field for field.

use naga::{
    back::{hlsl, msl, pipeline_constants::process_overrides},
    valid::{Capabilities, ValidationFlags, Validator},
};
use openvm_wgpu_backend::common::limits::{elementwise, reference};
use openvm_wgpu_circuit::tracegen::{
    kernel::{TraceParams, SHARED},
    kernels,
};

fn translate(what: &str, src: &str, subgroups: bool, workgroup_size: u32) {
    let module = naga::front::wgsl::parse_str(src).unwrap_or_else(|e| panic!("{what}: {}", e.emit_to_string(src)));
    let mut caps = Capabilities::SHADER_INT64;
    if subgroups {
        caps |= Capabilities::SUBGROUP;
    }
    let info =
        Validator::new(ValidationFlags::all(), caps).validate(&module).unwrap_or_else(|e| panic!("{what}: {}", e.emit_to_string(src)));
    let constants: naga::back::PipelineConstants = [("WORKGROUP_SIZE".to_string(), workgroup_size as f64)].into_iter().collect();
    let (module, info) = process_overrides(&module, &info, Some((naga::ShaderStage::Compute, "main")), &constants)
        .unwrap_or_else(|e| panic!("{what}: overrides: {e}"));
    let msl_options = msl::Options { lang_version: (2, 3), ..Default::default() };
    let msl_pipeline = msl::PipelineOptions { entry_point: Some((naga::ShaderStage::Compute, "main".into())), ..Default::default() };
    let (metal, _) = msl::write_string(&module, &info, &msl_options, &msl_pipeline).unwrap_or_else(|e| panic!("{what}: MSL: {e:?}"));
    assert!(metal.contains("kernel void"), "{what}: no Metal kernel emitted");
    let hlsl_options = hlsl::Options { shader_model: hlsl::ShaderModel::V6_0, ..Default::default() };
    let hlsl_pipeline = hlsl::PipelineOptions { entry_point: Some((naga::ShaderStage::Compute, "main".into())) };
    let mut hlsl_src = String::new();
    hlsl::Writer::new(&mut hlsl_src, &hlsl_options, &hlsl_pipeline)
        .write(&module, &info, None)
        .unwrap_or_else(|e| panic!("{what}: HLSL: {e:?}"));
    assert!(hlsl_src.contains("[numthreads("), "{what}: no HLSL compute entry emitted");
}

#[test]
fn every_trace_kernel_validates_and_translates_to_msl_and_hlsl() {
    for (device, limits) in reference::all() {
        for kernel in kernels() {
            let what = format!("{} on {device}", kernel.name());
            let src = kernel.assembled(limits.subgroups).unwrap_or_else(|e| panic!("{what}: {e}"));
            translate(&what, &src, limits.subgroups, elementwise(&limits).workgroup_size[0]);
        }
    }
}

#[test]
fn every_wgsl_file_is_a_kernel_once() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/shaders");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wgsl"))
        .collect();
    files.sort();
    let mut named: Vec<String> = kernels().iter().map(|k| format!("{}.wgsl", k.name())).collect();
    named.sort();
    assert_eq!(files, named, "shaders/*.wgsl against tracegen::kernels()");
    let mut shared: Vec<String> =
        std::fs::read_dir(format!("{dir}/shared")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    shared.sort();
    let mut includes: Vec<String> = SHARED.iter().map(|s| format!("{}.wgsl", s.name)).collect();
    includes.sort();
    assert_eq!(shared, includes, "shaders/shared/*.wgsl against tracegen::kernel::SHARED");
}

#[test]
fn trace_params_match_the_wgsl_struct() {
    let wgsl = include_str!("../../shaders/shared/tracegen.wgsl");
    let body = &wgsl[wgsl.find("struct TraceParams {").unwrap()..];
    let body = &body[..body.find('}').unwrap()];
    let wgsl_fields: Vec<&str> = body
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .map(|l| l.split(':').next().unwrap().trim())
        .collect();
    // Debug lists the Rust fields in declaration order.
    let debug = format!("{:?}", TraceParams::default());
    let rust_fields: Vec<&str> = debug
        .trim_start_matches("TraceParams {")
        .trim_end_matches('}')
        .split(',')
        .map(|f| f.split(':').next().unwrap().trim())
        .filter(|f| !f.is_empty())
        .collect();
    assert_eq!(wgsl_fields, rust_fields);
    assert_eq!(std::mem::size_of::<TraceParams>(), 4 * wgsl_fields.len(), "every field a u32");
}

//! Compiled pipelines kept on disk (wgpu-common's pipeline_cache): a device that compiled a
//! kernel writes its cache file once; a new device reads it and the kernel still computes the
//! right values; a corrupt file falls back to an empty cache without an error; with caching off
//! nothing is written.

use openvm_wgpu_backend::{
    common::ContextOptions,
    field::{as_words, from_words, F},
    kernels::field_ops::{apply, FieldOp},
    GpuContext, LimitProfile,
};
use p3_field::PrimeCharacteristicRing;

fn open(dir: &std::path::Path) -> GpuContext {
    let opts = ContextOptions { pipeline_cache_dir: Some(dir.to_path_buf()), ..ContextOptions::with_profile(LimitProfile::Native) };
    GpuContext::new(&opts).expect("a GPU adapter (scripts/ensure-vulkan.sh installs lavapipe)")
}

/// Squares of 0..64 through the field_ops kernel (its pipeline goes into the cache).
fn check_kernel(ctx: &GpuContext) {
    let a: Vec<F> = (0..64).map(F::from_u32).collect();
    let got = from_words(apply(ctx, FieldOp::Mul, a.len(), as_words(&a), as_words(&a)).unwrap()).unwrap();
    assert_eq!(got, a.iter().map(|x| *x * *x).collect::<Vec<_>>());
}

#[test]
fn pipelines_are_kept_on_disk_between_devices() {
    let dir = std::env::temp_dir().join(format!("openvm-wgpu-pipeline-cache-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let first = open(&dir);
    let Some((file, loaded)) = first.pipeline_cache_file().map(|(p, n)| (p.to_path_buf(), n)) else {
        // Only Vulkan drivers keep pipeline caches; elsewhere nothing is written.
        assert_ne!(first.adapter_info.backend, wgpu::Backend::Vulkan, "a Vulkan device without a pipeline cache");
        check_kernel(&first);
        assert!(!first.save_pipeline_cache());
        return;
    };
    assert_eq!(loaded, 0, "a fresh directory holds no cache");
    check_kernel(&first);
    assert!(first.save_pipeline_cache(), "newly compiled pipelines are written");
    assert!(!first.save_pipeline_cache(), "nothing new to write");
    let bytes = std::fs::metadata(&file).unwrap().len();
    assert!(bytes > 0, "{} is empty", file.display());
    drop(first);

    let second = open(&dir);
    assert_eq!(second.pipeline_cache_file().unwrap().1 as u64, bytes, "the new device reads the whole file");
    check_kernel(&second);
    drop(second);

    std::fs::write(&file, b"not a pipeline cache").unwrap();
    let third = open(&dir);
    check_kernel(&third);
    drop(third);
    let _ = std::fs::remove_dir_all(&dir);
}

//! Compiled pipelines kept on disk between processes: wgpu's `PipelineCache` (Vulkan drivers
//! support it; elsewhere nothing is cached), one file per adapter and driver
//! (`wgpu::util::pipeline_cache_key`) in the user's cache directory.
//!
//! The file is read when a device opens and written, when new pipelines were compiled, by
//! [`crate::GpuContext::save_pipeline_cache`] (the engine calls it after each proof) and when the
//! context is dropped. A write goes to a temporary file renamed over the old one, so processes
//! sharing the directory never read a partial file; the driver checks the data's header and
//! falls back to an empty cache when it belongs to another driver version, so a stale or
//! deleted file only costs compile time. Caching never fails a proof: errors are logged.

use std::{
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, Ordering},
        Mutex,
    },
};

/// `OPENVM_WGPU_PIPELINE_CACHE`: a directory for the cache files, or `off`.
pub const PIPELINE_CACHE_ENV: &str = "OPENVM_WGPU_PIPELINE_CACHE";

/// Where cache files go by default: `$OPENVM_WGPU_PIPELINE_CACHE`, else the platform's user cache
/// directory (`$XDG_CACHE_HOME` or `~/.cache` on Linux, `~/Library/Caches` on macOS,
/// `%LOCALAPPDATA%` on Windows) under `openvm-wgpu/pipelines`. `None` when disabled or unknown.
pub fn default_dir() -> Option<PathBuf> {
    if let Ok(v) = std::env::var(PIPELINE_CACHE_ENV) {
        return (!v.is_empty() && v != "off").then(|| PathBuf::from(v));
    }
    let base = if cfg!(target_os = "windows") {
        std::env::var_os("LOCALAPPDATA").map(PathBuf::from)
    } else if cfg!(target_os = "macos") {
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join("Library/Caches"))
    } else {
        std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from).or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
    };
    base.map(|b| b.join("openvm-wgpu").join("pipelines"))
}

/// A device's pipeline cache and the file it lives in.
pub(crate) struct DiskPipelineCache {
    pub(crate) cache: wgpu::PipelineCache,
    path: PathBuf,
    /// Whether pipelines were compiled since the last write.
    dirty: AtomicBool,
    /// Serializes writes from several threads.
    writing: Mutex<()>,
    /// Bytes read at start (0: none, or unusable).
    pub(crate) loaded_bytes: usize,
}

impl DiskPipelineCache {
    /// Opens the cache for `device` from `dir`, when the device supports pipeline caches.
    pub(crate) fn open(device: &wgpu::Device, info: &wgpu::AdapterInfo, dir: &Path) -> Option<Self> {
        if !device.features().contains(wgpu::Features::PIPELINE_CACHE) {
            return None;
        }
        let path = dir.join(wgpu::util::pipeline_cache_key(info)?);
        let data = std::fs::read(&path).ok();
        // SAFETY: the data was written by `get_data` of a cache created for this adapter (the
        // file name is wgpu's key for the adapter and driver); the driver validates its header
        // and `fallback` makes an empty cache of data it cannot use.
        let cache = unsafe {
            device.create_pipeline_cache(&wgpu::PipelineCacheDescriptor {
                label: Some("openvm-wgpu pipelines"),
                data: data.as_deref(),
                fallback: true,
            })
        };
        Some(Self { cache, path, dirty: AtomicBool::new(false), writing: Mutex::new(()), loaded_bytes: data.map_or(0, |d| d.len()) })
    }

    pub(crate) fn mark_dirty(&self) {
        self.dirty.store(true, Ordering::Release);
    }

    /// Writes the cache when pipelines were compiled since the last write; returns whether it
    /// wrote.
    pub(crate) fn save(&self) -> std::io::Result<bool> {
        let _guard = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        if !self.dirty.swap(false, Ordering::AcqRel) {
            return Ok(false);
        }
        let Some(data) = self.cache.get_data() else { return Ok(false) };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let temp = self.path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&temp, &data)?;
        std::fs::rename(&temp, &self.path)?;
        Ok(true)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

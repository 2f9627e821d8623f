//! Tuning variables: optional caps on the launch rules' choices and switches for measurements,
//! read from the environment once, when a device opens ([`Tuning::from_env`]), or given in
//! [`crate::ContextOptions::tuning`]. A value that does not parse is an error naming the
//! variable, never silently ignored. The rules apply every cap within the device's limits.

use crate::error::{GpuError, GpuResult};

/// Caps the large NTT's tile at 2^k elements.
pub const NTT_TILE_LOG_ENV: &str = "OPENVM_WGPU_NTT_TILE_LOG";
/// Caps the large NTT's invocations per workgroup.
pub const NTT_INVOCATIONS_ENV: &str = "OPENVM_WGPU_NTT_INVOCATIONS";
/// Caps the small-block kernels' invocations per block.
pub const SMALL_NTT_INVOCATIONS_ENV: &str = "OPENVM_WGPU_SMALL_NTT_INVOCATIONS";
/// Caps the constraint interpreters' slots in workgroup memory.
pub const CONSTRAINT_FAST_SLOTS_ENV: &str = "OPENVM_WGPU_CONSTRAINT_FAST_SLOTS";
/// `off` samples the GKR sumchecks' challenges on the host (`on`, the default: on the device).
pub const DEVICE_TRANSCRIPT_ENV: &str = "OPENVM_WGPU_DEVICE_TRANSCRIPT";

/// The tuning of one device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tuning {
    pub ntt_tile_log: Option<u32>,
    pub ntt_invocations: Option<u32>,
    pub small_ntt_invocations: Option<u32>,
    pub constraint_fast_slots: Option<u32>,
    /// Whether the GKR sumchecks' challenges may be sampled on the device.
    pub device_transcript: bool,
    /// Whether every dispatch is timed on the GPU (`crate::work::KERNEL_TIMES_VAR`).
    pub kernel_times: bool,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            ntt_tile_log: None,
            ntt_invocations: None,
            small_ntt_invocations: None,
            constraint_fast_slots: None,
            device_transcript: true,
            kernel_times: false,
        }
    }
}

impl Tuning {
    /// The tuning the environment sets; an error names the first variable whose value does not
    /// parse.
    pub fn from_env() -> GpuResult<Self> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// The tuning that `var` (a variable's value, when set) describes.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> GpuResult<Self> {
        let bad = |k: &str, v: &str, want: &str| GpuError::invalid("tuning", format!("{k}={v:?} is not {want}; unset it or fix the value"));
        let number = |k: &str| -> GpuResult<Option<u32>> {
            match var(k) {
                None => Ok(None),
                Some(v) if v.is_empty() => Ok(None),
                Some(v) => v.trim().parse().map(Some).map_err(|_| bad(k, &v, "a non-negative integer")),
            }
        };
        let switch = |k: &str, default: bool, on: &[&str], off: &[&str]| -> GpuResult<bool> {
            match var(k) {
                None => Ok(default),
                Some(v) if v.is_empty() => Ok(default),
                Some(v) if on.contains(&v.trim()) => Ok(true),
                Some(v) if off.contains(&v.trim()) => Ok(false),
                Some(v) => Err(bad(k, &v, &format!("one of {:?}", [on, off].concat()))),
            }
        };
        Ok(Tuning {
            ntt_tile_log: number(NTT_TILE_LOG_ENV)?,
            ntt_invocations: number(NTT_INVOCATIONS_ENV)?,
            small_ntt_invocations: number(SMALL_NTT_INVOCATIONS_ENV)?,
            constraint_fast_slots: number(CONSTRAINT_FAST_SLOTS_ENV)?,
            device_transcript: switch(DEVICE_TRANSCRIPT_ENV, true, &["on", "auto"], &["off"])?,
            kernel_times: switch(crate::work::KERNEL_TIMES_VAR, false, &["1"], &["0"])?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn unset_variables_leave_the_defaults() {
        assert_eq!(Tuning::from_vars(vars(&[])).unwrap(), Tuning::default());
    }

    #[test]
    fn values_parse_once_into_the_tuning() {
        let t = Tuning::from_vars(vars(&[
            (NTT_TILE_LOG_ENV, "9"),
            (CONSTRAINT_FAST_SLOTS_ENV, " 4 "),
            (DEVICE_TRANSCRIPT_ENV, "off"),
            (crate::work::KERNEL_TIMES_VAR, "1"),
        ]))
        .unwrap();
        assert_eq!((t.ntt_tile_log, t.constraint_fast_slots, t.device_transcript, t.kernel_times), (Some(9), Some(4), false, true));
    }

    #[test]
    fn a_bad_value_is_an_error_naming_the_variable() {
        for (k, v) in [(NTT_INVOCATIONS_ENV, "lots"), (SMALL_NTT_INVOCATIONS_ENV, "-3"), (DEVICE_TRANSCRIPT_ENV, "of")] {
            let e = Tuning::from_vars(vars(&[(k, v)])).unwrap_err().to_string();
            assert!(e.contains(k) && e.contains(v), "{e}");
        }
    }
}

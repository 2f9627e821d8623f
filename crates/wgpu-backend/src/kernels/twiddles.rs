//! NTT twiddle tables, generated once per device and grown on demand.
//!
//! Layout by level: level k (butterfly half-size h = 2^k) holds w_{2h}^i for i < h at index
//! h - 1 + i, where w_{2h} is Plonky3's `two_adic_generator(k + 1)`. A table for 2^L points is
//! a prefix of the table for any larger size, and each level's entries are contiguous.

use std::sync::{Arc, Mutex};

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};
use p3_field::{Field, PrimeCharacteristicRing, TwoAdicField};

use crate::field::{as_words, F};

/// Forward and inverse tables covering NTTs of up to 2^log points.
pub struct NttTwiddles {
    pub log: u32,
    pub forward: GpuBuffer<u32>,
    pub inverse: GpuBuffer<u32>,
}

impl NttTwiddles {
    pub fn table(&self, inverse: bool) -> &GpuBuffer<u32> {
        if inverse {
            &self.inverse
        } else {
            &self.forward
        }
    }
}

#[derive(Default)]
struct TwiddleCache(Mutex<Option<Arc<NttTwiddles>>>);

/// Host copy of the table for 2^log points.
pub fn host_table(log: u32, inverse: bool) -> Vec<F> {
    let mut out = Vec::with_capacity((1usize << log).max(1));
    for k in 0..log {
        let mut w = F::two_adic_generator(k as usize + 1);
        if inverse {
            w = w.inverse();
        }
        out.extend(w.powers().take(1 << k));
    }
    if out.is_empty() {
        out.push(F::ONE);
    }
    out
}

/// Tables for NTTs of at least 2^log points on `ctx` (never smaller than the small-NTT size).
pub fn ntt_twiddles(ctx: &GpuContext, log: u32) -> GpuResult<Arc<NttTwiddles>> {
    let cache = ctx.resource::<TwiddleCache>();
    let mut slot = cache.0.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(t) = slot.as_ref().filter(|t| t.log >= log) {
        return Ok(t.clone());
    }
    let log = log.max(openvm_wgpu_common::limits::MAX_SMALL_NTT_LOG);
    let forward = GpuBuffer::from_slice(ctx, "ntt twiddles", as_words(&host_table(log, false)))?;
    let inverse = GpuBuffer::from_slice(ctx, "ntt twiddles", as_words(&host_table(log, true)))?;
    let t = Arc::new(NttTwiddles { log, forward, inverse });
    *slot = Some(t.clone());
    Ok(t)
}

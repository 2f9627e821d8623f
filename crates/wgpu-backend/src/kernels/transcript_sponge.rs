//! One step of the Fiat–Shamir duplex sponge on the device: observe extension elements, then
//! sample some (device_transcript.rs drives it).

use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuResult};

use super::Elementwise;

pub(crate) const KERNEL: Elementwise<Params> = Elementwise::new(wgsl_kernel!("transcript_sponge"));

kernel_params! {
    pub struct Params {
        observe_base: u32,
        observe_count: u32,
        sample_base: u32,
        sample_count: u32,
        workgroup_base: u32,
        _pad0: u32,
        _pad1: u32,
        _pad2: u32,
    }
}

/// Words of the sponge's state buffer: the 16 state words, then absorb_idx and sample_idx.
pub const SPONGE_WORDS: usize = 18;

/// The buffers a sponge step binds: the state, the extension elements it observes from, and
/// those it samples into.
pub struct SpongeBuffers<'a> {
    pub sponge: &'a GpuBuffer<u32>,
    pub messages: &'a GpuBuffer<u32>,
    pub challenges: &'a GpuBuffer<u32>,
}

/// Records: observe messages[observe] (extension elements, in order), then sample `samples`
/// extension elements into challenges[sample_base..].
pub fn record(
    ctx: &GpuContext,
    encoder: &mut openvm_wgpu_common::GpuEncoder,
    b: &SpongeBuffers<'_>,
    observe: std::ops::Range<usize>,
    sample_base: usize,
    samples: usize,
) -> GpuResult<()> {
    let params = Params {
        observe_base: observe.start as u32,
        observe_count: observe.len() as u32,
        sample_base: sample_base as u32,
        sample_count: samples as u32,
        ..Default::default()
    };
    KERNEL.record(ctx, encoder, 1, &[&b.sponge.buffer, &b.messages.buffer, &b.challenges.buffer], &params)
}

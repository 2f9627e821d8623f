//! Sumcheck rounds recorded ahead of their challenges (docs/ARCHITECTURE.md, "The transcript on
//! the device").
//!
//! A sumcheck round needs the previous round's challenge, which the Fiat–Shamir transcript
//! derives from what the prover sent. With the transcript on the host that is one submission
//! and one wait per round. When the host transcript is upstream's `DuplexSponge` (or its
//! recording and validating wrappers), its state is copied to the device and stepped there by
//! the `transcript_sponge` kernel: the kernels write round messages into `messages`, the sponge
//! observes them and samples into `challenges`, and the next round's kernels read their
//! challenges from there. A whole sumcheck is then recorded without waiting. At the end the
//! host reads the messages and challenges back once, replays every observation and sample on
//! its own transcript (which stays the authority, so its state and log are exactly upstream's)
//! and checks that each challenge equals the device's.
//!
//! A sumcheck round's step is one dispatch: [`RoundTranscript::reduce_step`] sums the round's
//! per-workgroup partials into its messages (the second pass of the reduction), observes them
//! and samples the challenge, in one workgroup whose 16 invocations run each Poseidon2
//! permutation together (`poseidon2_lanes`).
//!
//! Any other transcript type, or `OPENVM_WGPU_DEVICE_TRANSCRIPT=off`, runs the same recorded
//! kernels with the host sampling (the step kernel then only writes the sums): each step that
//! observes submits the work so far and reads the messages it needs, and the challenges are
//! written into `challenges` before the next submission.

use std::{any::Any, ops::Range};

use openvm_stark_backend::FiatShamirTranscript;
use openvm_stark_sdk::config::baby_bear_poseidon2::{DuplexSponge, DuplexSpongeRecorder, DuplexSpongeValidator};
use openvm_wgpu_common::{GpuBuffer, GpuContext, GpuEncoder};

use crate::{
    device::SC,
    error::WgpuProverError,
    field::{as_ext4s, as_words, from_ext4s, Ext4, ExtBuffer, EF},
    kernels::{
        ext_column_sums::Partials,
        transcript_sponge::{self, ColumnSums, SpongeBuffers, SPONGE_WORDS},
    },
};

/// Where a sumcheck's challenges are sampled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpongePlacement {
    /// On the device when the transcript's sponge state can be read, otherwise on the host.
    Auto,
    /// On the host, one submission per observing step.
    Host,
}

impl SpongePlacement {
    /// `Auto`, unless the device's tuning says otherwise (`OPENVM_WGPU_DEVICE_TRANSCRIPT=off`).
    pub fn of(ctx: &GpuContext) -> Self {
        if ctx.limits.tuning.device_transcript {
            SpongePlacement::Auto
        } else {
            SpongePlacement::Host
        }
    }
}

/// The sponge words the device steps (state, absorb index, sample index), when `transcript` is
/// one of upstream's duplex sponges.
fn sponge_words<TS: 'static>(transcript: &TS) -> Option<Vec<u32>> {
    let any = transcript as &dyn Any;
    let sponge = if let Some(s) = any.downcast_ref::<DuplexSponge>() {
        s
    } else if let Some(s) = any.downcast_ref::<DuplexSpongeRecorder>() {
        &s.inner
    } else if let Some(s) = any.downcast_ref::<DuplexSpongeValidator>() {
        &s.inner.inner
    } else {
        return None;
    };
    let mut words = as_words(sponge.state()).to_vec();
    words.extend([sponge.absorb_idx() as u32, sponge.sample_idx() as u32]);
    debug_assert_eq!(words.len(), SPONGE_WORDS);
    Some(words)
}

/// One transcript step: observe messages[observe], then sample `samples` challenges into
/// slots `sample_base..`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscriptStep {
    pub observe: Range<usize>,
    pub sample_base: usize,
    pub samples: usize,
}

impl TranscriptStep {
    /// A step that observes `observe` and samples one challenge into `slot`.
    pub fn one(observe: Range<usize>, slot: usize) -> Self {
        TranscriptStep { observe, sample_base: slot, samples: 1 }
    }
}

/// The messages and challenges of one sumcheck (or a chain of them), in device memory, and the
/// transcript that orders them. Slots are extension elements; each challenge slot is written once.
pub struct RoundTranscript<'a, TS> {
    ctx: &'a GpuContext,
    op: &'static str,
    transcript: &'a mut TS,
    /// The device sponge's state (unused when the host samples).
    sponge: GpuBuffer<u32>,
    on_device: bool,
    /// Bound as the partials of a step that sums none.
    no_partials: ExtBuffer,
    messages: ExtBuffer,
    challenges: ExtBuffer,
    message_slots: usize,
    challenge_slots: usize,
    steps: Vec<TranscriptStep>,
}

impl<'a, TS: FiatShamirTranscript<SC> + 'static> RoundTranscript<'a, TS> {
    /// Room for `message_slots` messages and `challenge_slots` challenges. With the sponge on
    /// the device the host transcript must not be used until [`RoundTranscript::finish`].
    pub fn new(
        ctx: &'a GpuContext,
        op: &'static str,
        transcript: &'a mut TS,
        placement: SpongePlacement,
        message_slots: usize,
        challenge_slots: usize,
    ) -> Result<Self, WgpuProverError> {
        let words = match placement {
            SpongePlacement::Auto => sponge_words(transcript),
            SpongePlacement::Host => None,
        };
        let on_device = words.is_some();
        let sponge = GpuBuffer::from_slice(ctx, op, &words.unwrap_or_else(|| vec![0; SPONGE_WORDS]))?;
        let no_partials = ExtBuffer::zeroed(ctx, op, 1)?;
        // The messages buffer also receives the challenges at the end, for one read-back.
        let messages = ExtBuffer::zeroed(ctx, op, (message_slots + challenge_slots).max(1))?;
        let challenges = ExtBuffer::zeroed(ctx, op, challenge_slots.max(1))?;
        Ok(RoundTranscript {
            ctx,
            op,
            transcript,
            sponge,
            on_device,
            no_partials,
            messages,
            challenges,
            message_slots,
            challenge_slots,
            steps: Vec::new(),
        })
    }

    /// Whether the challenges are sampled on the device.
    pub fn on_device(&self) -> bool {
        self.on_device
    }

    /// The device sponge's state, for kernels that step it themselves (with the sponge on the
    /// device only; such work is recorded with [`RoundTranscript::record_steps`]).
    pub fn sponge(&self) -> &GpuBuffer<u32> {
        &self.sponge
    }

    /// Where kernels write the messages the transcript observes.
    pub fn messages(&self) -> &ExtBuffer {
        &self.messages
    }

    /// Where kernels read their challenges.
    pub fn challenges(&self) -> &ExtBuffer {
        &self.challenges
    }

    /// Puts a challenge the host already sampled into `slot`.
    pub fn set_challenge(&mut self, slot: usize, value: EF) -> Result<(), WgpuProverError> {
        self.check(0..0, slot, 1)?;
        Ok(self.challenges.write(self.ctx, slot, &[Ext4::from(value)])?)
    }

    fn check(&self, observe: Range<usize>, sample_base: usize, samples: usize) -> Result<(), WgpuProverError> {
        if observe.end > self.message_slots || sample_base + samples > self.challenge_slots {
            return Err(WgpuProverError::InvalidInput(format!(
                "{}: transcript step out of range (messages {observe:?} of {}, challenges {sample_base}..{} of {})",
                self.op,
                self.message_slots,
                sample_base + samples,
                self.challenge_slots
            )));
        }
        Ok(())
    }

    /// Observes messages[`observe`] once the work recorded in `encoder` has written them, then
    /// samples `samples` challenges into slots `sample_base..`, for the work recorded next.
    pub fn step(
        &mut self,
        encoder: &mut GpuEncoder,
        observe: Range<usize>,
        sample_base: usize,
        samples: usize,
    ) -> Result<(), WgpuProverError> {
        self.record_step(encoder, None, observe, sample_base, samples)
    }

    /// Sums the columns of `partials` into messages `at..at + partials.columns` (the second
    /// pass of a reduction recorded in `encoder`), observes them and samples `samples`
    /// challenges into slots `sample_base..`: one dispatch with the sponge on the device.
    pub fn reduce_step(
        &mut self,
        encoder: &mut GpuEncoder,
        partials: &Partials<'_>,
        at: usize,
        sample_base: usize,
        samples: usize,
    ) -> Result<(), WgpuProverError> {
        self.record_step(encoder, Some(partials), at..at + partials.columns, sample_base, samples)
    }

    /// Notes steps that kernels recorded by the caller take on the device sponge, in order, so
    /// that [`RoundTranscript::finish`] replays them. Only with the sponge on the device.
    pub fn record_steps(&mut self, steps: impl IntoIterator<Item = TranscriptStep>) -> Result<(), WgpuProverError> {
        if !self.on_device {
            return Err(WgpuProverError::InvalidInput(format!("{}: device sponge steps with the host sampling", self.op)));
        }
        for step in steps {
            self.check(step.observe.clone(), step.sample_base, step.samples)?;
            self.steps.push(step);
        }
        Ok(())
    }

    fn record_step(
        &mut self,
        encoder: &mut GpuEncoder,
        partials: Option<&Partials<'_>>,
        observe: Range<usize>,
        sample_base: usize,
        samples: usize,
    ) -> Result<(), WgpuProverError> {
        self.check(observe.clone(), sample_base, samples)?;
        // On the device every step is the kernel; on the host only one that sums.
        if self.on_device || partials.is_some() {
            let buffers = SpongeBuffers {
                sponge: &self.sponge,
                partials: partials.map_or(&self.no_partials, |p| p.buffer),
                messages: &self.messages,
                challenges: &self.challenges,
            };
            let step = transcript_sponge::Step {
                reduce: partials.map(|p| ColumnSums { rows: p.rows, columns: p.columns, base: p.base }),
                observe: observe.clone(),
                sample_base,
                samples,
                on_device: self.on_device,
            };
            transcript_sponge::record(self.ctx, encoder, &buffers, &step)?;
        }
        if self.on_device {
            self.steps.push(TranscriptStep { observe, sample_base, samples });
            return Ok(());
        }
        if !observe.is_empty() {
            let recorded = std::mem::replace(encoder, self.ctx.encoder(self.op));
            let messages = self.messages.submit_and_read(self.ctx, self.op, recorded, observe)?;
            for e in from_ext4s(messages)? {
                self.transcript.observe_ext(e);
            }
        }
        let sampled: Vec<EF> = (0..samples).map(|_| self.transcript.sample_ext()).collect();
        if !sampled.is_empty() {
            self.challenges.write(self.ctx, sample_base, as_ext4s(&sampled))?;
        }
        Ok(())
    }

    /// With the sponge on the device, submits the work recorded so far without waiting, so
    /// the GPU runs while the host records the rest. (On the host every observing step
    /// submits already.)
    pub fn flush(&mut self, encoder: &mut GpuEncoder) -> Result<(), WgpuProverError> {
        if self.on_device() {
            self.ctx.flush(self.op, encoder)?;
        }
        Ok(())
    }

    /// Runs what is recorded and returns every message and challenge slot. With the sponge on
    /// the device, the host transcript then replays each step, and each challenge it samples
    /// must equal the device's.
    pub fn finish(self, mut encoder: GpuEncoder) -> Result<(Vec<EF>, Vec<EF>), WgpuProverError> {
        let (m, c) = (self.message_slots, self.challenge_slots);
        self.ctx.scoped(self.op, || self.challenges.record_copy(&mut encoder, 0, &self.messages, m, c))?;
        let mut all = from_ext4s(self.messages.submit_and_read(self.ctx, self.op, encoder, 0..m + c)?)?;
        let challenges = all.split_off(m);
        for (i, step) in self.steps.iter().enumerate() {
            for &e in &all[step.observe.clone()] {
                self.transcript.observe_ext(e);
            }
            for k in 0..step.samples {
                let host = self.transcript.sample_ext();
                if host != challenges[step.sample_base + k] {
                    return Err(WgpuProverError::DeviceTranscript(format!(
                        "{}: step {i} sampled {:?} on the device, the host transcript {host:?}",
                        self.op,
                        challenges[step.sample_base + k]
                    )));
                }
            }
        }
        Ok((all, challenges))
    }
}

//! GPU trace generation against upstream's CPU fillers on the same records: every segment of
//! the repository's guests runs preflight twice into dense record arenas, once for the GPU
//! chips (`ChipTraces::Gpu`) and once for upstream's fillers (`ChipTraces::CpuFillers`); every
//! AIR's trace must be the same word for word, under every limit profile. (Proofs made with the
//! GPU chips are in `sdk_config`, `aggregation` and the command's tests.)

use crate::common;

use std::collections::BTreeMap;

use openvm_circuit::arch::VirtualMachine;
use openvm_rv32im_circuit::Rv32ImConfig;
use openvm_stark_backend::{prover::MatrixDimensions, SystemParams};
use openvm_stark_sdk::config::baby_bear_poseidon2::DuplexSponge;
use openvm_wgpu_backend::{BabyBearPoseidon2WgpuEngine, GpuContext, LimitProfile};
use openvm_wgpu_circuit::{
    elf::{input_stream, rv32im_exe},
    for_each_segment,
    tracegen::{ChipTraces, Rv32ImGpuTracegenBuilder},
    Segmentation,
};
use openvm_wgpu_fixtures::asm;

/// Per segment, per AIR (name): its trace's height, width and column-major words.
type Traces = Vec<BTreeMap<String, (usize, usize, Vec<u32>)>>;

fn traces(gpu: &std::sync::Arc<GpuContext>, traces: ChipTraces, elf: &[u8], inputs: &[&[u8]]) -> Traces {
    let engine = BabyBearPoseidon2WgpuEngine::<DuplexSponge>::with_context(SystemParams::new_for_testing(19), gpu.clone());
    let config = Rv32ImConfig::with_public_values(asm::GUEST_PUBLIC_VALUE_BYTES);
    let (mut vm, _) = VirtualMachine::new_with_keygen(engine, Rv32ImGpuTracegenBuilder { traces }, config).unwrap();
    let names: Vec<String> = vm.air_names().map(str::to_string).collect();
    let exe = rv32im_exe(elf).unwrap();
    let mut out = Vec::new();
    let read_back = |_: &_, _: &_, s: openvm_wgpu_circuit::SegmentContext<openvm_wgpu_backend::backend::WgpuBackend>| {
        let mut airs = BTreeMap::new();
        for (air, ctx) in &s.ctx.per_trace {
            let m = &ctx.common_main;
            let words = m.device().unwrap_or_else(|e| panic!("{}: {e}", names[*air])).read_col_major(gpu).unwrap();
            airs.insert(names[*air].clone(), (m.height(), m.width(), words));
        }
        Ok(airs)
    };
    for_each_segment(&mut vm, &exe, input_stream(inputs), Segmentation::Upstream, read_back, |airs| out.push(airs))
        .unwrap_or_else(|e| panic!("{e}"));
    out
}

/// Rows of a column-major matrix, sorted: upstream's Poseidon2 periphery orders its rows by
/// thread scheduling, so two runs agree on its rows only as a multiset.
fn sorted_rows(height: usize, width: usize, words: &[u32]) -> Vec<Vec<u32>> {
    let mut rows: Vec<Vec<u32>> = (0..height).map(|r| (0..width).map(|c| words[c * height + r]).collect()).collect();
    rows.sort();
    rows
}

/// Every AIR whose traces differ, each with its first differing word.
fn differences(profile: LimitProfile, guest: &str, gpu: &Traces, cpu: &Traces) -> Vec<String> {
    assert_eq!(gpu.len(), cpu.len(), "{guest} on {profile}: segments");
    let mut out = Vec::new();
    for (s, (g, c)) in gpu.iter().zip(cpu).enumerate() {
        assert_eq!(g.keys().collect::<Vec<_>>(), c.keys().collect::<Vec<_>>(), "{guest} on {profile}, segment {s}: AIRs with traces");
        for (name, (h, w, words)) in g {
            let (ch, cw, cwords) = &c[name];
            let at = format!("{guest} on {profile}, segment {s}, {name}");
            if (h, w) != (ch, cw) {
                out.push(format!("{at}: {h} x {w} against {ch} x {cw}"));
            } else if name.contains("Poseidon2") {
                if sorted_rows(*h, *w, words) != sorted_rows(*h, *w, cwords) {
                    out.push(format!("{at}: other rows"));
                }
            } else if let Some(i) = (0..words.len()).find(|&i| words[i] != cwords[i]) {
                out.push(format!("{at}: row {} column {}: GPU {:#x}, upstream's filler {:#x}", i % h, i / h, words[i], cwords[i]));
            }
        }
    }
    out
}

/// The guests: instructions at their edges (`edge_cases`), every RV32IM instruction kind and
/// memory width on random values (`mixed`), xorshift values through a memory ring with
/// multiply-accumulates (`long_running`), a loop (`fibonacci`) and hinted input read with hint
/// stores (`sum_input`).
/// A guest: its name, ELF and input items.
type Guest = (&'static str, Vec<u8>, Vec<Vec<u8>>);

fn guests() -> Vec<Guest> {
    vec![
        ("edge_cases", asm::edge_cases(), asm::edge_cases_input()),
        ("mixed(7)", asm::mixed(7), vec![]),
        ("mixed(11)", asm::mixed(11), vec![]),
        ("long_running(300)", asm::long_running(300), vec![]),
        ("fibonacci(30)", asm::fibonacci(30), vec![]),
        ("sum_input", asm::sum_input(), vec![0x0123_4567_89ab_cdefu64.to_le_bytes().to_vec()]),
    ]
}

#[test]
fn gpu_traces_equal_upstream_fillers_on_the_same_records_under_every_profile() {
    let profiles = common::profiles();
    for (guest, elf, inputs) in guests() {
        let inputs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
        // Upstream's fillers make the same traces under any profile: once per guest.
        let mut reference = None;
        // The other profiles change launch geometry and buffer splits, which every guest
        // exercises: they run the guests that reach every instruction's edges and the hint store.
        let all = ["edge_cases", "mixed(7)", "sum_input"].contains(&guest);
        for (profile, gpu) in profiles.iter().filter(|(p, _)| all || *p == LimitProfile::Native) {
            let ours = traces(gpu, ChipTraces::Gpu, &elf, &inputs);
            let reference = reference.get_or_insert_with(|| traces(gpu, ChipTraces::CpuFillers, &elf, &inputs));
            let differ = differences(*profile, guest, &ours, reference);
            assert!(differ.is_empty(), "GPU traces differ from upstream's fillers:\n{}", differ.join("\n"));
        }
    }
}

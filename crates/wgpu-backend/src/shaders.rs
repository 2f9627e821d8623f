//! The shared WGSL includes, and how a kernel is assembled for a device. Kernels' own sources are
//! described in `kernels::ALL`.

use std::sync::OnceLock;

use openvm_wgpu_common::{GpuContext, KernelSource, ShaderLibrary};

macro_rules! wgsl {
    ($name:literal, $path:literal) => {
        KernelSource { name: $name, source: include_str!(concat!("../shaders/", $path)) }
    };
}

/// Shared includes kept as files under shaders/shared/.
pub const SHARED_FILES: &[KernelSource] = &[
    wgsl!("babybear", "shared/babybear.wgsl"),
    wgsl!("babybear_ext4", "shared/babybear_ext4.wgsl"),
    wgsl!("ext_reduce", "shared/ext_reduce.wgsl"),
    wgsl!("gkr_round", "shared/gkr_round.wgsl"),
    wgsl!("constraint_encoding", "shared/constraint_encoding.wgsl"),
    wgsl!("grid", "shared/grid.wgsl"),
    wgsl!("trace_chunks", "shared/trace_chunks.wgsl"),
    wgsl!("folded_chunks", "shared/folded_chunks.wgsl"),
    wgsl!("subgroup_exchange", "shared/subgroup_exchange.wgsl"),
    wgsl!("subgroup_exchange_unavailable", "shared/subgroup_exchange_unavailable.wgsl"),
    wgsl!("duplex_sponge", "shared/duplex_sponge.wgsl"),
];

/// Every shared include (`#import <name>`): the files, and `poseidon2` and `poseidon2_lanes`,
/// generated from Plonky3's constants (src/commit/poseidon2.rs).
pub fn shared() -> &'static [KernelSource] {
    static ALL: OnceLock<Vec<KernelSource>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v = SHARED_FILES.to_vec();
        v.push(KernelSource { name: "poseidon2", source: crate::commit::poseidon2::wgsl() });
        v.push(KernelSource { name: "poseidon2_lanes", source: crate::commit::poseidon2::lanes_wgsl() });
        v
    })
}

// The WGSL files on disk when the crate was built (`KERNEL_FILES`, `SHARED_INCLUDE_FILES`), for
// the tests that check every file is described (build.rs).
include!(concat!(env!("OUT_DIR"), "/shader_files.rs"));

pub fn library() -> ShaderLibrary {
    ShaderLibrary { shared: shared() }
}

/// Which shared source stands for `exchange` with or without subgroup operations.
pub fn aliases(subgroups: bool) -> [(&'static str, &'static str); 1] {
    [("exchange", if subgroups { "subgroup_exchange" } else { "subgroup_exchange_unavailable" })]
}

/// The kernel's WGSL as compiled on `ctx`.
pub fn assemble(ctx: &GpuContext, kernel: &KernelSource) -> String {
    assemble_for(kernel, ctx.has_subgroups())
}

pub fn assemble_for(kernel: &KernelSource, subgroups: bool) -> String {
    // The sources are compiled into the binary and covered by tests/backend/shader_portability.rs, so a
    // missing import is a build defect, not a runtime condition.
    library().assemble(kernel, &aliases(subgroups)).unwrap_or_else(|e| format!("// unresolved import: {e}\n"))
}

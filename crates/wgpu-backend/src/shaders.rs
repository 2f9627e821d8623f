//! Every WGSL source of the backend, and how a kernel is assembled for a device.

use openvm_wgpu_common::{GpuContext, KernelSource, ShaderLibrary};

macro_rules! wgsl {
    ($name:literal, $path:literal) => {
        KernelSource { name: $name, source: include_str!(concat!("../shaders/", $path)) }
    };
}

/// Shared includes (`#import <name>`).
pub const SHARED: &[KernelSource] = &[
    wgsl!("babybear", "shared/babybear.wgsl"),
    wgsl!("babybear_ext4", "shared/babybear_ext4.wgsl"),
    wgsl!("grid", "shared/grid.wgsl"),
    wgsl!("subgroup_exchange", "shared/subgroup_exchange.wgsl"),
    wgsl!("subgroup_exchange_unavailable", "shared/subgroup_exchange_unavailable.wgsl"),
];

pub const BATCH_NTT_SMALL: KernelSource = wgsl!("batch_ntt_small", "batch_ntt_small.wgsl");
pub const NTT_DIT_PASS: KernelSource = wgsl!("ntt_dit_pass", "ntt_dit_pass.wgsl");
pub const NTT_BITREV_GATHER: KernelSource = wgsl!("ntt_bitrev_gather", "ntt_bitrev_gather.wgsl");
pub const MLE_COEFFS_TO_EVALS: KernelSource = wgsl!("mle_coeffs_to_evals", "mle_coeffs_to_evals.wgsl");
pub const FIELD_OPS: KernelSource = wgsl!("field_ops", "field_ops.wgsl");
pub const BANDWIDTH_PROBE: KernelSource = wgsl!("bandwidth_probe", "bandwidth_probe.wgsl");

/// Every kernel (one per file).
pub const KERNELS: &[KernelSource] =
    &[BATCH_NTT_SMALL, NTT_DIT_PASS, NTT_BITREV_GATHER, MLE_COEFFS_TO_EVALS, FIELD_OPS, BANDWIDTH_PROBE];

pub const LIBRARY: ShaderLibrary = ShaderLibrary { shared: SHARED };

/// Which shared source stands for `exchange` with or without subgroup operations.
pub fn aliases(subgroups: bool) -> [(&'static str, &'static str); 1] {
    [("exchange", if subgroups { "subgroup_exchange" } else { "subgroup_exchange_unavailable" })]
}

/// The kernel's WGSL as compiled on `ctx`.
pub fn assemble(ctx: &GpuContext, kernel: &KernelSource) -> String {
    assemble_for(kernel, ctx.has_subgroups())
}

pub fn assemble_for(kernel: &KernelSource, subgroups: bool) -> String {
    // The sources are compiled into the binary and covered by tests/shader_portability.rs, so a
    // missing import is a build defect, not a runtime condition.
    LIBRARY
        .assemble(kernel, &aliases(subgroups))
        .unwrap_or_else(|e| format!("// unresolved import: {e}\n"))
}

//! Every WGSL source of the backend, and how a kernel is assembled for a device.

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
    wgsl!("grid", "shared/grid.wgsl"),
    wgsl!("subgroup_exchange", "shared/subgroup_exchange.wgsl"),
    wgsl!("subgroup_exchange_unavailable", "shared/subgroup_exchange_unavailable.wgsl"),
];

/// Every shared include (`#import <name>`): the files, and `poseidon2`, generated from
/// Plonky3's constants (src/poseidon2.rs).
pub fn shared() -> &'static [KernelSource] {
    static ALL: OnceLock<Vec<KernelSource>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v = SHARED_FILES.to_vec();
        v.push(KernelSource { name: "poseidon2", source: crate::poseidon2::wgsl() });
        v
    })
}

pub const BATCH_NTT_SMALL: KernelSource = wgsl!("batch_ntt_small", "batch_ntt_small.wgsl");
pub const NTT_DIT_PASS: KernelSource = wgsl!("ntt_dit_pass", "ntt_dit_pass.wgsl");
pub const NTT_BITREV_GATHER: KernelSource = wgsl!("ntt_bitrev_gather", "ntt_bitrev_gather.wgsl");
pub const MLE_COEFFS_TO_EVALS: KernelSource = wgsl!("mle_coeffs_to_evals", "mle_coeffs_to_evals.wgsl");
pub const FIELD_OPS: KernelSource = wgsl!("field_ops", "field_ops.wgsl");
pub const BANDWIDTH_PROBE: KernelSource = wgsl!("bandwidth_probe", "bandwidth_probe.wgsl");
pub const POSEIDON2_PERMUTE: KernelSource = wgsl!("poseidon2_permute", "poseidon2_permute.wgsl");
pub const MERKLE_ROW_HASH: KernelSource = wgsl!("merkle_row_hash", "merkle_row_hash.wgsl");
pub const MERKLE_COMPRESS_LAYER: KernelSource = wgsl!("merkle_compress_layer", "merkle_compress_layer.wgsl");
pub const MERKLE_OPEN_ROWS: KernelSource = wgsl!("merkle_open_rows", "merkle_open_rows.wgsl");
pub const MERKLE_OPEN_PATHS: KernelSource = wgsl!("merkle_open_paths", "merkle_open_paths.wgsl");
pub const TRANSPOSE: KernelSource = wgsl!("transpose", "transpose.wgsl");
pub const STRIDED_COPY: KernelSource = wgsl!("strided_copy", "strided_copy.wgsl");
pub const EQ_TABLE: KernelSource = wgsl!("eq_table", "eq_table.wgsl");
pub const EXT_FOLD: KernelSource = wgsl!("ext_fold", "ext_fold.wgsl");
pub const EXT_COLUMN_SUMS: KernelSource = wgsl!("ext_column_sums", "ext_column_sums.wgsl");
pub const STACKED_REDUCTION_ROUND0: KernelSource = wgsl!("stacked_reduction_round0", "stacked_reduction_round0.wgsl");
pub const STACKED_REDUCTION_FOLD_PLE: KernelSource = wgsl!("stacked_reduction_fold_ple", "stacked_reduction_fold_ple.wgsl");
pub const STACKED_REDUCTION_ROTATION: KernelSource = wgsl!("stacked_reduction_rotation", "stacked_reduction_rotation.wgsl");
pub const STACKED_REDUCTION_MLE_ROUND: KernelSource = wgsl!("stacked_reduction_mle_round", "stacked_reduction_mle_round.wgsl");
pub const WHIR_MU_BATCH: KernelSource = wgsl!("whir_mu_batch", "whir_mu_batch.wgsl");
pub const MLE_BUTTERFLY: KernelSource = wgsl!("mle_butterfly", "mle_butterfly.wgsl");
pub const WHIR_FOLD: KernelSource = wgsl!("whir_fold", "whir_fold.wgsl");
pub const EQ_FACTORS: KernelSource = wgsl!("eq_factors", "eq_factors.wgsl");
pub const EQ_ACCUMULATE: KernelSource = wgsl!("eq_accumulate", "eq_accumulate.wgsl");
pub const WHIR_REDUCE: KernelSource = wgsl!("whir_reduce", "whir_reduce.wgsl");
pub const POW_GRIND: KernelSource = wgsl!("pow_grind", "pow_grind.wgsl");

/// Every kernel (one per file).
pub const KERNELS: &[KernelSource] = &[
    BATCH_NTT_SMALL,
    NTT_DIT_PASS,
    NTT_BITREV_GATHER,
    MLE_COEFFS_TO_EVALS,
    FIELD_OPS,
    BANDWIDTH_PROBE,
    POSEIDON2_PERMUTE,
    MERKLE_ROW_HASH,
    MERKLE_COMPRESS_LAYER,
    MERKLE_OPEN_ROWS,
    MERKLE_OPEN_PATHS,
    TRANSPOSE,
    STRIDED_COPY,
    EQ_TABLE,
    EXT_FOLD,
    EXT_COLUMN_SUMS,
    STACKED_REDUCTION_ROUND0,
    STACKED_REDUCTION_FOLD_PLE,
    STACKED_REDUCTION_ROTATION,
    STACKED_REDUCTION_MLE_ROUND,
    WHIR_MU_BATCH,
    MLE_BUTTERFLY,
    WHIR_FOLD,
    EQ_FACTORS,
    EQ_ACCUMULATE,
    WHIR_REDUCE,
    POW_GRIND,
];

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
    // The sources are compiled into the binary and covered by tests/shader_portability.rs, so a
    // missing import is a build defect, not a runtime condition.
    library().assemble(kernel, &aliases(subgroups)).unwrap_or_else(|e| format!("// unresolved import: {e}\n"))
}

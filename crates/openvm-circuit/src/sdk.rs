//! OpenVM SDK app configurations (`SdkVmConfig`, the `app_vm_config` of the `openvm.toml` that
//! `cargo openvm` reads) proved with the wgpu engine. Every extension's chips are upstream's CPU
//! chips ([`SdkVmCpuBuilder`]) with their traces transported by [`WgpuBuilder`]; a configuration
//! of RV32IM alone is the circuit of `Rv32ImConfig` and may make its traces on the GPU instead.

use openvm_circuit::{
    arch::{instructions::exe::VmExe, Streams, SystemConfig},
    system::memory::merkle::public_values::PUBLIC_VALUES_AS,
};
use openvm_rv32im_circuit::{Rv32IConfig, Rv32ImConfig};
pub use openvm_sdk_config::{SdkVmConfig, SdkVmCpuBuilder, TranspilerConfig};
use openvm_stark_backend::{StarkEngine, SystemParams};
use openvm_stark_sdk::config::{
    app_params_with_100_bits_security,
    baby_bear_poseidon2::{BabyBearPoseidon2CpuEngine, DuplexSponge},
    MAX_APP_LOG_STACKED_HEIGHT,
};
use openvm_wgpu_backend::{field::F, BabyBearPoseidon2WgpuEngine, GpuContext};

use crate::{
    builder::WgpuBuilder,
    elf::{exe_from_elf, ElfError},
    prove::{constant_trace_heights, device_interaction_limit, prove_program, prove_rv32im, TraceGeneration},
    ProgramProof, ProveProgramError, SegmentReport, Segmentation,
};

/// The SDK's configurations on the wgpu engine, every chip's trace made on the CPU.
pub type SdkWgpuBuilder = WgpuBuilder<SdkVmCpuBuilder>;

/// The keys `app_vm_config` may have: `SdkVmConfig`'s fields.
const SECTIONS: [&str; 12] = ["system", "rv32i", "io", "keccak", "sha2", "rv32m", "bigint", "modular", "fp2", "pairing", "ecc", "deferral"];

/// Why an SDK configuration cannot be read or proved here.
#[derive(Debug, thiserror::Error)]
pub enum SdkConfigError {
    #[error("not valid TOML: {0}")]
    Toml(String),
    #[error("no [app_vm_config] table (openvm.toml's VM configuration)")]
    NoAppVmConfig,
    #[error("[app_vm_config.{0}]: not an OpenVM SDK extension (known: {known})", known = SECTIONS.join(", "))]
    UnknownSection(String),
    #[error("[app_vm_config]: {0}")]
    AppVmConfig(String),
    #[error("[system_params]: {0}")]
    SystemParams(String),
    #[error("[app_vm_config.system]: {0}")]
    System(String),
    #[error("the deferral extension is not supported")]
    Deferral,
    #[error("a fixed-height trace of {height} rows does not fit the parameters' segments of 2^{log_stacked_height} rows")]
    FixedHeight { height: usize, log_stacked_height: usize },
    #[error("trace generation on the GPU covers RV32IM (exactly rv32i, rv32m and io); this configuration enables {0}: make its traces on the CPU")]
    GpuTracegen(String),
}

/// An `openvm.toml`: upstream's `AppConfig<SdkVmConfig>` (openvm-sdk), read with the same serde
/// definitions. `system_params` is `None` where the file has none (upstream then uses
/// [`SdkAppConfig::default_system_params`]).
#[derive(Clone, Debug)]
pub struct SdkAppConfig {
    pub app_vm_config: SdkVmConfig,
    pub system_params: Option<SystemParams>,
}

impl SdkAppConfig {
    /// Reads an `openvm.toml` text: `[app_vm_config.<extension>]` tables as `cargo openvm`
    /// writes them, and optionally `[system_params]`. Other top-level tables are ignored, as
    /// upstream ignores them.
    pub fn from_toml(text: &str) -> Result<Self, SdkConfigError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| SdkConfigError::Toml(e.to_string()))?;
        let app = table.get("app_vm_config").ok_or(SdkConfigError::NoAppVmConfig)?;
        let sections = app.as_table().ok_or_else(|| SdkConfigError::AppVmConfig("not a table".into()))?;
        // Upstream ignores unknown keys: a misspelt extension would silently be left out.
        if let Some(unknown) = sections.keys().find(|k| !SECTIONS.contains(&k.as_str())) {
            return Err(SdkConfigError::UnknownSection(unknown.clone()));
        }
        // Refused before deserialization, which asserts that a deferral configuration's
        // address space exists.
        if sections.contains_key("deferral") {
            return Err(SdkConfigError::Deferral);
        }
        let app_vm_config: SdkVmConfig = app.clone().try_into().map_err(|e: toml::de::Error| SdkConfigError::AppVmConfig(e.to_string()))?;
        check_config(&app_vm_config)?;
        let system_params = match table.get("system_params") {
            Some(v) => Some(v.clone().try_into().map_err(|e: toml::de::Error| SdkConfigError::SystemParams(e.to_string()))?),
            None => None,
        };
        Ok(Self { app_vm_config, system_params })
    }

    /// Upstream's parameters of an app configuration without `[system_params]`.
    pub fn default_system_params() -> SystemParams {
        app_params_with_100_bits_security(MAX_APP_LOG_STACKED_HEIGHT)
    }
}

/// Checks what upstream asserts (panics on) when it builds a VM from `config`, and refuses the
/// deferral extension.
pub fn check_config(config: &SdkVmConfig) -> Result<(), SdkConfigError> {
    if config.deferral.is_some() {
        return Err(SdkConfigError::Deferral);
    }
    let system: &SystemConfig = config.as_ref();
    let memory = &system.memory_config;
    let error = |m: String| Err(SdkConfigError::System(m));
    if memory.addr_space_height > 16 || memory.addr_spaces.len() != (1 << memory.addr_space_height) + 1 {
        return error(format!(
            "memory_config: {} address spaces, where addr_space_height {} requires 2^height + 1",
            memory.addr_spaces.len(),
            memory.addr_space_height
        ));
    }
    if memory.addr_spaces.len() <= PUBLIC_VALUES_AS as usize {
        return error(format!(
            "memory_config: {} address spaces leave out the public values' ({PUBLIC_VALUES_AS})",
            memory.addr_spaces.len()
        ));
    }
    if memory.timestamp_max_bits > 29 {
        return error(format!("memory_config: timestamp_max_bits {} above 29", memory.timestamp_max_bits));
    }
    Ok(())
}

/// The extensions `config` enables, by their `openvm.toml` names.
pub fn extensions(config: &SdkVmConfig) -> Vec<&'static str> {
    let c = config;
    let enabled = [
        ("rv32i", c.rv32i.is_some()),
        ("io", c.io.is_some()),
        ("keccak", c.keccak.is_some()),
        ("sha2", c.sha2.is_some()),
        ("rv32m", c.rv32m.is_some()),
        ("bigint", c.bigint.is_some()),
        ("modular", c.modular.is_some()),
        ("fp2", c.fp2.is_some()),
        ("pairing", c.pairing.is_some()),
        ("ecc", c.ecc.is_some()),
        ("deferral", c.deferral.is_some()),
    ];
    enabled.into_iter().filter(|(_, on)| *on).map(|(name, _)| name).collect()
}

/// `config` as `Rv32ImConfig` when it enables exactly rv32i, rv32m and io: the same circuit
/// (system AIRs, then RV32I, IO and M's, in the order both configurations add them), so the
/// same verifying key, and GPU trace generation applies.
pub fn as_rv32im(config: &SdkVmConfig) -> Option<Rv32ImConfig> {
    if extensions(config) != ["rv32i", "io", "rv32m"] {
        return None;
    }
    let config = config.to_inner();
    let system = config.system;
    let (base, io, mul) = (config.rv32i?, config.io?, config.rv32m?);
    Some(Rv32ImConfig { rv32i: Rv32IConfig { system, base, io }, mul })
}

/// Decodes a guest ELF and transpiles it with `config`'s transpiler (the extensions it enables).
pub fn sdk_exe(elf: &[u8], config: &SdkVmConfig) -> Result<VmExe<F>, ElfError> {
    exe_from_elf(elf, config.transpiler())
}

/// Proves `exe` on `config` with the wgpu engine on `gpu` and `params`, every segment verified;
/// segments end at the device's interaction limit, as [`prove_rv32im`]'s do. `tracegen`
/// [`TraceGeneration::Gpu`] needs a configuration of RV32IM alone ([`as_rv32im`]);
/// [`TraceGeneration::Cpu`] runs upstream's CPU chips of every extension.
pub fn prove_sdk(
    gpu: std::sync::Arc<GpuContext>,
    params: SystemParams,
    config: SdkVmConfig,
    exe: VmExe<F>,
    input: Streams<F>,
    tracegen: TraceGeneration,
    progress: &mut dyn FnMut(&SegmentReport),
) -> Result<ProgramProof, ProveProgramError> {
    check_config(&config)?;
    let constant_heights = fixed_heights(&config, &params)?;
    if tracegen == TraceGeneration::Gpu {
        let rv32im = as_rv32im(&config).ok_or_else(|| SdkConfigError::GpuTracegen(extensions(&config).join(", ")))?;
        return prove_rv32im(gpu, params, rv32im, exe, input, TraceGeneration::Gpu, progress);
    }
    let segmentation = Segmentation::MaxInteractions { limit: device_interaction_limit(&gpu), constant_heights };
    let engine: BabyBearPoseidon2WgpuEngine = BabyBearPoseidon2WgpuEngine::with_context(params, gpu);
    prove_program(engine, WgpuBuilder(SdkVmCpuBuilder), config, exe, input, segmentation, progress)
}

/// The chips' constant trace heights ([`constant_trace_heights`]), checked against the stacked
/// height of `params` before anything runs: every segment holds them, and the prover would
/// refuse each segment.
fn fixed_heights(config: &SdkVmConfig, params: &SystemParams) -> Result<Vec<Option<usize>>, ProveProgramError> {
    let heights = constant_trace_heights(&SdkVmCpuBuilder, config)?;
    let log_stacked_height = params.log_stacked_height();
    if let Some(height) = heights.iter().flatten().copied().max() {
        if log_stacked_height < usize::BITS as usize && height.next_power_of_two() > 1 << log_stacked_height {
            return Err(SdkConfigError::FixedHeight { height, log_stacked_height }.into());
        }
    }
    Ok(heights)
}

/// The segments [`prove_sdk`] proves on `gpu`: at most its interaction limit each.
pub fn sdk_segmentation(gpu: &GpuContext, config: &SdkVmConfig) -> Result<Segmentation, ProveProgramError> {
    check_config(config)?;
    Ok(Segmentation::MaxInteractions {
        limit: device_interaction_limit(gpu),
        constant_heights: constant_trace_heights(&SdkVmCpuBuilder, config)?,
    })
}

/// [`prove_sdk`] on openvm-cpu-backend (all cores) with upstream's SDK CPU builder, on the
/// segments `segmentation` gives.
pub fn prove_sdk_cpu(
    params: SystemParams,
    config: SdkVmConfig,
    exe: VmExe<F>,
    input: Streams<F>,
    segmentation: Segmentation,
    progress: &mut dyn FnMut(&SegmentReport),
) -> Result<ProgramProof, ProveProgramError> {
    check_config(&config)?;
    fixed_heights(&config, &params)?;
    let engine: BabyBearPoseidon2CpuEngine<DuplexSponge> = StarkEngine::new(params);
    prove_program(engine, SdkVmCpuBuilder, config, exe, input, segmentation, progress)
}

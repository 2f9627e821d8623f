//! Device limits and the launch-geometry rules.
//!
//! Every kernel states what it needs ("blocks of 2^l elements in workgroup memory", "tiles of
//! 2^t elements"); the functions here turn that plus the device's limits into a launch shape.
//! They are pure functions so they can be unit-tested against the limits of devices we do not
//! have, and so `openvm-wgpu info` can print what every kernel would get.

use std::fmt;

use crate::Tuning;

/// The subset of a device's limits that launch geometry depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceLimits {
    pub max_invocations_per_workgroup: u32,
    pub max_workgroup_size_x: u32,
    pub max_workgroup_size_y: u32,
    pub max_workgroup_size_z: u32,
    pub max_workgroup_storage_bytes: u32,
    pub max_workgroups_per_dimension: u32,
    pub max_storage_buffer_binding_size: u64,
    pub max_buffer_size: u64,
    /// Storage buffers one kernel may bind.
    pub max_storage_buffers_per_shader_stage: u32,
    /// Smallest subgroup the device may run a kernel with.
    pub subgroup_min_size: u32,
    pub subgroup_max_size: u32,
    /// Whether subgroup operations may be used (feature requested and granted).
    pub subgroups: bool,
    /// Loop iterations one invocation may run, counted over all loops of the kernel together:
    /// the driver's cap where the loop probe (`crate::loop_probe`) saw one (Mesa's llvmpipe,
    /// which lavapipe runs on, leaves every loop silently after 65,535 in total), else the
    /// most the probe verified ([`LOOP_PROBE_ITERATIONS`]). Kernels whose invocations loop a
    /// data-dependent number of times split their work so that none exceeds it
    /// ([`check_loop_iterations`]).
    pub max_loop_iterations: u32,
    /// Work one dispatch of a long-running kernel may hold, in loop iterations summed over its
    /// invocations ([`DISPATCH_WORK_BUDGET`], lower under a profile that tests the splitting).
    pub max_dispatch_work: u64,
    /// Caps set for tuning sweeps (crate::tuning, parsed once when the device opens), which
    /// the rules apply within the limits above.
    pub tuning: Tuning,
}

/// Work one dispatch of a long-running kernel may hold, in loop iterations summed over its
/// invocations (the constraint interpreter's instructions times rows): about 10 ms on an H200,
/// so a dispatch stays far below the watchdogs of desktop systems (Windows' TDR fires after
/// 2 s) even on a GPU a hundred times slower.
pub const DISPATCH_WORK_BUDGET: u64 = 1 << 31;

/// Iterations the loop probe asks one invocation for: the most any device is trusted with.
/// Far above what any kernel needs per invocation, and a few milliseconds of one thread on a
/// GPU, so that the probe costs nothing and a long invocation never meets a watchdog.
pub const LOOP_PROBE_ITERATIONS: u32 = 1 << 20;

impl DeviceLimits {
    /// Limits of a device opened with `limits`, on an adapter described by `info`.
    pub fn from_wgpu(limits: &wgpu::Limits, info: &wgpu::AdapterInfo, subgroups: bool) -> Self {
        Self {
            max_invocations_per_workgroup: limits.max_compute_invocations_per_workgroup,
            max_workgroup_size_x: limits.max_compute_workgroup_size_x,
            max_workgroup_size_y: limits.max_compute_workgroup_size_y,
            max_workgroup_size_z: limits.max_compute_workgroup_size_z,
            max_workgroup_storage_bytes: limits.max_compute_workgroup_storage_size,
            max_workgroups_per_dimension: limits.max_compute_workgroups_per_dimension,
            max_storage_buffer_binding_size: limits.max_storage_buffer_binding_size,
            max_buffer_size: limits.max_buffer_size,
            max_storage_buffers_per_shader_stage: limits.max_storage_buffers_per_shader_stage,
            subgroup_min_size: info.subgroup_min_size.max(1),
            subgroup_max_size: info.subgroup_max_size.max(1),
            subgroups,
            // The probe replaces this once the device is open.
            max_loop_iterations: LOOP_PROBE_ITERATIONS,
            max_dispatch_work: DISPATCH_WORK_BUDGET,
            tuning: Tuning::default(),
        }
    }

    /// The largest buffer one storage binding can see, in bytes.
    pub fn max_binding_bytes(&self) -> u64 {
        self.max_storage_buffer_binding_size.min(self.max_buffer_size)
    }
}

/// A named set of limits lower than (or equal to) an adapter's, so tests on one device stand in
/// for others (docs/ARCHITECTURE.md rule 3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LimitProfile {
    /// The adapter's own limits.
    #[default]
    Native,
    /// Apple M1 class: 1024 invocations, 32 KiB workgroup memory, subgroup 32.
    AppleM1,
    /// The WebGPU defaults: 256 invocations, 16 KiB workgroup memory, 128 MiB bindings, 8
    /// storage buffers per kernel; 65,535 loop iterations per invocation (lavapipe's cap, the
    /// one software device every GPU-less user runs on).
    WebGpuDefault,
    /// Deliberately small: 64 invocations, 4 KiB, 64 workgroups per dimension, 16 MiB bindings,
    /// 8 storage buffers per kernel, no subgroups, 4,096 loop iterations per invocation and 2^18
    /// per dispatch.
    /// Forces every fallback path (grid folding, workgroup-memory instead of shuffles, splitting).
    Tiny,
}

impl LimitProfile {
    pub const ALL: [LimitProfile; 4] = [LimitProfile::Native, LimitProfile::AppleM1, LimitProfile::WebGpuDefault, LimitProfile::Tiny];

    pub fn name(self) -> &'static str {
        match self {
            LimitProfile::Native => "native",
            LimitProfile::AppleM1 => "apple-m1",
            LimitProfile::WebGpuDefault => "webgpu-default",
            LimitProfile::Tiny => "tiny",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Caps applied on top of the adapter's limits: invocations, workgroup bytes, workgroups
    /// per dimension, binding and buffer bytes, storage buffers per shader stage, subgroup size,
    /// subgroups allowed.
    fn caps(self) -> ProfileCaps {
        match self {
            LimitProfile::Native => ProfileCaps::default(),
            LimitProfile::AppleM1 => {
                ProfileCaps { invocations: Some(1024), workgroup_bytes: Some(32 << 10), subgroup_size: Some(32), ..Default::default() }
            }
            LimitProfile::WebGpuDefault => ProfileCaps {
                invocations: Some(256),
                workgroup_bytes: Some(16 << 10),
                binding_bytes: Some(128 << 20),
                buffer_bytes: Some(256 << 20),
                storage_buffers: Some(8),
                loop_iterations: Some(LAVAPIPE_LOOP_ITERATIONS),
                ..Default::default()
            },
            LimitProfile::Tiny => ProfileCaps {
                invocations: Some(64),
                workgroup_bytes: Some(4 << 10),
                workgroups_per_dimension: Some(64),
                binding_bytes: Some(16 << 20),
                buffer_bytes: Some(64 << 20),
                storage_buffers: Some(8),
                loop_iterations: Some(TINY_LOOP_ITERATIONS),
                dispatch_work: Some(TINY_DISPATCH_WORK),
                subgroups: false,
                ..Default::default()
            },
        }
    }

    /// The wgpu limits to request for this profile on an adapter offering `adapter`.
    pub fn apply_to_wgpu(self, adapter: &wgpu::Limits) -> wgpu::Limits {
        let c = self.caps();
        let mut l = adapter.clone();
        let cap32 = |v: &mut u32, cap: Option<u32>| {
            if let Some(cap) = cap {
                *v = (*v).min(cap)
            }
        };
        cap32(&mut l.max_compute_invocations_per_workgroup, c.invocations);
        cap32(&mut l.max_compute_workgroup_size_x, c.invocations);
        cap32(&mut l.max_compute_workgroup_size_y, c.invocations);
        cap32(&mut l.max_compute_workgroup_size_z, c.invocations.map(|i| i.min(64)));
        cap32(&mut l.max_compute_workgroup_storage_size, c.workgroup_bytes);
        cap32(&mut l.max_compute_workgroups_per_dimension, c.workgroups_per_dimension);
        cap32(&mut l.max_storage_buffers_per_shader_stage, c.storage_buffers);
        if let Some(b) = c.binding_bytes {
            l.max_storage_buffer_binding_size = l.max_storage_buffer_binding_size.min(b);
        }
        if let Some(b) = c.buffer_bytes {
            l.max_buffer_size = l.max_buffer_size.min(b);
        }
        l
    }

    /// Whether the profile allows subgroup operations (when the adapter has them).
    pub fn allows_subgroups(self) -> bool {
        self.caps().subgroups
    }

    /// The device limits this profile presents on an adapter with `adapter` limits. Subgroup
    /// sizes cannot be changed on a real device, so the profile's size applies only as a
    /// description (for `info` and unit tests); kernels use the adapter's real minimum.
    pub fn apply(self, adapter: &DeviceLimits) -> DeviceLimits {
        let c = self.caps();
        let min = |v: u32, cap: Option<u32>| cap.map_or(v, |cap| v.min(cap));
        let min64 = |v: u64, cap: Option<u64>| cap.map_or(v, |cap| v.min(cap));
        DeviceLimits {
            max_invocations_per_workgroup: min(adapter.max_invocations_per_workgroup, c.invocations),
            max_workgroup_size_x: min(adapter.max_workgroup_size_x, c.invocations),
            max_workgroup_size_y: min(adapter.max_workgroup_size_y, c.invocations),
            max_workgroup_size_z: min(adapter.max_workgroup_size_z, c.invocations.map(|i| i.min(64))),
            max_workgroup_storage_bytes: min(adapter.max_workgroup_storage_bytes, c.workgroup_bytes),
            max_workgroups_per_dimension: min(adapter.max_workgroups_per_dimension, c.workgroups_per_dimension),
            max_storage_buffer_binding_size: min64(adapter.max_storage_buffer_binding_size, c.binding_bytes),
            max_buffer_size: min64(adapter.max_buffer_size, c.buffer_bytes),
            max_storage_buffers_per_shader_stage: min(adapter.max_storage_buffers_per_shader_stage, c.storage_buffers),
            subgroup_min_size: adapter.subgroup_min_size,
            subgroup_max_size: adapter.subgroup_max_size,
            subgroups: adapter.subgroups && c.subgroups,
            max_loop_iterations: min(adapter.max_loop_iterations, c.loop_iterations),
            max_dispatch_work: min64(adapter.max_dispatch_work, c.dispatch_work),
            tuning: adapter.tuning,
        }
    }

    /// The profile's cap on loop iterations per invocation, if it has one.
    pub fn loop_iteration_cap(self) -> Option<u32> {
        self.caps().loop_iterations
    }

    /// A stand-alone description of the profile's device (for unit tests and `info`).
    pub fn reference_limits(self) -> Option<DeviceLimits> {
        let c = self.caps();
        let base = reference::generous();
        (self != LimitProfile::Native).then(|| {
            let mut l = self.apply(&base);
            if let Some(sg) = c.subgroup_size {
                l.subgroup_min_size = sg;
                l.subgroup_max_size = sg;
            }
            l
        })
    }
}

#[derive(Clone, Copy, Debug)]
struct ProfileCaps {
    invocations: Option<u32>,
    workgroup_bytes: Option<u32>,
    workgroups_per_dimension: Option<u32>,
    binding_bytes: Option<u64>,
    buffer_bytes: Option<u64>,
    storage_buffers: Option<u32>,
    subgroup_size: Option<u32>,
    loop_iterations: Option<u32>,
    dispatch_work: Option<u64>,
    subgroups: bool,
}

/// Loop iterations one invocation completes on Mesa's llvmpipe (gallivm's
/// `LP_MAX_TGSI_LOOP_ITERATIONS`, shared by every loop of the invocation).
pub const LAVAPIPE_LOOP_ITERATIONS: u32 = 65_535;
/// The `tiny` profile's loop cap: small enough that every splitting path runs in the tests.
pub const TINY_LOOP_ITERATIONS: u32 = 4_096;
/// The `tiny` profile's work per dispatch: long programs then run in blocks of rows in tests.
pub const TINY_DISPATCH_WORK: u64 = 1 << 18;

impl Default for ProfileCaps {
    fn default() -> Self {
        Self {
            invocations: None,
            workgroup_bytes: None,
            workgroups_per_dimension: None,
            binding_bytes: None,
            buffer_bytes: None,
            storage_buffers: None,
            subgroup_size: None,
            loop_iterations: None,
            dispatch_work: None,
            subgroups: true,
        }
    }
}

impl fmt::Display for LimitProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Limits of real devices, as their drivers report them through wgpu.
pub mod reference {
    use super::DeviceLimits;

    /// Storage buffers per kernel where the driver reports far more than any kernel binds
    /// (Vulkan's descriptor limits run to hundreds of thousands): a stand-in above every need.
    const MANY_STORAGE_BUFFERS: u32 = 1 << 16;

    fn device(inv: u32, wg_bytes: u32, sg_min: u32, sg_max: u32, binding: u64, buffer: u64) -> DeviceLimits {
        DeviceLimits {
            max_invocations_per_workgroup: inv,
            max_workgroup_size_x: inv,
            max_workgroup_size_y: inv,
            max_workgroup_size_z: 64,
            max_workgroup_storage_bytes: wg_bytes,
            max_workgroups_per_dimension: 65535,
            max_storage_buffer_binding_size: binding,
            max_buffer_size: buffer,
            max_storage_buffers_per_shader_stage: MANY_STORAGE_BUFFERS,
            subgroup_min_size: sg_min,
            subgroup_max_size: sg_max,
            subgroups: true,
            max_loop_iterations: super::LOOP_PROBE_ITERATIONS,
            max_dispatch_work: super::DISPATCH_WORK_BUDGET,
            tuning: crate::Tuning::default(),
        }
    }
    /// Apple M1 through Metal.
    pub fn apple_m1() -> DeviceLimits {
        // Metal's 31 buffer slots less the two wgpu keeps for itself.
        DeviceLimits { max_storage_buffers_per_shader_stage: 29, ..device(1024, 32 << 10, 32, 32, 1 << 30, 1 << 30) }
    }
    /// NVIDIA H100 through Vulkan.
    pub fn nvidia_h100() -> DeviceLimits {
        device(1024, 48 << 10, 32, 32, (2 << 30) - 4, 4 << 30)
    }
    /// AMD RDNA through Vulkan (wave32 or wave64).
    pub fn amd_rdna() -> DeviceLimits {
        device(1024, 64 << 10, 32, 64, (2 << 30) - 4, 4 << 30)
    }
    /// Mesa lavapipe (software Vulkan).
    pub fn lavapipe() -> DeviceLimits {
        DeviceLimits { max_loop_iterations: super::LAVAPIPE_LOOP_ITERATIONS, ..device(1024, 32 << 10, 8, 8, 128 << 20, 1 << 30) }
    }
    /// WebGPU's default limits (no subgroups assumed).
    pub fn webgpu_default() -> DeviceLimits {
        let mut l = device(256, 16 << 10, 4, 128, 128 << 20, 256 << 20);
        l.max_workgroup_size_x = 256;
        l.max_workgroup_size_y = 256;
        l.max_storage_buffers_per_shader_stage = 8;
        l.subgroups = false;
        l.max_loop_iterations = super::LAVAPIPE_LOOP_ITERATIONS;
        l
    }
    /// A device larger than any of the above, the base the profiles cap.
    pub fn generous() -> DeviceLimits {
        device(1024, 64 << 10, 32, 32, 2 << 30, 4 << 30)
    }
    /// Every reference device with its name.
    pub fn all() -> Vec<(&'static str, DeviceLimits)> {
        vec![
            ("apple-m1", apple_m1()),
            ("nvidia-h100-vulkan", nvidia_h100()),
            ("amd-rdna", amd_rdna()),
            ("lavapipe", lavapipe()),
            ("webgpu-default", webgpu_default()),
            ("tiny", super::LimitProfile::Tiny.reference_limits().unwrap()),
        ]
    }
}

pub use crate::error::GeometryError;

/// Refuses a launch whose invocations would loop more often than the device completes
/// (`DeviceLimits::max_loop_iterations`, all of a kernel's loops together): a kernel's host side
/// calls this with the most iterations any of its invocations runs, after its rule has split
/// the work. A driver that leaves a loop early does so silently, so an unchecked launch would
/// give wrong values rather than an error.
pub fn check_loop_iterations(kernel: &'static str, iterations: u64, l: &DeviceLimits) -> Result<(), GeometryError> {
    if iterations > l.max_loop_iterations as u64 {
        return Err(GeometryError::LoopIterations { kernel, iterations, limit: l.max_loop_iterations });
    }
    Ok(())
}

/// A grid of workgroups, folded into up to three dimensions. Kernels recover the linear
/// workgroup index as `x + y * dims[0] + z * dims[0] * dims[1]` and ignore indices at or past
/// `workgroups`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grid {
    pub dims: [u32; 3],
    pub workgroups: u64,
}

impl Grid {
    pub fn is_empty(&self) -> bool {
        self.workgroups == 0
    }
}

/// One dispatch of a split grid: workgroups `base .. base + grid.workgroups` of the whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GridPart {
    pub base: u32,
    pub grid: Grid,
}

/// Splits `workgroups` into dispatches that each fit the device's grid (folded to 3-D). Kernels
/// add `base` to their folded workgroup index. Work larger than 2^32 workgroups is refused.
pub fn split_grid(kernel: &'static str, workgroups: u64, max_per_dim: u32) -> Result<Vec<GridPart>, GeometryError> {
    if workgroups > u32::MAX as u64 {
        return Err(GeometryError::GridTooLarge { kernel, workgroups, max_per_dim });
    }
    let m = max_per_dim.max(1) as u64;
    let per_dispatch = m * m * m;
    let mut parts = Vec::new();
    let mut base = 0u64;
    while base < workgroups {
        let n = per_dispatch.min(workgroups - base);
        parts.push(GridPart { base: base as u32, grid: fold_grid(kernel, n, max_per_dim)? });
        base += n;
    }
    Ok(parts)
}

/// Folds `workgroups` into a grid whose every dimension is at most `max_per_dim`.
pub fn fold_grid(kernel: &'static str, workgroups: u64, max_per_dim: u32) -> Result<Grid, GeometryError> {
    if workgroups == 0 {
        return Ok(Grid { dims: [0, 0, 0], workgroups });
    }
    let m = max_per_dim.max(1) as u64;
    let x = workgroups.min(m);
    let y = workgroups.div_ceil(x).min(m);
    let z = workgroups.div_ceil(x * y);
    if z > m {
        return Err(GeometryError::GridTooLarge { kernel, workgroups, max_per_dim });
    }
    Ok(Grid { dims: [x as u32, y as u32, z as u32], workgroups })
}

/// What a launch looks like: the per-pipeline shape (workgroup size, workgroup memory, work per
/// invocation) of a kernel. The grid is chosen per dispatch with [`fold_grid`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LaunchShape {
    pub workgroup_size: [u32; 3],
    pub workgroup_memory_bytes: u32,
    pub items_per_invocation: u32,
}

impl LaunchShape {
    pub fn invocations(&self) -> u32 {
        self.workgroup_size.iter().product()
    }

    /// Checks the shape against the device; every rule's output passes this by construction,
    /// the unit tests make sure of it.
    pub fn fits(&self, l: &DeviceLimits) -> bool {
        self.invocations() <= l.max_invocations_per_workgroup
            && self.workgroup_size[0] <= l.max_workgroup_size_x
            && self.workgroup_size[1] <= l.max_workgroup_size_y
            && self.workgroup_size[2] <= l.max_workgroup_size_z
            && self.workgroup_memory_bytes <= l.max_workgroup_storage_bytes
    }
}

pub fn floor_pow2(x: u32) -> u32 {
    if x == 0 {
        0
    } else {
        1 << (31 - x.leading_zeros())
    }
}

/// Invocations per workgroup we aim for when the kernel has a free choice: enough to hide
/// latency on desktop GPUs, a multiple of every subgroup size, within the device's limits.
pub fn preferred_invocations(l: &DeviceLimits) -> u32 {
    let cap = floor_pow2(l.max_invocations_per_workgroup.min(l.max_workgroup_size_x)).max(1);
    256u32.max(floor_pow2(l.subgroup_max_size)).min(cap)
}

/// Elementwise kernels (one item per invocation, 1-D): workgroup size and grid.
pub fn elementwise(l: &DeviceLimits) -> LaunchShape {
    LaunchShape { workgroup_size: [preferred_invocations(l), 1, 1], workgroup_memory_bytes: 0, items_per_invocation: 1 }
}

/// How many items of a loop an invocation of a reduction takes on, so that `items` spread over
/// about as many invocations as the device keeps busy (`resident_invocations`); at least one,
/// and never more than an invocation may loop (`max_loop_iterations`: more invocations then).
pub fn items_per_invocation(l: &DeviceLimits, items: u64) -> u32 {
    let resident = resident_invocations(l);
    items.div_ceil(resident).clamp(1, l.max_loop_iterations.max(1) as u64) as u32
}

/// [`items_per_invocation`] for a kernel whose invocations loop `per_item` times per item and
/// `fixed` times besides (all of its loops count against `max_loop_iterations`).
pub fn items_per_invocation_looping(l: &DeviceLimits, items: u64, per_item: u32, fixed: u32) -> u32 {
    let fit = l.max_loop_iterations.saturating_sub(fixed) / per_item.max(1);
    items_per_invocation(l, items).min(fit.max(1))
}

/// Invocations worth launching at once to fill a large device: a few hundred workgroups of the
/// preferred size. Small devices are merely oversubscribed, which costs nothing.
pub fn resident_invocations(l: &DeviceLimits) -> u64 {
    512 * preferred_invocations(l) as u64
}

/// Butterfly pairs an invocation of a small-block kernel aims to own.
const SMALL_BLOCK_PAIRS_PER_INVOCATION: u32 = 4;

/// Without subgroups, blocks still get at least one warp-sized group of invocations.
const MIN_INVOCATIONS_PER_BLOCK: u32 = 32;

/// Largest `l` for which `batch_ntt_small` is defined.
pub const MAX_SMALL_NTT_LOG: u32 = 10;

/// Geometry of `batch_ntt_small` (and the other small-block kernels that share its shape):
/// many independent blocks of `2^log_n` field elements, each transformed by one group of
/// invocations that exchange values through subgroup shuffles for the first levels and through
/// workgroup memory for the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SmallBlockGeometry {
    pub log_n: u32,
    /// Invocations that cooperate on one block (a power of two, at most 2^(log_n-1)).
    pub invocations_per_block: u32,
    /// Blocks handled by one workgroup.
    pub blocks_per_workgroup: u32,
    /// Butterflies per invocation per level.
    pub pairs_per_invocation: u32,
    /// Level transitions done with subgroup shuffles (0 without subgroups).
    pub shuffle_transitions: u32,
    pub shape: LaunchShape,
}

impl SmallBlockGeometry {
    /// Whether workgroup memory is used at all.
    pub fn uses_workgroup_memory(&self) -> bool {
        self.shape.workgroup_memory_bytes > 0
    }

    /// The dispatches for `blocks` blocks.
    pub fn grid(&self, kernel: &'static str, blocks: u64, l: &DeviceLimits) -> Result<Vec<GridPart>, GeometryError> {
        split_grid(kernel, blocks.div_ceil(self.blocks_per_workgroup as u64), l.max_workgroups_per_dimension)
    }
}

/// The rule for small-block kernels: one invocation per butterfly pair up to the device's
/// per-workgroup cap, shuffles for the level transitions whose partner lies inside the smallest
/// subgroup the device can run, several blocks per workgroup until the preferred invocation
/// count or half the workgroup memory is used (leaving room for a second resident workgroup).
/// `shuffles_allowed` is false for kernels that have no shuffle path.
pub fn small_block(
    kernel: &'static str,
    l: &DeviceLimits,
    log_n: u32,
    shuffles_allowed: bool,
) -> Result<SmallBlockGeometry, GeometryError> {
    small_block_tuned(kernel, l, log_n, shuffles_allowed, None)
}

/// [`small_block`] with an optional cap on invocations per block (for tuning sweeps; also read
/// from the tuning, `DeviceLimits::tuning`).
pub fn small_block_tuned(
    kernel: &'static str,
    l: &DeviceLimits,
    log_n: u32,
    shuffles_allowed: bool,
    max_invocations_per_block: Option<u32>,
) -> Result<SmallBlockGeometry, GeometryError> {
    if log_n > MAX_SMALL_NTT_LOG {
        return Err(GeometryError::OutOfRange { kernel, what: "log_n", value: log_n as u64, range: "0..=10" });
    }
    let pairs = (1u32 << log_n) / 2;
    let cap = floor_pow2(l.max_invocations_per_workgroup.min(l.max_workgroup_size_x)).max(1);
    // Past the preferred workgroup size an invocation takes several pairs instead: more
    // independent work per invocation, and blocks stay small enough to keep SMs full.
    // About four pairs per invocation (more independent work, fewer barriers: measured best on
    // an H200), but at least two subgroups per block so the shuffle levels stay in registers.
    let floor = if l.subgroups { 2 * floor_pow2(l.subgroup_max_size.max(1)) } else { MIN_INVOCATIONS_PER_BLOCK };
    let floor = pairs.min(floor).max(1);
    let target = (pairs / SMALL_BLOCK_PAIRS_PER_INVOCATION).max(floor);
    let per_block_cap = max_invocations_per_block.map_or(preferred_invocations(l), |c| floor_pow2(c.max(1))).min(cap);
    let invocations_per_block = target.clamp(1, per_block_cap);
    let pairs_per_invocation = (pairs / invocations_per_block).max(1);
    // Partner distance for the transition after level i is 2^i pair slots; a shuffle reaches it
    // when it stays inside one block's invocations and inside the smallest subgroup.
    let shuffle_transitions = if shuffles_allowed && l.subgroups && log_n >= 2 {
        let reach = invocations_per_block.min(l.subgroup_min_size);
        (reach.trailing_zeros()).min(log_n - 1)
    } else {
        0
    };
    let needs_memory = log_n >= 2 && shuffle_transitions < log_n - 1;
    let block_bytes = if needs_memory { 4u32 << log_n } else { 0 };
    if block_bytes > l.max_workgroup_storage_bytes {
        return Err(GeometryError::WorkgroupMemory { kernel, needed: block_bytes as u64, available: l.max_workgroup_storage_bytes as u64 });
    }
    let by_invocations = (preferred_invocations(l) / invocations_per_block).max(1);
    let by_memory = (l.max_workgroup_storage_bytes / 2).checked_div(block_bytes).map_or(u32::MAX, |b| b.max(1));
    let blocks_per_workgroup = floor_pow2(by_invocations.min(by_memory).min(cap / invocations_per_block)).max(1);
    Ok(SmallBlockGeometry {
        log_n,
        invocations_per_block,
        blocks_per_workgroup,
        pairs_per_invocation,
        shuffle_transitions,
        shape: LaunchShape {
            workgroup_size: [invocations_per_block * blocks_per_workgroup, 1, 1],
            workgroup_memory_bytes: block_bytes * blocks_per_workgroup,
            items_per_invocation: pairs_per_invocation,
        },
    })
}

/// One pass of the large radix-2 NTT: `levels` consecutive butterfly levels starting at
/// `first_level`, done in workgroup memory on tiles of `2^(coalesce_log + levels)` elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NttPass {
    pub first_level: u32,
    pub levels: u32,
    /// log2 of the run of consecutive elements each tile row holds (for coalesced access).
    pub coalesce_log: u32,
}

/// Geometry of the large NTT on columns of `2^log_n` elements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LargeNttGeometry {
    pub log_n: u32,
    /// log2 of the elements one workgroup keeps in workgroup memory.
    pub tile_log: u32,
    pub passes: Vec<NttPass>,
    pub shape: LaunchShape,
}

/// Consecutive elements a later pass reads per tile row: 2^3 u32 = 32 bytes, one DRAM sector.
const NTT_COALESCE_LOG: u32 = 3;
/// Beyond 2^12 elements per tile the extra levels per pass stop paying for the lost occupancy
/// (measured on an H200 through Vulkan: 2^12 beat 2^13 at every workgroup size).
const NTT_MAX_TILE_LOG: u32 = 12;
/// Butterflies per invocation per level: four beat one, two and eight at every tile size measured.
const NTT_BUTTERFLIES_PER_INVOCATION: u32 = 4;

/// Optional caps on the large-NTT rule's choices (for tuning sweeps); the rule still keeps
/// everything within the device's limits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LargeNttTuning {
    pub max_tile_log: Option<u32>,
    pub invocations: Option<u32>,
}

impl LargeNttTuning {
    /// The device's tuning caps (crate::tuning).
    pub fn of(l: &DeviceLimits) -> Self {
        Self { max_tile_log: l.tuning.ntt_tile_log, invocations: l.tuning.ntt_invocations }
    }
}

/// The rule for the large NTT: tiles of at most half the workgroup memory (so two workgroups can
/// be resident where a core's memory equals the per-workgroup limit), up to 2^12 elements; four
/// butterflies per invocation; the first pass on contiguous elements, later passes on runs of at
/// least 2^3 elements, the levels spread evenly over the passes.
pub fn large_ntt(kernel: &'static str, l: &DeviceLimits, log_n: u32) -> Result<LargeNttGeometry, GeometryError> {
    large_ntt_tuned(kernel, l, log_n, LargeNttTuning::default())
}

pub fn large_ntt_tuned(
    kernel: &'static str,
    l: &DeviceLimits,
    log_n: u32,
    tuning: LargeNttTuning,
) -> Result<LargeNttGeometry, GeometryError> {
    if log_n > 27 {
        return Err(GeometryError::OutOfRange { kernel, what: "log_n", value: log_n as u64, range: "0..=27 (BabyBear's two-adicity)" });
    }
    let max_tile_log = 31 - (l.max_workgroup_storage_bytes / 8).max(1).leading_zeros();
    if max_tile_log < NTT_COALESCE_LOG + 1 {
        return Err(GeometryError::WorkgroupMemory {
            kernel,
            needed: 4 << (NTT_COALESCE_LOG + 1),
            available: l.max_workgroup_storage_bytes as u64,
        });
    }
    let tile_log =
        max_tile_log.min(NTT_MAX_TILE_LOG).min(tuning.max_tile_log.unwrap_or(u32::MAX).max(NTT_COALESCE_LOG + 1)).min(log_n.max(1));
    let mut passes = Vec::new();
    if log_n > 0 {
        let first = tile_log.min(log_n);
        passes.push(NttPass { first_level: 0, levels: first, coalesce_log: 0 });
        let rest = log_n - first;
        if rest > 0 {
            let per_pass_max = tile_log - NTT_COALESCE_LOG.min(tile_log - 1);
            let count = rest.div_ceil(per_pass_max);
            let mut level = first;
            for i in 0..count {
                let levels = (rest - (level - first)).div_ceil(count - i);
                let coalesce_log = (tile_log - levels).min(level);
                passes.push(NttPass { first_level: level, levels, coalesce_log });
                level += levels;
            }
        }
    }
    let butterflies = 1u32 << (tile_log.max(1) - 1);
    let cap = floor_pow2(l.max_invocations_per_workgroup.min(l.max_workgroup_size_x)).max(1);
    let wanted = tuning.invocations.map_or((butterflies / NTT_BUTTERFLIES_PER_INVOCATION).max(1), |i| floor_pow2(i.max(1)));
    let invocations = wanted.min(cap).min(butterflies);
    Ok(LargeNttGeometry {
        log_n,
        tile_log,
        passes,
        shape: LaunchShape {
            workgroup_size: [invocations, 1, 1],
            workgroup_memory_bytes: 4 << tile_log,
            items_per_invocation: butterflies / invocations,
        },
    })
}

impl LargeNttGeometry {
    /// Tiles (workgroups) per column in `pass`.
    pub fn tiles_per_column(&self, pass: &NttPass) -> u64 {
        1u64 << (self.log_n - pass.levels - pass.coalesce_log)
    }

    /// The dispatches for one pass over `columns` columns.
    pub fn pass_grid(&self, kernel: &'static str, pass: &NttPass, columns: u64, l: &DeviceLimits) -> Result<Vec<GridPart>, GeometryError> {
        split_grid(kernel, self.tiles_per_column(pass) * columns, l.max_workgroups_per_dimension)
    }
}

/// Geometry of a tiled transpose: square tiles of `tile` x `tile` words staged in workgroup
/// memory (rows padded by one word against bank conflicts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransposeGeometry {
    pub tile: u32,
    pub shape: LaunchShape,
}

/// The transpose rule: the largest tile up to 32 x 32 whose padded size fits half the workgroup
/// memory, four words per invocation.
pub fn transpose(kernel: &'static str, l: &DeviceLimits) -> Result<TransposeGeometry, GeometryError> {
    let budget = l.max_workgroup_storage_bytes / 2;
    let mut tile = 32u32;
    while tile > 1 && tile * (tile + 1) * 4 > budget {
        tile /= 2;
    }
    if tile * (tile + 1) * 4 > l.max_workgroup_storage_bytes {
        return Err(GeometryError::WorkgroupMemory {
            kernel,
            needed: (tile * (tile + 1) * 4) as u64,
            available: l.max_workgroup_storage_bytes as u64,
        });
    }
    let cap = floor_pow2(l.max_invocations_per_workgroup.min(l.max_workgroup_size_x)).max(1);
    let invocations = (tile * tile / 4).clamp(1, cap);
    Ok(TransposeGeometry {
        tile,
        shape: LaunchShape {
            workgroup_size: [invocations, 1, 1],
            workgroup_memory_bytes: tile * (tile + 1) * 4,
            items_per_invocation: tile * tile / invocations,
        },
    })
}

/// Items (pairs, products, partials) each invocation of a reduction accumulates before the
/// workgroup combines its invocations' sums.
pub const REDUCTION_ITEMS_PER_INVOCATION: u32 = 8;

/// Geometry of a reduction (ARCHITECTURE.md rule 10): every invocation accumulates up to
/// `items_per_invocation` items in registers, the workgroup sums its invocations' partials in
/// workgroup memory (`partial_bytes` per invocation) and writes one partial; a second pass
/// (the same rule) sums the partials until one is left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReductionGeometry {
    pub shape: LaunchShape,
    /// Bytes of one invocation's (and one workgroup's) partial.
    pub partial_bytes: u32,
}

impl ReductionGeometry {
    /// Items one workgroup reduces.
    pub fn items_per_workgroup(&self) -> u64 {
        self.shape.invocations() as u64 * self.shape.items_per_invocation as u64
    }

    /// Workgroups (and so partials) a pass over `items` items produces.
    pub fn workgroups(&self, items: u64) -> u64 {
        items.div_ceil(self.items_per_workgroup())
    }
}

/// The reduction rule: the preferred workgroup size, halved until the partials fit the device's
/// workgroup memory; refused when not even one invocation's partial fits.
pub fn reduction(kernel: &'static str, l: &DeviceLimits, partial_bytes: u32) -> Result<ReductionGeometry, GeometryError> {
    let by_memory = floor_pow2(l.max_workgroup_storage_bytes / partial_bytes.max(1));
    if by_memory == 0 {
        return Err(GeometryError::WorkgroupMemory {
            kernel,
            needed: partial_bytes as u64,
            available: l.max_workgroup_storage_bytes as u64,
        });
    }
    let wg = preferred_invocations(l).min(by_memory);
    Ok(ReductionGeometry {
        shape: LaunchShape {
            workgroup_size: [wg, 1, 1],
            workgroup_memory_bytes: wg * partial_bytes,
            items_per_invocation: REDUCTION_ITEMS_PER_INVOCATION,
        },
        partial_bytes,
    })
}

/// How `total` equal items of `item_bytes` each are split over buffers that one binding can see:
/// items per chunk (at least one item must fit).
pub fn items_per_binding(item_bytes: u64, l: &DeviceLimits) -> Option<u64> {
    let per = l.max_binding_bytes() / item_bytes.max(1);
    (per > 0).then_some(per)
}

/// Items of `item_bytes` each per chunk of a [`crate::buffer::SplitVec`]: the largest power of
/// two of them one binding (and one buffer) holds, so aligned power-of-two blocks of items (a
/// Merkle node's children, a butterfly's pairs) fall in one chunk whenever they fit one.
/// `None` when not even one item fits.
pub fn pow2_items_per_binding(item_bytes: u64, l: &DeviceLimits) -> Option<u64> {
    let per = l.max_binding_bytes() / item_bytes.max(1);
    (per > 0).then(|| 1 << (63 - per.leading_zeros()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_stay_within_the_loop_limit() {
        for (name, l) in reference::all() {
            let limit = l.max_loop_iterations;
            assert!(check_loop_iterations("t", limit as u64, &l).is_ok(), "{name}");
            assert!(matches!(check_loop_iterations("t", limit as u64 + 1, &l), Err(GeometryError::LoopIterations { .. })), "{name}");
            for items in [0u64, 1, 1 << 20, 1 << 40] {
                let per = items_per_invocation(&l, items);
                assert!(per >= 1 && per <= limit, "{name} {items}: {per}");
                let per = items_per_invocation_looping(&l, items, 5, 12);
                assert!(per == 1 || 5 * per as u64 + 12 <= limit as u64, "{name} {items}: {per}");
            }
        }
        assert_eq!(reference::lavapipe().max_loop_iterations, LAVAPIPE_LOOP_ITERATIONS);
        let tiny = LimitProfile::Tiny.reference_limits().unwrap();
        assert_eq!((tiny.max_loop_iterations, tiny.max_dispatch_work), (TINY_LOOP_ITERATIONS, TINY_DISPATCH_WORK));
        let webgpu = LimitProfile::WebGpuDefault.reference_limits().unwrap();
        assert_eq!(webgpu.max_loop_iterations, LAVAPIPE_LOOP_ITERATIONS);
        // A profile never raises the device's limit.
        let low = DeviceLimits { max_loop_iterations: 100, ..reference::generous() };
        assert_eq!(LimitProfile::Tiny.apply(&low).max_loop_iterations, 100);
    }

    #[test]
    fn items_per_invocation_spreads_over_resident_invocations() {
        for (_, l) in reference::all() {
            assert_eq!(items_per_invocation(&l, 0), 1);
            assert_eq!(items_per_invocation(&l, 1), 1);
            let many = resident_invocations(&l) * 7 + 1;
            assert_eq!(items_per_invocation(&l, many), 8);
        }
    }

    #[test]
    fn grid_folds_and_covers() {
        for &(n, m) in &[(0u64, 65535u32), (1, 65535), (65535, 65535), (65536, 65535), (1 << 31, 65535), (4097, 64), (64 * 64 * 64, 64)] {
            let g = fold_grid("t", n, m).unwrap();
            assert!(g.dims.iter().all(|&d| d <= m), "{n} {m} {g:?}");
            let cover: u64 = g.dims.iter().map(|&d| d as u64).product();
            assert!(cover >= n, "{n} {m} {g:?}");
            if n > 0 {
                // no dimension is wasted entirely
                assert!(cover - n < (g.dims[0] as u64) * (g.dims[1] as u64), "{n} {m} {g:?}");
            }
        }
        assert!(fold_grid("t", 64 * 64 * 64 + 1, 64).is_err());
        let parts = split_grid("t", 64 * 64 * 64 * 2 + 5, 64).unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[2].base, 64 * 64 * 64 * 2);
        assert_eq!(parts[2].grid.workgroups, 5);
        assert!(split_grid("t", 0, 64).unwrap().is_empty());
        assert_eq!(fold_grid("t", 70000, 65535).unwrap().dims, [65535, 2, 1]);
    }

    #[test]
    fn small_block_rule_on_real_devices() {
        let mut table = String::new();
        for (name, l) in reference::all() {
            for log_n in 0..=MAX_SMALL_NTT_LOG {
                let g = small_block("batch_ntt_small", &l, log_n, true).unwrap();
                assert!(g.shape.fits(&l), "{name} l={log_n}: {g:?}");
                assert!(g.invocations_per_block.is_power_of_two());
                let pairs = ((1u32 << log_n) / 2).max(1);
                assert_eq!(g.invocations_per_block * g.pairs_per_invocation, pairs.max(g.invocations_per_block));
                if l.subgroups && log_n >= 2 {
                    assert!(1 << g.shuffle_transitions <= l.subgroup_min_size);
                } else {
                    assert_eq!(g.shuffle_transitions, 0);
                }
                table += &format!(
                    "{name:20} l={log_n:2} wg={:4} blocks/wg={:3} pairs/inv={:2} shuffles={} wgmem={}\n",
                    g.shape.workgroup_size[0],
                    g.blocks_per_workgroup,
                    g.pairs_per_invocation,
                    g.shuffle_transitions,
                    g.shape.workgroup_memory_bytes
                );
            }
        }
        println!("{table}");
        // Spot checks that show the rule adapts rather than hard-codes.
        let m1 = small_block("k", &reference::apple_m1(), 10, true).unwrap();
        assert_eq!((m1.invocations_per_block, m1.pairs_per_invocation, m1.shuffle_transitions), (128, 4, 5));
        let m1_small = small_block("k", &reference::apple_m1(), 7, true).unwrap();
        assert_eq!((m1_small.invocations_per_block, m1_small.pairs_per_invocation), (64, 1));
        let rdna = small_block("k", &reference::amd_rdna(), 10, true).unwrap();
        assert_eq!((rdna.invocations_per_block, rdna.shuffle_transitions), (128, 5));
        let lvp = small_block("k", &reference::lavapipe(), 10, true).unwrap();
        assert_eq!(lvp.shuffle_transitions, 3);
        let tiny = small_block("k", &LimitProfile::Tiny.reference_limits().unwrap(), 10, true).unwrap();
        assert_eq!((tiny.invocations_per_block, tiny.pairs_per_invocation, tiny.shuffle_transitions), (64, 8, 0));
        assert_eq!(tiny.shape.workgroup_memory_bytes, 4096);
        let web = small_block("k", &reference::webgpu_default(), 10, true).unwrap();
        assert_eq!((web.invocations_per_block, web.pairs_per_invocation), (128, 4));
    }

    #[test]
    fn small_block_reports_missing_memory() {
        let mut l = reference::lavapipe();
        l.max_workgroup_storage_bytes = 2048;
        l.subgroups = false;
        assert!(matches!(small_block("k", &l, 10, true), Err(GeometryError::WorkgroupMemory { .. })));
        assert!(small_block("k", &l, 9, true).is_ok());
        assert!(small_block("k", &l, 11, true).is_err());
    }

    #[test]
    fn large_ntt_rule_on_real_devices() {
        for (name, l) in reference::all() {
            for log_n in 0..=27 {
                let g = large_ntt("ntt", &l, log_n).unwrap();
                assert!(g.shape.fits(&l), "{name} {log_n} {g:?}");
                assert_eq!(g.passes.iter().map(|p| p.levels).sum::<u32>(), log_n, "{name} {log_n} {g:?}");
                let mut next = 0;
                for p in &g.passes {
                    assert_eq!(p.first_level, next);
                    assert!(p.levels + p.coalesce_log <= g.tile_log, "{name} {log_n} {g:?}");
                    assert!(p.coalesce_log <= p.first_level);
                    next += p.levels;
                    let parts = g.pass_grid("ntt", p, 100, &l).unwrap();
                    assert!(parts.iter().all(|part| part.grid.dims.iter().all(|&d| d <= l.max_workgroups_per_dimension)));
                    assert_eq!(parts.iter().map(|p| p.grid.workgroups).sum::<u64>(), g.tiles_per_column(p) * 100);
                }
                if log_n == 24 {
                    println!("{name:20} log_n=24 tile=2^{} passes={:?} wg={:?}", g.tile_log, g.passes, g.shape.workgroup_size);
                }
            }
        }
        let h100 = large_ntt("ntt", &reference::nvidia_h100(), 24).unwrap();
        assert_eq!((h100.tile_log, h100.shape.workgroup_size[0], h100.shape.workgroup_memory_bytes), (12, 512, 16384));
        assert_eq!(h100.passes.len(), 3);
        let tiny = large_ntt("ntt", &LimitProfile::Tiny.reference_limits().unwrap(), 24).unwrap();
        assert_eq!(tiny.tile_log, 9);
        assert_eq!(tiny.shape.workgroup_size[0], 64);
        let web = large_ntt("ntt", &reference::webgpu_default(), 24).unwrap();
        assert_eq!((web.tile_log, web.shape.workgroup_size[0]), (11, 256));
    }

    #[test]
    fn transpose_rule_on_real_devices() {
        for (name, l) in reference::all() {
            let g = transpose("t", &l).unwrap();
            assert!(g.shape.fits(&l), "{name} {g:?}");
            assert_eq!(g.shape.invocations() * g.shape.items_per_invocation, g.tile * g.tile);
        }
        assert_eq!(transpose("t", &reference::nvidia_h100()).unwrap().tile, 32);
        assert_eq!(transpose("t", &LimitProfile::Tiny.reference_limits().unwrap()).unwrap().tile, 16);
    }

    #[test]
    fn profiles_never_raise_limits() {
        for (_, base) in reference::all() {
            for p in LimitProfile::ALL {
                let l = p.apply(&base);
                assert!(l.max_invocations_per_workgroup <= base.max_invocations_per_workgroup);
                assert!(l.max_workgroup_storage_bytes <= base.max_workgroup_storage_bytes);
                assert!(l.max_storage_buffer_binding_size <= base.max_storage_buffer_binding_size);
                assert!(l.max_workgroups_per_dimension <= base.max_workgroups_per_dimension);
                assert!(!l.subgroups || base.subgroups);
            }
        }
        let tiny = LimitProfile::Tiny.reference_limits().unwrap();
        assert_eq!(
            (tiny.max_invocations_per_workgroup, tiny.max_workgroup_storage_bytes, tiny.max_workgroups_per_dimension),
            (64, 4096, 64)
        );
        assert!(!tiny.subgroups);
    }

    #[test]
    fn elementwise_and_binding_split() {
        for (_, l) in reference::all() {
            assert!(elementwise(&l).fits(&l));
        }
        let lvp = reference::lavapipe();
        assert_eq!(items_per_binding(4 << 20, &lvp), Some(32));
        assert_eq!(items_per_binding(256 << 20, &lvp), None);
        // Digests (32 bytes): 2^22 per 128 MiB binding; tiny's 16 MiB bindings hold 2^19.
        assert_eq!(pow2_items_per_binding(32, &lvp), Some(1 << 22));
        assert_eq!(pow2_items_per_binding(32, &LimitProfile::Tiny.reference_limits().unwrap()), Some(1 << 19));
        // A binding that is not a power of two (the H100's 2 GiB - 4) rounds down.
        assert_eq!(pow2_items_per_binding(32, &reference::nvidia_h100()), Some(1 << 25));
        assert_eq!(pow2_items_per_binding(3 << 20, &lvp), Some(32));
        assert_eq!(pow2_items_per_binding(256 << 20, &lvp), None);
        for (name, l) in reference::all() {
            for item in [4u64, 16, 32, 48] {
                let per = pow2_items_per_binding(item, &l).unwrap();
                assert!(
                    per.is_power_of_two() && per * item <= l.max_binding_bytes() && 2 * per * item > l.max_binding_bytes(),
                    "{name} {item}"
                );
            }
        }
    }

    #[test]
    fn reduction_rule_on_real_devices() {
        for (name, l) in reference::all() {
            for partial in [4u32, 16, 32] {
                let g = reduction("r", &l, partial).unwrap();
                assert!(g.shape.fits(&l), "{name} partial={partial}: {g:?}");
                assert!(g.shape.workgroup_size[0].is_power_of_two());
                assert_eq!(g.shape.workgroup_memory_bytes, g.shape.workgroup_size[0] * partial);
                assert_eq!(g.workgroups(0), 0);
                assert_eq!(g.workgroups(1), 1);
                assert_eq!(g.workgroups(g.items_per_workgroup() + 1), 2);
            }
        }
        // Two extension elements per invocation: tiny's 4 KiB hold 128 of them, it allows 64.
        let tiny = reduction("r", &LimitProfile::Tiny.reference_limits().unwrap(), 32).unwrap();
        assert_eq!(tiny.shape.workgroup_size[0], 64);
        let mut l = reference::lavapipe();
        l.max_workgroup_storage_bytes = 1024;
        assert_eq!(reduction("r", &l, 32).unwrap().shape.workgroup_size[0], 32);
        l.max_workgroup_storage_bytes = 16;
        assert!(matches!(reduction("r", &l, 32), Err(GeometryError::WorkgroupMemory { .. })));
    }
}

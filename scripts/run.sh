#!/usr/bin/env bash
# The main job: list the GPU adapters, show the chosen device's limits and every kernel's launch
# configuration, and self-check the NTT kernels against Plonky3.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-vulkan.sh
cargo run --release -q -p openvm-wgpu-cli -- info "$@"

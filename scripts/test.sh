#!/usr/bin/env bash
# Runs every test, the GPU tests included. Without a GPU they run on Mesa lavapipe (software
# Vulkan), which scripts/ensure-vulkan.sh installs when no Vulkan driver is present.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-vulkan.sh
cargo test --release --workspace "$@"

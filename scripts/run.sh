#!/usr/bin/env bash
# The main job: prove and verify Keccak-f permutations on the GPU (on the CPU backend, with a
# one-line note, when no GPU adapter or only a software one exists), printing each prover
# phase's time. Arguments go to `openvm-wgpu prove keccakf` (for example --perms 8192,
# --backend cpu, or --backend wgpu to use a software adapter anyway).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-vulkan.sh
cargo run --release -q -p openvm-wgpu-cli -- prove keccakf "$@"

#!/usr/bin/env bash
# The main job: prove and verify Keccak-f permutations on the GPU (on the CPU backend, with a
# one-line note, when no GPU adapter or only a software one exists), printing each prover
# phase's time. Arguments go to `openvm-wgpu prove keccakf` (for example --perms 8192,
# --backend cpu, or --backend wgpu to use a software adapter anyway; --help lists them all).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-vulkan.sh
# Built first with cargo's progress shown: a quiet `cargo run` says nothing for the minutes the
# first build takes.
echo "run.sh: building openvm-wgpu (release); the first build takes several minutes" >&2
cargo build --release -p openvm-wgpu-cli
exec "${CARGO_TARGET_DIR:-target}/release/openvm-wgpu" prove keccakf "$@"

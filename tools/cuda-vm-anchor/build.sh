#!/usr/bin/env bash
# Builds cuda-vm-anchor with a CUDA toolkit (CUDA_PATH, nvcc on PATH; CUDA_ARCH, e.g. 90 for
# Hopper). The crates.io packages of openvm-circuit 2.0.2 and openvm-rv32im-circuit 2.0.2 point
# their build scripts at include directories of the openvm monorepo; nvcc gets the packages' own
# `cuda/include` directories instead.
set -euo pipefail
cd "$(dirname "$0")"
cargo fetch -q
includes=""
for pkg in openvm-circuit-primitives openvm-poseidon2-air openvm-circuit; do
  dir=$(cargo metadata --format-version 1 -q | python3 -c "
import json, sys
m = json.load(sys.stdin)
print(next(p['manifest_path'] for p in m['packages'] if p['name'] == '$pkg').rsplit('/', 1)[0])")
  includes="$includes -I$dir/cuda/include"
done
export NVCC_APPEND_FLAGS="${NVCC_APPEND_FLAGS:-}$includes"
cargo build --release "$@"
echo "built $(pwd)/target/release/cuda-vm-anchor"

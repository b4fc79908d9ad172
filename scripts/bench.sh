#!/usr/bin/env bash
# Sets up, builds the release preset and prints the OCP codec throughput
# figures (docs/benchmarks.md records them). Works from any directory.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

cmake --preset release >/dev/null
cmake --build --preset release
build/release/bench/ocp_codec_bench

#!/usr/bin/env bash
# Sets up, builds the release preset and prints the OCP codec throughput
# figures (docs/benchmarks.md records them). Works from any directory.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

cmake --preset release >/dev/null
cmake --build --preset release
build/release/bench/ocp_codec_bench

# The callout server end to end (pass-through service, opes-ocp-load); the
# release tree is already built, so it only measures.
OPES_BENCH_BUILD_DIR=build/release bash scripts/bench-callout.sh

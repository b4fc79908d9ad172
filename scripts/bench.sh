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

# opes-proxy between smtp-source and smtp-sink, against the direct path, and
# its memory for one 50 MiB message (bench/proxy/proxy_bench.py).
OPES_BENCH_BUILD_DIR=build/release bash scripts/bench-proxy.sh

# ODMR: durable enqueue into the hold queue and release through ATRN
# (bench/proxy/odmr_bench.py).
OPES_BENCH_BUILD_DIR=build/release bash scripts/bench-odmr.sh

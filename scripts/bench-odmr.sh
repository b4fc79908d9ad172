#!/usr/bin/env bash
# ODMR benchmark (issue 13 section 4): durable enqueue through opes-proxy
# into the hold queue (smtp-source, 20 sessions, 4 KiB) and the release
# through ATRN, with fetchmail and with a TCP_NODELAY pipe, to smtp-sink
# (bench/proxy/odmr_bench.py). docs/benchmarks.md records the figures.
# OPES_BENCH_BUILD_DIR=<dir> measures an existing release tree.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${OPES_BENCH_BUILD_DIR:-build/release}
if [[ -z "${OPES_BENCH_BUILD_DIR:-}" ]]; then
  bash scripts/setup.sh
  cmake --preset release >/dev/null
  cmake --build --preset release
fi
exec python3 bench/proxy/odmr_bench.py --build "$build" "$@"

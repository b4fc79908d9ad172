#!/usr/bin/env bash
# opes-proxy benchmark: smtp-source through opes-proxy (+ opes-callout with a
# service that changes nothing) into smtp-sink against smtp-source straight
# into smtp-sink, and the proxy's RSS for one 50 MiB message changed by a
# service (bench/proxy/proxy_bench.py). docs/benchmarks.md records the
# figures. OPES_BENCH_BUILD_DIR=<dir> measures an existing release tree.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${OPES_BENCH_BUILD_DIR:-build/release}
if [[ -z "${OPES_BENCH_BUILD_DIR:-}" ]]; then
  bash scripts/setup.sh
  cmake --preset release >/dev/null
  cmake --build --preset release
fi
exec python3 bench/proxy/proxy_bench.py --build "$build" "$@"

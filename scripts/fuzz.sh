#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for a
# bounded time. Fails on any finding. usage: scripts/fuzz.sh [seconds per target]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

# Every target with a source file in tests/fuzz; seeds in tests/fuzz/seeds
# (the OCP stream's, the first target) or tests/fuzz/seeds-<target>.
targets=()
for source in tests/fuzz/*_fuzz.cpp; do targets+=("$(basename "$source" .cpp)"); done

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "${targets[@]}"

for target in "${targets[@]}"; do
  seeds=tests/fuzz/seeds-$target
  [[ $target == ocp_stream_fuzz ]] && seeds=tests/fuzz/seeds
  corpus=build/fuzz/corpus/$target
  mkdir -p "$corpus" build/fuzz/findings
  echo "fuzz: $target for ${seconds}s"
  # The committed seeds stay read-only; new inputs go to the build tree.
  build/fuzz/tests/fuzz/$target -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix=build/fuzz/findings/ \
    "$corpus" "$seeds" 2>build/fuzz/$target.log || {
      tail -50 build/fuzz/$target.log
      echo "fuzz: $target found a failure; reproducer in build/fuzz/findings/" >&2
      exit 1
    }
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' build/fuzz/$target.log || true
  grep -E '^#[0-9]+ +DONE' build/fuzz/$target.log | tail -1 || true
done

#!/usr/bin/env bash
# Sets up, builds and runs every test: the suite optimised, the suite under
# AddressSanitizer + UndefinedBehaviorSanitizer, then the fuzz targets for a
# bounded time (OPES_FUZZ_SECONDS, default 45 per target: ten targets in the
# time eight had at 60, so the whole run stays within its budget).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# doctest_discover_tests splits test names at ';': such a test would be
# registered under a name that matches nothing and "pass" without running.
if grep -rnE 'TEST_CASE\("[^"]*;' tests; then
  echo "test: test case names must not contain ';'" >&2
  exit 1
fi

passed=0
run_suite() {
  local preset=$1 log
  log=$(mktemp)
  echo "== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "== $preset: test"
  ctest --preset "$preset" | tee "$log"
  local total
  total=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$log")
  rm -f "$log"
  passed=$((passed + ${total:-0}))
}

run_suite dev
run_suite asan

echo "== fuzz"
bash scripts/fuzz.sh "${OPES_FUZZ_SECONDS:-45}"
passed=$((passed + 1))

echo "all: $passed passed, 0 failed"

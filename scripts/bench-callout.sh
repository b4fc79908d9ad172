#!/usr/bin/env bash
# Callout server throughput with the pass-through service (a service that
# changes nothing): builds the release preset, starts a callout server on
# 127.0.0.1 (a free port), and runs opes-ocp-load against it with 4 KiB
# messages over 1 connection and over 64 connections. docs/benchmarks.md
# records the figures.
#
# The server is bench/callout/callout_bench_server, the dispatch and the Asio
# server without the daemon around them, so that the figures do not depend
# on the daemon. OPES_BENCH_SERVER=daemon uses build/release/bin/opes-callout
# instead. OPES_BENCH_BUILD_DIR=<dir> measures an existing build tree
# (configured with -DCMAKE_BUILD_TYPE=Release) instead of building the preset.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${OPES_BENCH_BUILD_DIR:-build/release}
if [[ -z "${OPES_BENCH_BUILD_DIR:-}" ]]; then
  bash scripts/setup.sh
  cmake --preset release >/dev/null
  cmake --build --preset release
else
  cmake --build "$build" --target callout_bench_server
fi

server_bin=$build/bench/callout/callout_bench_server
if [[ "${OPES_BENCH_SERVER:-harness}" == daemon ]]; then
  server_bin=$build/bin/opes-callout
fi
load_bin=$build/bin/opes-ocp-load
plugin=$(realpath "$build/plugins/pass-through.so")

work=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/callout.json" <<JSON
{
  "threads": ${OPES_BENCH_SERVER_THREADS:-2},
  "listeners": [{"address": "127.0.0.1", "port": 0}],
  "plugins": [{"name": "pass-through", "path": "$plugin"}],
  "services": [{"name": "pass-through", "uri": "urn:opes-smtp:example:pass-through",
                "plugin": "pass-through"}],
  "profiles": {"receiver": ["pass-through"]}
}
JSON

"$server_bin" --config "$work/callout.json" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!

# Both servers print "... listening on 127.0.0.1:PORT" once they listen.
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.* listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$work/server.out" | head -n 1)
  [[ -n "$port" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.err" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$port" ]] || { echo "bench-callout: the server did not say where it listens" >&2; exit 1; }
echo "== callout server: $(basename "$server_bin") on 127.0.0.1:$port, service pass-through"

status=0
run_load() {
  "$load_bin" --connect "127.0.0.1:$port" --service urn:opes-smtp:example:pass-through \
    --size 4096 --threads "${OPES_BENCH_CLIENT_THREADS:-2}" "$@" || status=1
}
run_load --connections 1 --transactions 10000
run_load --connections 64 --transactions 400
run_load --connections 64 --transactions 400 --kept

kill "$server_pid"
wait "$server_pid" || true
server_pid=
exit $status

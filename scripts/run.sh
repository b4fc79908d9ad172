#!/usr/bin/env bash
# Runs the product as it stands on its built-in default configuration: builds
# the release preset, starts opes-callout on 127.0.0.1:11344 with the
# content-filter and header-stamp services, sends it a few transactions as an
# OPES processor would (opes-ocp-load: every 5th message carries the GTUBE
# test string and is rejected, the others come back stamped), and leaves the
# server running in the foreground until Ctrl-C. opes-proxy, the SMTP side,
# follows. Works from any directory.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/setup.sh
cmake --preset release
cmake --build --preset release

bin=build/release/bin
port_file=$(mktemp)
trap 'rm -f "$port_file"; [[ -n "${server:-}" ]] && kill "$server" 2>/dev/null; true' EXIT

"$bin/opes-callout" > >(tee "$port_file") &
server=$!
for _ in $(seq 100); do
  grep -q "listening on" "$port_file" 2>/dev/null && break
  sleep 0.1
done
address=$(sed -n 's/^opes-callout listening on //p' "$port_file" | head -n 1)
[[ -n "$address" ]] || { echo "opes-callout did not start" >&2; exit 1; }

gtube='XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X'
echo "+ opes-ocp-load: 10 transactions through content-filter and header-stamp" >&2
"$bin/opes-ocp-load" --connect "$address" \
  --service urn:opes-smtp:service:content-filter --service urn:opes-smtp:service:header-stamp \
  --connections 1 --transactions 10 --size 4096 --match "$gtube" --match-every 5 \
  --expect-reply "550 5.7.1 Message content rejected" --expect-header "X-Scanned-By: OPES-SMTP gateway"

echo "opes-callout is serving on $address (Ctrl-C stops it)" >&2
wait "$server"

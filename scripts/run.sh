#!/usr/bin/env bash
# Runs the product on its built-in default configuration: builds the release
# preset, starts opes-callout (127.0.0.1:11344: content-filter rejects the
# GTUBE test string, header-stamp adds X-Scanned-By) and opes-proxy in front
# of it (127.0.0.1:10025, delivering into build/release/spool/new), sends two
# example messages through the proxy, shows what arrived in the spool, and
# leaves both daemons running in the foreground until Ctrl-C. Works from any
# directory.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/setup.sh
cmake --preset release
cmake --build --preset release

bin=build/release/bin
spool=build/release/spool
callout_out=$(mktemp)
proxy_out=$(mktemp)
cleanup() {
  rm -f "$callout_out" "$proxy_out"
  [[ -n "${proxy:-}" ]] && kill "$proxy" 2>/dev/null
  [[ -n "${callout:-}" ]] && kill "$callout" 2>/dev/null
  true
}
trap cleanup EXIT

# Prints the ADDR:PORT a daemon announces on stdout.
wait_for() {
  local name=$1 file=$2 address=""
  for _ in $(seq 100); do
    address=$(sed -n "s/^$name listening on //p" "$file" | head -n 1)
    [[ -n "$address" ]] && break
    sleep 0.1
  done
  [[ -n "$address" ]] || { echo "$name did not start" >&2; exit 1; }
  echo "$address"
}

# The built-in defaults name the installed folders; this build's are given
# instead: its plugins, and build/release as the proxy's state folder.
"$bin/opes-callout" --plugin-dir build/release/plugins > >(tee "$callout_out") &
callout=$!
callout_address=$(wait_for opes-callout "$callout_out")
OPES_PROXY_STATE_DIR=build/release "$bin/opes-proxy" > >(tee "$proxy_out") &
proxy=$!
proxy_address=$(wait_for opes-proxy "$proxy_out")

echo "+ two messages through opes-proxy at $proxy_address (one carries GTUBE)" >&2
python3 - "$proxy_address" <<'PY'
import smtplib, sys
host, port = sys.argv[1].rsplit(":", 1)
gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
with smtplib.SMTP(host, int(port), timeout=30) as client:
    client.sendmail("alice@example.org", ["bob@localhost"],
                    b"Subject: Hello through OPES\r\nFrom: alice@example.org\r\n\r\nHi Bob.\r\n")
    print("  clean message: accepted", file=sys.stderr)
    try:
        client.sendmail("alice@example.org", ["bob@localhost"],
                        f"Subject: Spam\r\n\r\n{gtube}\r\n".encode())
    except smtplib.SMTPDataError as refused:
        print(f"  GTUBE message: {refused.smtp_code} {refused.smtp_error.decode()}", file=sys.stderr)
PY
latest=$(ls -t "$spool/new" | head -n 1)
echo "+ the adapted message, $spool/new/$latest:" >&2
sed 's/^/    /' "$spool/new/$latest" >&2

echo "opes-callout serves $callout_address; opes-proxy takes mail at $proxy_address" \
     "and spools it into $spool/new (Ctrl-C stops both)" >&2
wait "$proxy"

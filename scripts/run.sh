#!/usr/bin/env bash
# Runs the product as it stands: builds the release preset and dumps the
# draft-ietf-opes-smtp-00 Figure 8 example with ocpdump, first as JSON Lines
# and then re-serialized as OCP. Works from any directory.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/setup.sh
cmake --preset release
cmake --build --preset release

ocpdump=build/release/ocp/tools/ocpdump
for format in json ocp; do
  echo "+ $ocpdump --format $format docs/examples/figure8.ocp" >&2
  "$ocpdump" --format "$format" docs/examples/figure8.ocp
done

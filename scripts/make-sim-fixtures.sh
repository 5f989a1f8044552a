#!/usr/bin/env bash
# Regenerates fixtures/sim/*.pcap from the built-in scenarios. The simulator is
# deterministic, so the files only change when the engine does; tests/analyze_fixtures.rs
# asserts the analyzer's reading of each.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${VRRPLAB:-target/debug/vrrplab}
[ -x "$bin" ] || cargo build --quiet
mkdir -p fixtures/sim
for s in $("$bin" sim --list | awk '{print $1}'); do
  name=${s#builtin:}
  "$bin" sim "$s" -w "fixtures/sim/$name.pcap" >/dev/null
done
ls -1 fixtures/sim

#!/usr/bin/env bash
# Re-records the fidelity fixtures in fixtures/real/ with the real keepalived:
# each <case>.toml runs on lab namespaces (vrrplab lab run) and leaves
# <case>.pcap (the LAN, kernel timestamps) and <case>.log (keepalived's lines
# and the lab's actions, in seconds from the lab's start).
#
# Usage (root): scripts/record-keepalived.sh [fixtures/real/CASE.toml ...]
# Needs keepalived (the fixtures are from 2.2.7) and nftables.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "record-keepalived: needs root (network namespaces)" >&2; exit 2; fi
cargo build --quiet --bin vrrplab
bin=target/debug/vrrplab
echo "$(keepalived --version 2>&1 | head -n 1)"
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(fixtures/real/*.toml)
for toml in "${cases[@]}"; do
  base=${toml%.toml}
  echo "== $(basename "$base")"
  "$bin" lab run --quiet "$toml" -w "$base.pcap" --log "$base.log"
  grep -E 'Entering MASTER STATE|sent 0 priority|invalid|mismatch|discarding' "$base.log" | head -n 8 || true
done

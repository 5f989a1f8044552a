#!/usr/bin/env bash
# Runs every fuzz target briefly, so a regression that crashes a parser shows
# in CI. Usage: scripts/fuzz-smoke.sh [SECONDS_PER_TARGET] (default 20).
#
# cargo-fuzz wants nightly for its -Z sanitizer flags; RUSTC_BOOTSTRAP=1 lets
# the stable toolchain accept them (AddressSanitizer works this way). Targets
# run one at a time: the machine has two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

fuzz/seed-corpus.sh
targets=$(cargo fuzz list)
cargo fuzz build
for t in $targets; do
  echo "== fuzz $t (${seconds}s)"
  if ! cargo fuzz run "$t" "fuzz/corpus/$t" -- \
      -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      >"fuzz/$t.log" 2>&1; then
    tail -n 40 "fuzz/$t.log"
    echo "fuzz target $t failed: the input is in fuzz/artifacts/$t/;"
    echo "fix the crash and add the input to fuzz/regressions/$t/"
    exit 1
  fi
  grep -E '^stat::number_of_executed_units' "fuzz/$t.log" || true
done
echo "fuzz smoke: $(echo $targets | wc -w) targets ok"

#!/usr/bin/env bash
# Compare `vrrplab read` with tcpdump (and tshark), and `analyze`/`timeline` with
# `cat`, on a large VRRP+ARP capture.
#
# usage: scripts/bench-vs-tcpdump.sh [PACKETS] [WORKDIR]
#   PACKETS  default 2000000; WORKDIR default a fresh temporary directory
#   (give one on tmpfs, e.g. /dev/shm/vrrplab-bench, for steadier figures).
#
# Builds the release binary, generates the capture with ../shared/bench/gen_capture.py,
# checks that `vrrplab read -n` prints exactly what `tcpdump -nn -r` prints, then
# reports wall times (best of several runs, output to /dev/null) as ratios, and the
# peak memory of each tool. Uses hyperfine when it is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
packets=${1:-2000000}
work=${2:-$(mktemp -d)}
mkdir -p "$work"
gen=../shared/bench/gen_capture.py
[ -f "$gen" ] || { echo "missing $gen" >&2; exit 2; }
export TZ=GMT0

cargo build --release --quiet
bin=$PWD/target/release/vrrplab
cap=$work/big.pcap
[ -f "$cap" ] || python3 "$gen" "$cap" "$packets"
echo "capture: $cap ($packets packets, $(du -h "$cap" | cut -f1))"

"$bin" read -n "$cap" > "$work/vrrplab.out"
tcpdump -nn -r "$cap" > "$work/tcpdump.out" 2>/dev/null
if cmp -s "$work/vrrplab.out" "$work/tcpdump.out"; then
    echo "output: identical to tcpdump -nn -r ($(wc -l < "$work/tcpdump.out") lines)"
else
    echo "output: DIFFERS from tcpdump -nn -r:"; diff "$work/vrrplab.out" "$work/tcpdump.out" | head -5
    exit 1
fi

# Best wall time of N runs, in seconds.
best() {
    local n=$1; shift
    local best=
    for _ in $(seq "$n"); do
        local s e t
        s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N)
        t=$(echo "$e - $s" | bc)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
    done
    echo "$best"
}

# Peak resident memory in MiB.
peak() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.1f", $1/1024}'; }

if command -v hyperfine >/dev/null; then
    hyperfine --warmup 1 --runs 5 --export-json "$work/hyperfine.json" --style basic \
        "$bin read -n $cap" "tcpdump -nn -r $cap" "tcpdump -nn -v -r $cap" > "$work/hyperfine.txt" 2>&1
    mins=$(python3 -c "import json,sys; print(' '.join(str(r['min']) for r in json.load(open(sys.argv[1]))['results']))" "$work/hyperfine.json")
    read -r v t tv <<< "$mins"
else
    v=$(best 5 "$bin" read -n "$cap")
    t=$(best 3 tcpdump -nn -r "$cap")
    tv=$(best 3 tcpdump -nn -v -r "$cap")
fi
ratio() { echo "scale=1; $1 / $2" | bc; }
printf "%-28s %8.3f s\n" "vrrplab read -n" "$v"
printf "%-28s %8.3f s  (%sx vrrplab)\n" "tcpdump -nn -r" "$t" "$(ratio "$t" "$v")"
printf "%-28s %8.3f s  (%sx vrrplab)\n" "tcpdump -nn -v -r" "$tv" "$(ratio "$tv" "$v")"
if command -v tshark >/dev/null; then
    ts=$(best 1 tshark -n -r "$cap")
    printf "%-28s %8.3f s  (%sx vrrplab)\n" "tshark -n -r" "$ts" "$(ratio "$ts" "$v")"
fi
vs=$(best 1 taskset -c 0 "$bin" read -n "$cap")
printf "%-28s %8.3f s  (tcpdump -nn -r is %sx)\n" "vrrplab read -n, one core" "$vs" "$(ratio "$t" "$vs")"
# The analyzer's goal is a multiple of reading the file at all (DESIGN.md).
# These runs are short, so process start-up and scheduling jitter matter: with
# hyperfine, the best of 20 runs started without a shell. A WORKDIR on tmpfs
# (/dev/shm) keeps the page cache from dropping parts of the file between runs.
if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 3 --runs 20 --export-json "$work/analyze.json" --style basic \
        "cat $cap" "$bin analyze $cap" "$bin timeline $cap" > "$work/analyze.txt" 2>&1
    read -r c an tl <<< "$(python3 -c "import json,sys; print(' '.join(str(r['min']) for r in json.load(open(sys.argv[1]))['results']))" "$work/analyze.json")"
else
    c=$(best 20 cat "$cap")
    an=$(best 20 "$bin" analyze "$cap")
    tl=$(best 20 "$bin" timeline "$cap")
fi
printf "%-28s %8.3f s\n" "cat FILE > /dev/null" "$c"
printf "%-28s %8.3f s  (%sx cat)\n" "vrrplab analyze" "$an" "$(ratio "$an" "$c")"
printf "%-28s %8.3f s  (%sx cat)\n" "vrrplab timeline" "$tl" "$(ratio "$tl" "$c")"
echo "peak RSS: vrrplab read $(peak "$bin" read -n "$cap") MiB, analyze $(peak "$bin" analyze "$cap") MiB, tcpdump $(peak tcpdump -nn -r "$cap") MiB"
echo "cores: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg)"

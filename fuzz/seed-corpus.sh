#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds: the project's fixtures, and
# tcpdump's own VRRP/ARP test captures from ../shared (copied at run time,
# never committed). Idempotent.
set -euo pipefail
cd "$(dirname "$0")"
root=..
shared=${VRRPLAB_SHARED:-$root/../shared}
mkdir -p corpus/{keepalived_conf,scenario_toml,packet,capture_file,filter,ipvsadm,analyze}
cp "$root"/fixtures/seeds/*.conf corpus/keepalived_conf/ 2>/dev/null || true
find "$root/fixtures" "$root/captures" "$root/src/scenario/builtin" -name '*.toml' -exec cp {} corpus/scenario_toml/ \; 2>/dev/null || true
# A minimal scenario, so the TOML target starts from the right shape.
printf '[run]\nduration = "4s"\n[[node]]\nname = "n1"\nip = "192.0.2.11/24"\n[[event]]\nat = "1s"\naction = "stop"\nnode = "n1"\n' \
  > corpus/scenario_toml/minimal.toml
for f in "$shared"/reference/tcpdump-tests/*.pcap "$root"/fixtures/*.pcap "$root"/fixtures/*/*.pcap "$root"/fixtures/*.pcapng "$root"/fixtures/*/*.pcapng; do
  [ -f "$f" ] && cp "$f" corpus/capture_file/
done
# Packets: each frame of the seed captures, prefixed by the selector byte 0
# (Ethernet, default flags).
python3 - corpus/capture_file corpus/packet <<'PY'
import os, struct, sys
src, dst = sys.argv[1], sys.argv[2]
n = 0
for name in sorted(os.listdir(src)):
    b = open(os.path.join(src, name), 'rb').read()
    if len(b) < 24 or b[:4] not in (b'\xd4\xc3\xb2\xa1', b'\xa1\xb2\xc3\xd4'):
        continue
    e = '<' if b[:4] == b'\xd4\xc3\xb2\xa1' else '>'
    off = 24
    while off + 16 <= len(b) and n < 500:
        incl = struct.unpack(e + 'I', b[off + 8:off + 12])[0]
        frame = b[off + 16:off + 16 + incl]
        off += 16 + incl
        open(os.path.join(dst, f'{name}-{n}'), 'wb').write(b'\x00' + frame)
        n += 1
PY
# Frame sequences for the analyzer: each seed capture in the `analyze`
# harness's framing (length u16 LE, milliseconds since the previous frame
# i16 LE, selector byte: link type index), at most 64 KiB each.
python3 - corpus/capture_file corpus/analyze <<'PY'
import os, struct, sys
src, dst = sys.argv[1], sys.argv[2]
linktypes = [1, 101, 228, 229, 113, 276, 0, 12]
for name in sorted(os.listdir(src)):
    b = open(os.path.join(src, name), 'rb').read()
    if len(b) < 24 or b[:4] not in (b'\xd4\xc3\xb2\xa1', b'\xa1\xb2\xc3\xd4', b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d'):
        continue
    e = '<' if b[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    nanos = b[:4] in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
    lt = struct.unpack(e + 'I', b[20:24])[0] & 0xffff
    if lt not in linktypes:
        continue
    sel = linktypes.index(lt)
    out, off, prev = bytearray(), 24, None
    while off + 16 <= len(b) and len(out) < 65536:
        secs, frac, incl = struct.unpack(e + 'III', b[off:off + 12])
        ms = secs * 1000 + (frac // 1_000_000 if nanos else frac // 1000)
        frame = b[off + 16:off + 16 + min(incl, 65535)]
        off += 16 + incl
        step = 0 if prev is None else max(-32767, min(32767, ms - prev))
        prev = ms
        out += struct.pack('<HhB', len(frame), step, sel) + frame
    if out:
        open(os.path.join(dst, name), 'wb').write(bytes(out))
PY
# Filters: expressions of the filter's documentation, each followed by a NUL
# and one seed frame.
frame=$(find corpus/packet -name "vrrp.pcap-*" -print -quit)
i=0
for expr in 'vrrp.vrid == 51 && vrrp.prio < 100' 'arp.isgratuitous' 'ip.addr == 192.0.2.0/24' \
    '!(vrrp.virt_rtr_id != 1) || eth.src == 02:00:00:00:00:01' 'vrrp.ip_addr in {192.0.2.1 192.0.2.2}' \
    'frame.number >= 3 and ip.ttl != 255' 'vrrp.auth_string == "1111"'; do
  { printf '%s\0' "$expr"; [ -n "$frame" ] && tail -c +2 "$frame"; } > "corpus/filter/seed-$i"
  i=$((i + 1))
done
# ipvsadm: the seeds' commands and every form of the man page's synopsis.
cp "$root"/fixtures/seeds/*.ipvsadm "$root"/fixtures/seeds/lvs-dr-director.sh corpus/ipvsadm/
printf '%s\n' '-A -t 192.0.2.100:80 -s wrr -p 360 -M 255.255.255.0' '-a -t 192.0.2.100:80 -r 192.0.2.21:80 -g -w 3' \
  '-A -f 3 -s rr' '-a -u 192.0.2.100:53 -r 192.0.2.22 -m -x 100 -y 10' '-E -t 192.0.2.100:80 -s sh -b sh-port' \
  '-Ln --stats' '-Lnc' '--set 900 120 300' '-D -t 192.0.2.100:80' '-C' > corpus/ipvsadm/forms

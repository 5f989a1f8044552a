#!/usr/bin/env python3
"""Write the sample captures in captures/ (hand-timed keepalived-like traffic).

usage: scripts/make-demo-captures.py [OUT_DIR]   (default: captures/)

failover-graceful.pcap  two VRRPv2 routers (VRID 51, VIP 192.0.2.254, advert_int 1 s):
                        n1 (prio 150) is master; at 5 s it stops gracefully (priority 0);
                        n2 (prio 100) takes over after Skew_Time (0.609 s), sends 5 GARPs,
                        5 more 5 s later; n1 comes back at 14 s and preempts.
failover-crash.pcap     the same pair, but n1 crashes silently at 5 s: n2 waits
                        Master_Down_Interval (3.609 s) after n1's last advert.
The simulator (`vrrplab sim`) produces these from scenarios; these are fixed samples.
Packet builders come from make-fixtures.py.
"""
import importlib.util
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("fixtures", os.path.join(here, "make-fixtures.py"))
fx = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fx)

N1 = ("192.0.2.11", "02:00:00:00:00:01", 150)
N2 = ("192.0.2.12", "02:00:00:00:00:02", 100)
VIP, VRID, AUTH = "192.0.2.254", 51, b"1111"


class Timeline:
    """Frames at absolute times (microseconds from the start)."""

    def __init__(self):
        self.frames = []

    def advert(self, t, node, prio=None):
        ip, mac, p = node
        v = fx.vrrp2(VRID, p if prio is None else prio, [VIP], auth=AUTH)
        self.frames.append((t, fx.v4vrrp(ip, v, ident=len(self.frames), srcmac=mac)))

    def garps(self, t, node, n=5, gap=10_000):
        _, mac, _ = node
        for i in range(n):
            a = fx.std_arp(1, mac, VIP, fx.BC, VIP)
            self.frames.append((t + i * gap, fx.pad60(fx.eth(fx.BC, mac, 0x0806, a))))

    def pcap(self):
        p = fx.Pcap()
        last = 0
        for t, frame in sorted(self.frames, key=lambda x: x[0]):
            p.add(frame, step_us=t - last)
            last = t
        return p


SEC = 1_000_000
SKEW_100 = 609_375  # (256 - 100) / 256 s
MASTER_DOWN_100 = 3 * SEC + SKEW_100


def graceful():
    tl = Timeline()
    for s in range(5):
        tl.advert(s * SEC, N1)
    tl.advert(5 * SEC, N1, prio=0)
    take = 5 * SEC + SKEW_100
    tl.advert(take, N2)
    tl.garps(take + 1_000, N2)
    for s in range(1, 9):
        tl.advert(take + s * SEC, N2)
    tl.garps(take + 5 * SEC + 1_000, N2)
    back = 14 * SEC + 200_000
    tl.advert(back, N1)  # higher priority: n2 goes back to backup, silently
    tl.garps(back + 1_000, N1)
    for s in range(1, 4):
        tl.advert(back + s * SEC, N1)
    return tl


def crash():
    tl = Timeline()
    for s in range(5):
        tl.advert(s * SEC, N1)
    take = 4 * SEC + MASTER_DOWN_100
    tl.advert(take, N2)
    tl.garps(take + 1_000, N2)
    for s in range(1, 6):
        tl.advert(take + s * SEC, N2)
    tl.garps(take + 5 * SEC + 1_000, N2)
    return tl


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "captures")
    os.makedirs(out, exist_ok=True)
    for name, make in [("failover-graceful.pcap", graceful), ("failover-crash.pcap", crash)]:
        with open(os.path.join(out, name), "wb") as f:
            f.write(make().pcap().b)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Write the small captures in fixtures/ that the golden tests compare with tcpdump.

usage: scripts/make-fixtures.py [OUT_DIR]   (default: fixtures/ beside this script's parent)

Every packet is crafted here (standard library only, deterministic): VRRPv2 with
each auth type, VRRPv3 over IPv4 and IPv6, bad and non-RFC checksums, TTL != 255,
snap-length truncation at every layer, ARP in its forms (keepalived GARP, RFC 5227
probe and announcement, reply, RARP, InARP, malformed), 802.1Q and QinQ tags,
Linux cooked v1/v2 and raw IP link types, pcapng with several interfaces and
timestamp resolutions, nanosecond and big-endian pcap, and a few non-VRRP packets.
Addresses are documentation ones (192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32).
"""
import ipaddress
import os
import struct
import sys

T0 = 1_795_308_591  # 2026-11-22 00:49:51 UTC


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def ip4(s):
    return ipaddress.IPv4Address(s).packed


def ip6(s):
    return ipaddress.IPv6Address(s).packed


N1, N2, N3 = "00:00:5e:00:01:33", "02:00:00:00:00:02", "02:00:00:00:00:03"
MC4, MC6, BC = "01:00:5e:00:00:12", "33:33:00:00:00:12", "ff:ff:ff:ff:ff:ff"


def eth(dst, src, etype, payload, tags=()):
    h = mac(dst) + mac(src)
    for tpid, tci in tags:
        h += struct.pack("!HH", tpid, tci)
    return h + struct.pack("!H", etype) + payload


def ipv4(src, dst, proto, payload, ttl=255, ident=0, tos=0xC0, frag=0, options=b"", total=None):
    ihl = 5 + len(options) // 4
    tl = total if total is not None else 4 * ihl + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, tl, ident, frag, ttl, proto, 0, ip4(src), ip4(dst)) + options
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ipv6(src, dst, nh, payload, hlim=255, flow=0):
    return struct.pack("!IHBB", 0x60000000 | flow, len(payload), nh, hlim) + ip6(src) + ip6(dst) + payload


def vrrp2(vrid, prio, vips, authtype=1, auth=b"", adv=1, bad_sum=False, count=None):
    n = len(vips) if count is None else count
    body = struct.pack("!BBBBBBH", 0x21, vrid, prio, n, authtype, adv, 0)
    body += b"".join(ip4(v) for v in vips) + auth.ljust(8, b"\0")
    c = csum(body) ^ (0x5A5A if bad_sum else 0)
    return body[:6] + struct.pack("!H", c) + body[8:]


def vrrp3(src, dst, vrid, prio, vips, cs=100, six=False, variant="rfc", ver_type=0x31):
    addrs = b"".join((ip6 if six else ip4)(v) for v in vips)
    body = struct.pack("!BBBBHH", ver_type, vrid, prio, len(vips), cs & 0x0FFF, 0) + addrs
    if variant == "rfc":
        if six:
            pseudo = ip6(src) + ip6(dst) + struct.pack("!I3xB", len(body), 112)
        else:
            pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 112, len(body))
        c = csum(pseudo + body)
    elif variant == "cisco":  # v3 over IPv4 without pseudo-header
        c = csum(body)
    else:  # bad
        c = 0x1234
    return body[:6] + struct.pack("!H", c) + body[8:]


def arp(op, sha, spa, tha, tpa, htype=1, ptype=0x0800, hlen=6, plen=4):
    return struct.pack("!HHBBH", htype, ptype, hlen, plen, op) + sha + spa + tha + tpa


def std_arp(op, sha, spa, tha, tpa):
    return arp(op, mac(sha), ip4(spa), mac(tha), ip4(tpa))


def pad60(frame):
    return frame + b"\0" * max(0, 60 - len(frame))


def v4vrrp(src, payload, ttl=255, ident=1, dst="224.0.0.18", srcmac=N1, tags=()):
    return eth(MC4, srcmac, 0x0800, ipv4(src, dst, 112, payload, ttl=ttl, ident=ident), tags)


def v6vrrp(src, payload, hlim=255, flow=0, srcmac=N2):
    return eth(MC6, srcmac, 0x86DD, ipv6(src, "ff02::12", 112, payload, hlim=hlim, flow=flow))


class Pcap:
    def __init__(self, linktype=1, nanos=False, big=False, snaplen=262144):
        self.e = ">" if big else "<"
        magic = 0xA1B23C4D if nanos else 0xA1B2C3D4
        self.nanos = nanos
        self.b = struct.pack(self.e + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
        self.t = 0

    def add(self, frame, caplen=None, step_us=250_000, orig=None):
        self.t += step_us
        secs, us = T0 + self.t // 1_000_000, self.t % 1_000_000
        frac = us * 1000 + 123 if self.nanos else us
        data = frame if caplen is None else frame[:caplen]
        self.b += struct.pack(self.e + "IIII", secs, frac, len(data), orig if orig is not None else len(frame)) + data
        return self


def vrrp_v2_auth():
    p = Pcap()
    p.add(v4vrrp("192.0.2.11", vrrp2(51, 100, ["192.0.2.254"], auth=b"1111")))
    p.add(v4vrrp("192.0.2.11", vrrp2(51, 100, ["192.0.2.254"], auth=b"secret12")))
    p.add(v4vrrp("192.0.2.11", vrrp2(51, 100, ["192.0.2.254"], auth=b"a\x01b\x7f\xe9")))
    p.add(v4vrrp("192.0.2.12", vrrp2(52, 150, ["192.0.2.250", "192.0.2.251", "192.0.2.252"], authtype=0)))
    p.add(v4vrrp("192.0.2.12", vrrp2(52, 150, ["192.0.2.250"], authtype=2, auth=b"\x01\x02\x03\x04\x05\x06\x07\x08")))
    p.add(v4vrrp("192.0.2.13", vrrp2(53, 255, ["192.0.2.253"], authtype=254, adv=3)))
    p.add(v4vrrp("192.0.2.11", vrrp2(51, 0, ["192.0.2.254"], auth=b"1111"), ident=2))
    # PcapPlusPlus-style: no auth data at all, count 3 in 20 bytes.
    short = struct.pack("!BBBBBBH", 0x21, 54, 100, 3, 0, 1, 0) + ip4("192.0.2.249") + b"\0" * 8
    short = short[:6] + struct.pack("!H", csum(short)) + short[8:]
    p.add(v4vrrp("192.0.2.14", short))
    return p


def vrrp_v3():
    p = Pcap()
    a, m = "192.0.2.11", "224.0.0.18"
    p.add(v4vrrp(a, vrrp3(a, m, 44, 200, ["192.0.2.100"])))
    p.add(v4vrrp(a, vrrp3(a, m, 44, 200, ["192.0.2.100", "192.0.2.101"], cs=50)))
    p.add(v4vrrp(a, vrrp3(a, m, 45, 100, ["192.0.2.102"], variant="cisco")))
    # Unicast to a peer, as keepalived's unicast_peer does.
    p.add(v4vrrp(a, vrrp3(a, "192.0.2.12", 46, 90, ["192.0.2.103"]), dst="192.0.2.12"))
    p.add(v4vrrp(a, vrrp3(a, m, 44, 0, ["192.0.2.100"])))
    return p


def vrrp_v3_ipv6():
    p = Pcap()
    s, d = "fe80::200:5eff:fe00:201", "ff02::12"
    p.add(v6vrrp(s, vrrp3(s, d, 61, 100, ["fe80::1", "2001:db8::1"], six=True)))
    p.add(v6vrrp(s, vrrp3(s, d, 62, 254, ["2001:db8:0:1::1"], six=True, cs=25), flow=0x00A12345))
    p.add(v6vrrp(s, vrrp3(s, d, 63, 100, ["::ffff:192.0.2.1", "::"], six=True), hlim=64))
    p.add(v6vrrp(s, vrrp3(s, d, 64, 100, ["2001:db8::2"], six=True, variant="bad")))
    return p


def vrrp_bad():
    p = Pcap()
    a, m = "192.0.2.11", "224.0.0.18"
    p.add(v4vrrp(a, vrrp2(51, 100, ["192.0.2.254"], auth=b"1111", bad_sum=True)))
    p.add(v4vrrp(a, vrrp3(a, m, 44, 200, ["192.0.2.100"], variant="bad")))
    p.add(v4vrrp(a, vrrp2(51, 100, ["192.0.2.254"], auth=b"1111"), ttl=254))
    p.add(v4vrrp(a, vrrp3(a, m, 44, 200, ["192.0.2.100"]), ttl=1))
    p.add(v4vrrp(a, vrrp3(a, m, 44, 200, ["192.0.2.100"], ver_type=0x32)))
    p.add(v4vrrp(a, vrrp3(a, m, 44, 200, ["192.0.2.100"], ver_type=0x11)))
    p.add(v4vrrp(a, vrrp3(a, m, 44, 200, ["192.0.2.100"], ver_type=0x41), ttl=128))
    # Count says 4, only one address present.
    p.add(v4vrrp(a, vrrp2(51, 100, ["192.0.2.254"], authtype=0, count=4)))
    # An IPv4 header with a router-alert option and a bad header checksum.
    ip = bytearray(ipv4(a, m, 112, vrrp2(51, 100, ["192.0.2.254"], auth=b"1111"), options=b"\x94\x04\x00\x00"))
    ip[10] ^= 0xFF
    p.add(eth(MC4, N1, 0x0800, bytes(ip)))
    return p


def vrrp_truncated():
    p = Pcap(snaplen=65535)
    full = v4vrrp("192.0.2.11", vrrp2(51, 100, ["192.0.2.254", "192.0.2.253"], auth=b"passw0rd"))
    for cut in (10, 14, 20, 34, 35, 38, 40, 42, 46, 50, 54, 58, 62):
        p.add(full, caplen=cut)
    six = v6vrrp("fe80::1", vrrp3("fe80::1", "ff02::12", 61, 100, ["2001:db8::1"], six=True))
    for cut in (30, 54, 56, 60, 70, 85):
        p.add(six, caplen=cut)
    # IP total length larger than the frame (padding cut), and smaller than the header.
    p.add(eth(MC4, N1, 0x0800, ipv4("192.0.2.11", "224.0.0.18", 112, vrrp2(51, 100, ["192.0.2.254"]), total=60)))
    p.add(eth(MC4, N1, 0x0800, ipv4("192.0.2.11", "224.0.0.18", 112, vrrp2(51, 100, ["192.0.2.254"]), total=12)))
    return p


def claims():
    """Length fields that claim more than the packet carries (issue 10's hostile cases)."""
    p = Pcap()
    a, m = "192.0.2.11", "224.0.0.18"
    # The count claims 255 addresses; one is present (and the auth data).
    p.add(v4vrrp(a, vrrp2(51, 100, ["192.0.2.254"], auth=b"1111", count=255)))
    v3 = vrrp3(a, m, 44, 200, ["192.0.2.100"])
    p.add(v4vrrp(a, v3[:3] + b"\xff" + v3[4:]))
    # The IP total length ends the VRRP part-way, though the frame carries it all.
    full = vrrp2(51, 100, ["192.0.2.254", "192.0.2.253"], auth=b"passw0rd")
    for cut in (4, 8, 12, 16, 20, 24):
        p.add(eth(MC4, N1, 0x0800, ipv4(a, m, 112, full, total=20 + cut) + full[cut:]))
    six = vrrp3("fe80::1", "ff02::12", 61, 100, ["2001:db8::1"], six=True)
    for cut in (6, 8, 20):
        f = v6vrrp("fe80::1", six)
        f = f[:18] + struct.pack("!H", cut) + f[20:]
        p.add(f)
    # Hop-by-hop options before VRRP: whole, claiming more than the payload,
    # and with an option running past the header.
    def hbh(opts, nh=112, length=None):
        n = (len(opts) + 2 + 7) // 8 - 1 if length is None else length
        body = struct.pack("!BB", nh, n) + opts
        return body + b"\0" * (-len(body) % 8)
    for h in (hbh(b"\x05\x02\x00\x00\x01\x00"), hbh(b"\x05\x02\x00\x00\x01\x00", length=3),
              hbh(b"\x01\x0a\x00\x00\x00\x00"), hbh(b"\xc2\x04\x00\x01\x00\x00", length=0)):
        p.add(eth(MC6, N2, 0x86DD, ipv6("fe80::1", "ff02::12", 0, h + six)))
    p.add(eth(MC6, N2, 0x86DD, ipv6("fe80::1", "ff02::12", 0, hbh(b"\x05\x02\x00\x00\x01\x00", length=3))))
    # Every option tcpdump names, Jumbo Payloads valid and not, options
    # headers in the wrong place, and a payload length of 0.
    home = b"\xc9\x14" + ip6("2001:db8::9") + b"\x00\x01\x00"
    for nh, h in ((0, hbh(b"\x00\x01\x01\x00\x3e\x01\x00")), (0, hbh(b"\x05\x03\x00\x00\x00\x00")),
                  (0, hbh(b"\x05\x00\x01\x00\x00\x00")), (0, hbh(b"\xc2\x02\x00\x00\x01\x00")),
                  (0, hbh(b"\x00\x00" + home + b"\x00" * 4)), (0, hbh(b"\xc9\x04\x00\x00\x00\x00")),
                  (60, hbh(b"\x01\x04\x00\x00\x00\x00")), (60, hbh(b"\xc2\x04\x00\x01\x00\x00")),
                  (60, hbh(b"\x05\x02\x00\x00\x01\x00", nh=0)), (0, hbh(b"\x01\x04\x00\x00\x00\x00", nh=0)),
                  (60, hbh(b"\x01\x04\x00\x00\x00\x00", length=5))):
        p.add(eth(MC6, N2, 0x86DD, ipv6("fe80::1", "ff02::12", nh, h + six)))
    for jumbo in (0x10000, 0x100, 0x20):
        f = bytearray(eth(MC6, N2, 0x86DD, ipv6("fe80::1", "ff02::12", 0, hbh(b"\xc2\x04" + struct.pack("!I", jumbo)) + six)))
        f[18:20] = b"\0\0"
        p.add(bytes(f))
    f = bytearray(v6vrrp("fe80::1", six))
    f[18:20] = b"\0\0"
    p.add(bytes(f))
    f = bytearray(eth(MC6, N2, 0x86DD, ipv6("fe80::1", "ff02::12", 0, hbh(b"\x01\x04\x00\x00\x00\x00") + six)))
    f[18:20] = b"\0\0"
    p.add(bytes(f))
    return p


def tcp_text():
    """A TCP conversation (relative sequence numbers), HTTP text in its forms, and ICMP errors."""
    p = Pcap()
    c, srv = "198.51.100.10", "192.0.2.100"
    M1, M2 = "02:00:00:00:00:0a", "02:00:00:00:00:01"

    def tcp(src, dst, sport, dport, seq, ack, flags, data=b"", ttl=64):
        h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 0x50, flags, 64240, 0, 0)
        pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(h) + len(data))
        h = h[:16] + struct.pack("!H", csum(pseudo + h + data)) + h[18:]
        return eth(M2, M1, 0x0800, ipv4(src, dst, 6, h + data, ttl=ttl, tos=0))

    isn_c, isn_s = 3_000_000_000, 4_294_967_000  # the server's wraps
    p.add(tcp(c, srv, 40000, 80, isn_c, 0, 0x02))
    p.add(tcp(srv, c, 80, 40000, isn_s, isn_c + 1, 0x12))
    p.add(tcp(c, srv, 40000, 80, isn_c + 1, isn_s + 1, 0x10))
    req = b"GET / HTTP/1.1\r\nHost: 192.0.2.100\r\nAccept: */*\r\n\r\n"
    p.add(tcp(c, srv, 40000, 80, isn_c + 1, isn_s + 1, 0x18, req))
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
    p.add(tcp(srv, c, 80, 40000, isn_s + 1, isn_c + 1 + len(req), 0x18, resp))
    for data in (b"hello there\r\n", b"get /lower\nX: \tt\n", b"GET /cut-line", b"GET /\r", b"\x00\x01binary",
                 b"HTTP/1.0 2000 too long\r\n", b"POST " + b"x" * 130 + b"\r\n", b"OPTIONS * HTTP/1.1\r\nbad\x01\r\n"):
        p.add(tcp(c, srv, 40001, 8080, 7, 9, 0x18, data))
    p.add(tcp(c, srv, 22, 80, 7, 9, 0x18, b"GET / HTTP/1.1\r\n"))
    p.add(tcp(c, srv, 40000, 80, isn_c + 1 + len(req), isn_s + 1 + len(resp), 0x14, b"GET reset\r\n"))
    p.add(tcp(srv, c, 80, 40000, isn_s + 1 + len(resp), 0, 0x04, b"\xe9 reset reason that runs past thirty bytes"))
    p.add(tcp(srv, c, 80, 40000, 5, 0, 0x04, b"reset cut by the snap length"), caplen=54 + 5)
    # A packet cut by the snap length inside its HTTP line.
    p.add(tcp(c, srv, 40002, 80, 1, 1, 0x18, req), caplen=54 + 8)
    # ICMP errors quoting a TCP SYN: time exceeded in transit, in reassembly, another code; a bad checksum.
    quoted = tcp(c, srv, 40004, 80, 1695240939, 0, 0x02, ttl=1)[14:]
    for typ, code, bad in ((11, 0, False), (11, 1, False), (11, 5, True)):
        body = struct.pack("!BBHI", typ, code, 0, 0) + quoted
        sumv = csum(body) ^ (0x1111 if bad else 0)
        body = body[:2] + struct.pack("!H", sumv) + body[4:]
        p.add(eth(M1, M2, 0x0800, ipv4("192.0.2.31", c, 1, body, tos=0xC0, ttl=64)))
    return p


def arp_forms():
    p = Pcap()
    vip = "192.0.2.254"
    p.add(pad60(eth(BC, N1, 0x0806, std_arp(1, N1, vip, BC, vip))))  # keepalived GARP
    p.add(pad60(eth(BC, N1, 0x0806, std_arp(1, N1, vip, "00:00:00:00:00:00", vip))))  # announcement
    p.add(pad60(eth(BC, N2, 0x0806, std_arp(1, N2, "0.0.0.0", "00:00:00:00:00:00", vip))))  # probe
    p.add(pad60(eth(BC, N2, 0x0806, std_arp(1, N2, "192.0.2.12", "00:00:00:00:00:00", "192.0.2.11"))))
    p.add(eth(N2, N1, 0x0806, std_arp(2, N1, "192.0.2.11", N2, "192.0.2.12")))  # 42 bytes, no padding
    p.add(pad60(eth(BC, N1, 0x0806, std_arp(2, N1, vip, BC, vip))))  # gratuitous reply
    p.add(pad60(eth(BC, N3, 0x8035, std_arp(3, N3, "0.0.0.0", N3, "0.0.0.0"))))  # RARP request
    p.add(pad60(eth(N3, N1, 0x8035, std_arp(4, N1, "192.0.2.11", N3, "192.0.2.13"))))  # RARP reply
    p.add(pad60(eth(BC, N1, 0x0806, std_arp(8, N1, "192.0.2.11", N2, "0.0.0.0"))))  # InARP request
    p.add(pad60(eth(N1, N2, 0x0806, std_arp(9, N2, "192.0.2.12", N1, "192.0.2.11"))))  # InARP reply
    p.add(pad60(eth(BC, N1, 0x0806, std_arp(7, N1, "192.0.2.11", N2, "192.0.2.12"))))  # unknown op
    p.add(pad60(eth(BC, N1, 0x0806, arp(1, mac(N1), b"\x20\x01\x0d\xb8", b"\0" * 6, b"\x20\x01\x0d\xb9", ptype=0x86DD))))
    p.add(pad60(eth(BC, N1, 0x0806, arp(1, mac(N1), b"\xc0\x00\x02", b"\0" * 6, b"\xc0\x00\x02", plen=3))))
    p.add(pad60(eth(BC, N1, 0x0806, arp(1, mac(N1), ip4(vip), b"\0" * 6, ip4(vip), htype=6))))
    p.add(pad60(eth(BC, N1, 0x0806, arp(2, b"\x18\x41", ip4(vip), b"\x18\x51", ip4(vip), htype=15, hlen=2))))
    p.add(eth(BC, N1, 0x0806, std_arp(1, N1, vip, BC, vip)), caplen=30)  # truncated
    p.add(eth(BC, N1, 0x0806, std_arp(1, N1, vip, BC, vip)), caplen=20)
    return p


def vlans():
    p = Pcap()
    a = "192.0.2.11"
    v = vrrp2(51, 100, ["192.0.2.254"], auth=b"1111")
    p.add(eth(MC4, N1, 0x0800, ipv4(a, "224.0.0.18", 112, v), tags=[(0x8100, 100)]))
    p.add(pad60(eth(BC, N1, 0x0806, std_arp(1, N1, "192.0.2.254", BC, "192.0.2.254"), tags=[(0x8100, 0x2000 | 100)])))
    p.add(eth(MC4, N1, 0x0800, ipv4(a, "224.0.0.18", 112, v), tags=[(0x88A8, 10), (0x8100, 0x1000 | 0xA000 | 200)]))
    p.add(eth(MC6, N2, 0x86DD, ipv6("fe80::1", "ff02::12", 112, vrrp3("fe80::1", "ff02::12", 61, 100, ["2001:db8::1"], six=True)), tags=[(0x9100, 7)]))
    p.add(eth(MC4, N1, 0x0800, b"", tags=[(0x8100, 100)]), caplen=16)
    return p


def sll_frames():
    p = Pcap(linktype=113)
    v = ipv4("192.0.2.11", "224.0.0.18", 112, vrrp2(51, 100, ["192.0.2.254"], auth=b"1111"))
    for pkttype in (0, 2, 4):
        p.add(struct.pack("!HHH8sH", pkttype, 1, 6, mac(N1) + b"\0\0", 0x0800) + v)
    a = std_arp(1, N1, "192.0.2.254", BC, "192.0.2.254")
    p.add(struct.pack("!HHH8sH", 1, 1, 6, mac(N1) + b"\0\0", 0x0806) + a)
    p.add(struct.pack("!HHH8sH", 3, 1, 6, mac(N1) + b"\0\0", 0x8100) + struct.pack("!HH", 100, 0x0800) + v)
    p.add(struct.pack("!HHH8sH", 0, 1, 6, mac(N1) + b"\0\0", 0x88B5) + b"local experimental")
    return p


def sll2_frames():
    p = Pcap(linktype=276)
    v = ipv4("192.0.2.11", "224.0.0.18", 112, vrrp2(51, 100, ["192.0.2.254"], auth=b"1111"))
    for pkttype in (0, 4):
        p.add(struct.pack("!HHIHBB8s", 0x0800, 0, 999, 1, pkttype, 6, mac(N1) + b"\0\0") + v)
    a = std_arp(2, N1, "192.0.2.11", N2, "192.0.2.12")
    p.add(struct.pack("!HHIHBB8s", 0x0806, 0, 999, 1, 0, 6, mac(N1) + b"\0\0") + a)
    return p


def raw_frames():
    p = Pcap(linktype=101)
    p.add(ipv4("192.0.2.11", "224.0.0.18", 112, vrrp2(51, 100, ["192.0.2.254"], auth=b"1111")))
    s = "fe80::1"
    p.add(ipv6(s, "ff02::12", 112, vrrp3(s, "ff02::12", 61, 100, ["2001:db8::1"], six=True)))
    p.add(b"\x50" + b"\0" * 30)
    return p


def other_protocols():
    p = Pcap()
    c, v = "198.51.100.7", "192.0.2.254"
    opts = b"\x02\x04\x05\xb4\x04\x02\x08\x0a\x00\x01\xe2\x40\x00\x00\x00\x00\x01\x03\x03\x07"
    syn = struct.pack("!HHIIBBHHH", 40000, 80, 1000, 0, 0xA0, 0x02, 64240, 0, 0) + opts
    ps = ip4(c) + ip4(v) + struct.pack("!BBH", 0, 6, len(syn))
    syn = syn[:16] + struct.pack("!H", csum(ps + syn)) + syn[18:]
    p.add(eth(N1, N3, 0x0800, ipv4(c, v, 6, syn, ttl=64, tos=0, frag=0x4000)))
    udp = struct.pack("!HHHH", 40001, 40002, 12, 0) + b"abcd"
    p.add(eth(N1, N3, 0x0800, ipv4(c, v, 17, udp, ttl=64, tos=0)))
    echo = struct.pack("!BBHHH", 8, 0, 0, 0x1234, 1) + b"ping"
    echo = echo[:2] + struct.pack("!H", csum(echo)) + echo[4:]
    p.add(eth(N1, N3, 0x0800, ipv4(c, v, 1, echo, ttl=64, tos=0)))
    p.add(eth(N1, N3, 0x0800, ipv4(c, v, 1, echo, ttl=64, tos=0, frag=0x0005)))
    p.add(eth(N1, N3, 0x0800, ipv4(c, v, 253, b"\x02\x01\x00\x2c", ttl=1, tos=0)))
    p.add(pad60(eth(N1, N3, 0x88B5, b"local experimental")))
    bad = bytearray(syn)
    bad[16] ^= 1
    p.add(eth(N1, N3, 0x0800, ipv4(c, v, 6, bytes(bad), ttl=64, tos=0)))
    echo6 = struct.pack("!BBHHH", 128, 0, 0, 7, 1)
    ps6 = ip6("2001:db8::7") + ip6("2001:db8::1") + struct.pack("!I3xB", len(echo6), 58)
    echo6 = echo6[:2] + struct.pack("!H", csum(ps6 + echo6)) + echo6[4:]
    p.add(eth(MC6, N3, 0x86DD, ipv6("2001:db8::7", "2001:db8::1", 58, echo6, hlim=64)))
    return p


class Pcapng:
    """Little-endian pcapng; `ifaces` are (linktype, tsresol or None)."""

    def __init__(self, ifaces):
        self.b = self.block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
        self.res = []
        for lt, tsresol in ifaces:
            opts = b""
            if tsresol is not None:
                opts = struct.pack("<HHB3x", 9, 1, tsresol) + struct.pack("<HH", 0, 0)
            self.b += self.block(1, struct.pack("<HHI", lt, 0, 0) + opts)
            self.res.append(tsresol)

    @staticmethod
    def block(t, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", t, n) + body + struct.pack("<I", n)

    def epb(self, iface, secs, frac_ns, frame):
        r = self.res[iface]
        if r is None or r == 6:
            ts = secs * 10**6 + frac_ns // 1000
        elif r & 0x80:
            ts = secs * (1 << (r & 0x7F)) + frac_ns * (1 << (r & 0x7F)) // 10**9
        else:
            ts = secs * 10**r + frac_ns * 10**r // 10**9
        body = struct.pack("<IIIII", iface, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame)) + frame
        self.b += self.block(6, body)
        return self


def pcapng_interfaces():
    ng = Pcapng([(1, None), (1, 9), (1, 0x80 | 20)])
    v = v4vrrp("192.0.2.11", vrrp2(51, 100, ["192.0.2.254"], auth=b"1111"))
    g = pad60(eth(BC, N1, 0x0806, std_arp(1, N1, "192.0.2.254", BC, "192.0.2.254")))
    ng.epb(0, T0, 123_456_000, v).epb(1, T0 + 1, 987_654_321, g).epb(2, T0 + 2, 500_000_000, v)
    ng.b += Pcapng.block(0x0BAD, b"skip me!")  # an unknown block
    ng.epb(1, T0 + 3, 1, v)
    return ng


def ns_pcap():
    p = Pcap(nanos=True)
    p.add(v4vrrp("192.0.2.11", vrrp2(51, 100, ["192.0.2.254"], auth=b"1111")))
    p.add(pad60(eth(BC, N1, 0x0806, std_arp(1, N1, "192.0.2.254", BC, "192.0.2.254"))), step_us=1)
    return p


def big_endian():
    p = Pcap(big=True)
    p.add(v4vrrp("192.0.2.11", vrrp2(51, 100, ["192.0.2.254"], auth=b"1111")))
    p.add(pad60(eth(BC, N1, 0x0806, std_arp(1, N1, "192.0.2.254", BC, "192.0.2.254"))))
    return p


FIXTURES = {
    "vrrp-v2-auth.pcap": vrrp_v2_auth,
    "vrrp-v3-ipv4.pcap": vrrp_v3,
    "vrrp-v3-ipv6.pcap": vrrp_v3_ipv6,
    "vrrp-bad.pcap": vrrp_bad,
    "vrrp-truncated.pcap": vrrp_truncated,
    "length-claims.pcap": claims,
    "tcp-text.pcap": tcp_text,
    "arp-forms.pcap": arp_forms,
    "vlan-qinq.pcap": vlans,
    "sll.pcap": sll_frames,
    "sll2.pcap": sll2_frames,
    "raw-ip.pcap": raw_frames,
    "other-protocols.pcap": other_protocols,
    "two-interfaces.pcapng": pcapng_interfaces,
    "nanoseconds.pcap": ns_pcap,
    "big-endian.pcap": big_endian,
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "fixtures")
    os.makedirs(out, exist_ok=True)
    for name, make in FIXTURES.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(make().b)


if __name__ == "__main__":
    main()

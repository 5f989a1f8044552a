//! IPv4 and IPv6 headers, with what VRRP asks of them (TTL 255, the
//! multicast group, a link-local IPv6 source), and a summary of TCP, UDP and
//! ICMP.

use super::layers::{self, Vrrp, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP};
use super::link::{be16, ip};
use super::tree::{Layer, Level, Node, Says};
use super::FrameRef;
use crate::wire::checksum;
use crate::wire::decode::Net;
use crate::wire::layout::{icmp, ipv4, ipv6, ports, tcp, udp};
use crate::wire::vrrp::{self, Family};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn proto_name(p: u8) -> &'static str {
    match p {
        PROTO_ICMP => "ICMP",
        PROTO_TCP => "TCP",
        PROTO_UDP => "UDP",
        PROTO_ICMPV6 => "ICMPv6",
        vrrp::PROTOCOL => "VRRP",
        0 => "IPv6 hop-by-hop options",
        44 => "IPv6 fragment header",
        50 => "ESP",
        51 => "AH",
        _ => "not decoded by vrrplab",
    }
}

/// The IP layer and what it carries; returns where the IP packet ends in
/// the frame (bytes after it are link padding).
pub(super) fn layers(f: &FrameRef, out: &mut Vec<Node>) -> usize {
    let data = f.data();
    let (family, offset) = match f.decoded.net {
        Net::Ip(ip) => (ip.family, ip.offset),
        Net::BadIp { family, offset, .. } => (family, offset),
        _ => return data.len(),
    };
    let is_vrrp = f.decoded.ip().is_some_and(|ip| ip.proto == vrrp::PROTOCOL);
    let (node, end) = match family {
        Family::Ipv4 => v4_header(f, offset, is_vrrp),
        Family::Ipv6 => v6_header(f, offset, is_vrrp),
    };
    out.push(node);
    let Some(ip) = f.decoded.ip() else { return end };
    if ip.later_fragment {
        out.push(Node::field(
            "ip.fragment",
            Some(ip.payload_offset..ip.payload_offset + ip.payload.len()),
            format!("{} bytes", ip.payload.len()),
            "a later fragment: these bytes continue an earlier packet and have no header of their own",
        ));
        return end;
    }
    match ip.proto {
        vrrp::PROTOCOL => out.extend(Vrrp::of(f).map(|m| super::vrrp::layer(f, &m))),
        PROTO_TCP | PROTO_UDP => {
            out.push(ports_layer(f, ip.proto, ip.payload_offset, ip.payload_offset + ip.payload_len))
        }
        PROTO_ICMP | PROTO_ICMPV6 => {
            out.push(icmp_layer(f, ip.proto, ip.payload_offset, ip.payload_offset + ip.payload_len))
        }
        p => out.push(Node::field(
            "data",
            Some(ip.payload_offset..ip.payload_offset + ip.payload.len()),
            format!("{} bytes of IP protocol {p}", ip.payload.len()),
            proto_name(p),
        )),
    }
    end
}

fn ttl_says(ttl: u8, family: Family, is_vrrp: bool) -> Says {
    let (rfc, what) = match family {
        Family::Ipv4 => ("RFC 5798 §5.1.1.3", "TTL"),
        Family::Ipv6 => ("RFC 5798 §5.1.2.3", "hop limit"),
    };
    match (is_vrrp, ttl) {
        (true, 255) => Says::new("255", format!("as VRRP requires ({rfc}): a router receiving an advert with a {what} ≠ 255 discards it, which proves the sender is on this link")),
        (true, t) => Says::new(t.to_string(), format!("must be 255 ({rfc}): a router receiving a {what} ≠ 255 discards this advert. It crossed a router, or something on the path rewrote the {what}")).level(Level::Error),
        (false, t) => Says::new(t.to_string(), "hops left before a router drops the packet"),
    }
}

fn dst_says(dst: IpAddr, is_vrrp: bool) -> Says {
    let value = ip(dst);
    if !is_vrrp {
        return Says::new(value, "destination address");
    }
    if dst == IpAddr::V4(vrrp::MCAST_V4) || dst == IpAddr::V6(vrrp::MCAST_V6) {
        Says::new(value, "the VRRP multicast group (RFC 5798 §5.1.1.2, §5.1.2.2): every VRRP router on the link listens; routers never forward it")
    } else if dst.is_multicast() {
        Says::new(
            value,
            "a multicast group other than VRRP's 224.0.0.18 / ff02::12: standard VRRP routers do not listen to it",
        )
        .level(Level::Warn)
    } else {
        Says::new(value, "unicast: keepalived's unicast_peer sends each advert to each configured peer instead of the multicast group (for networks that block multicast)")
    }
}

fn src_says(src: IpAddr, is_vrrp: bool) -> Says {
    let value = ip(src);
    match (is_vrrp, src) {
        (true, IpAddr::V6(a)) if a.segments()[0] & 0xffc0 != 0xfe80 => Says::new(
            value,
            "must be the sender's link-local address (RFC 5798 §5.1.2.1); receivers discard adverts from other sources",
        )
        .level(Level::Error),
        (true, IpAddr::V6(_)) => Says::new(value, "the sender's link-local address, as RFC 5798 §5.1.2.1 requires"),
        (true, _) => Says::new(
            value,
            "the sender's own address on the interface (never the VIP): on equal priority the higher address wins",
        ),
        (false, _) => Says::new(value, "source address"),
    }
}

fn v4_header(f: &FrameRef, base: usize, is_vrrp: bool) -> (Node, usize) {
    let data = f.data();
    let b = &data[base..];
    let ihl = b.first().map_or(ipv4::HEADER_LEN, |v| usize::from(v & 0x0f) * 4);
    let total = b.get(ipv4::TOTAL_LEN).map_or(b.len(), |t| usize::from(be16(t)));
    let end = (base + total).min(data.len());
    let mut l = Layer::new(data, "ip", "Internet Protocol version 4", base, base + total);
    l.add("ip.version", ipv4::VER_IHL..ipv4::VER_IHL + 1, |b| {
        let v = b[0] >> 4;
        let s = Says::new(v.to_string(), "IPv4");
        if v == 4 {
            s
        } else {
            Says::new(v.to_string(), "not 4: this is not an IPv4 header").level(Level::Error)
        }
    });
    l.add("ip.hdr_len", ipv4::VER_IHL..ipv4::VER_IHL + 1, |_| {
        let s = Says::new(format!("{ihl} bytes"), format!("{} 32-bit words", ihl / 4));
        if ihl < ipv4::HEADER_LEN {
            s.level(Level::Error)
        } else {
            s
        }
    });
    l.add("ip.dsfield", ipv4::DSCP_ECN..ipv4::DSCP_ECN + 1, |b| {
        let (dscp, ecn) = (b[0] >> 2, b[0] & 3);
        let why = if is_vrrp && dscp == 48 {
            "DSCP 48 = CS6, network control: keepalived marks adverts so that switches queue them ahead of data"
                .to_string()
        } else {
            format!("DSCP {dscp}, ECN {ecn}")
        };
        Says::new(format!("0x{:02x}", b[0]), why)
    });
    l.add("ip.len", ipv4::TOTAL_LEN, |_| Says::new(total.to_string(), "total length: header and payload"));
    l.add("ip.id", ipv4::IDENT, |b| {
        Says::new(format!("0x{:04x}", be16(b)), "identification, for reassembling fragments")
    });
    l.add("ip.flags", ipv4::FLAGS_FRAG, |b| {
        let v = be16(b);
        let mut names = Vec::new();
        if v & 0x8000 != 0 {
            names.push("reserved bit");
        }
        if v & 0x4000 != 0 {
            names.push("DF (don't fragment)");
        }
        if v & 0x2000 != 0 {
            names.push("MF (more fragments follow)");
        }
        let s = Says::new(format!("0x{:x}", v >> 13), if names.is_empty() { "none".into() } else { names.join(", ") });
        if v & 0x2000 != 0 {
            s.level(Level::Warn)
        } else {
            s
        }
    });
    l.add("ip.frag_offset", ipv4::FLAGS_FRAG, |b| {
        let off = be16(b) & 0x1fff;
        Says::new(
            (usize::from(off) * 8).to_string(),
            if off == 0 {
                "not a later fragment"
            } else {
                "a later fragment: bytes from this offset of the original packet"
            },
        )
    });
    l.add("ip.ttl", ipv4::TTL..ipv4::TTL + 1, |b| ttl_says(b[0], Family::Ipv4, is_vrrp));
    l.add("ip.proto", ipv4::PROTOCOL..ipv4::PROTOCOL + 1, |b| Says::new(b[0].to_string(), proto_name(b[0])));
    l.add("ip.checksum", ipv4::CHECKSUM, |c| {
        let value = format!("0x{:04x}", be16(c));
        match data.get(base..base + ihl.max(ipv4::HEADER_LEN)) {
            Some(h) if checksum::combine(&[checksum::sum(h)]) == 0xffff => {
                Says::new(value, "correct: covers the header only")
            }
            Some(h) => {
                let mut h = h.to_vec();
                h[ipv4::CHECKSUM].fill(0);
                let want = checksum::finish(&[checksum::sum(&h)]);
                Says::new(value, format!("wrong: should be 0x{want:04x}; hosts drop the packet")).level(Level::Error)
            }
            None => Says::new(value, "not verified: the header is cut short"),
        }
    });
    let addr = |b: &[u8]| IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]));
    let (mut src, mut dst) = (None, None);
    l.add("ip.src", ipv4::SRC, |b| {
        src = Some(addr(b));
        src_says(addr(b), is_vrrp)
    });
    l.add("ip.dst", ipv4::DST, |b| {
        dst = Some(addr(b));
        dst_says(addr(b), is_vrrp)
    });
    if ihl > ipv4::HEADER_LEN {
        l.add("ip.options", ipv4::HEADER_LEN..ihl, |b| Says::new(format!("{} bytes", b.len()), "IP options"));
    }
    if !l.is_cut() && f.decoded.ip().is_none() {
        l.note(
            "_ws.malformed",
            Says::new("malformed", "the header's lengths do not add up: nothing after it can be decoded")
                .level(Level::Error),
        );
    }
    let summary = match (src, dst) {
        (Some(s), Some(d)) => format!("{} → {}", ip(s), ip(d)),
        _ => String::new(),
    };
    (l.finish(summary, ""), end)
}

fn v6_header(f: &FrameRef, base: usize, is_vrrp: bool) -> (Node, usize) {
    let data = f.data();
    let plen =
        data.get(base + ipv6::PAYLOAD_LEN.start..base + ipv6::PAYLOAD_LEN.end).map_or(0, |b| usize::from(be16(b)));
    let end = (base + ipv6::HEADER_LEN + plen).min(data.len());
    let mut l = Layer::new(data, "ipv6", "Internet Protocol version 6", base, base + ipv6::HEADER_LEN + plen);
    let vtf = ipv6::VER_TC_FLOW;
    l.add("ipv6.version", vtf.start..vtf.start + 1, |b| {
        let v = b[0] >> 4;
        if v == 6 {
            Says::new("6", "IPv6")
        } else {
            Says::new(v.to_string(), "not 6: this is not an IPv6 header").level(Level::Error)
        }
    });
    l.add("ipv6.tclass", vtf.start..vtf.start + 2, |b| {
        Says::new(format!("0x{:02x}", (be16(b) >> 4) & 0xff), "traffic class (DSCP and ECN)")
    });
    l.add("ipv6.flow", vtf.start + 1..vtf.end, |b| {
        let flow = u32::from_be_bytes([0, b[0], b[1], b[2]]) & 0xfffff;
        Says::new(format!("0x{flow:05x}"), "flow label")
    });
    l.add("ipv6.plen", ipv6::PAYLOAD_LEN, |_| {
        Says::new(plen.to_string(), "payload length (after this 40-byte header)")
    });
    l.add("ipv6.nxt", ipv6::NEXT_HEADER..ipv6::NEXT_HEADER + 1, |b| Says::new(b[0].to_string(), proto_name(b[0])));
    l.add("ipv6.hlim", ipv6::HOP_LIMIT..ipv6::HOP_LIMIT + 1, |b| ttl_says(b[0], Family::Ipv6, is_vrrp));
    let addr = |b: &[u8]| IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(b).unwrap_or([0; 16])));
    let (mut src, mut dst) = (None, None);
    l.add("ipv6.src", ipv6::SRC, |b| {
        src = Some(addr(b));
        src_says(addr(b), is_vrrp)
    });
    l.add("ipv6.dst", ipv6::DST, |b| {
        dst = Some(addr(b));
        dst_says(addr(b), is_vrrp)
    });
    if !l.is_cut() && f.decoded.ip().is_none() {
        l.note(
            "_ws.malformed",
            Says::new("malformed", "not an IPv6 header: nothing after it can be decoded").level(Level::Error),
        );
    }
    let summary = match (src, dst) {
        (Some(s), Some(d)) => format!("{} → {}", ip(s), ip(d)),
        _ => String::new(),
    };
    (l.finish(summary, ""), end)
}

/// A TCP or UDP header, summarised: ports (and TCP flags).
fn ports_layer(f: &FrameRef, proto: u8, base: usize, end: usize) -> Node {
    let tcp_ = proto == PROTO_TCP;
    let (name, title) = if tcp_ { ("tcp", "Transmission Control Protocol") } else { ("udp", "User Datagram Protocol") };
    let (src, dst) = if tcp_ { ("tcp.srcport", "tcp.dstport") } else { ("udp.srcport", "udp.dstport") };
    let mut l = Layer::new(f.data(), name, title, base, end);
    l.add(src, ports::SRC, |b| Says::new(be16(b).to_string(), "source port"));
    l.add(dst, ports::DST, |b| Says::new(be16(b).to_string(), "destination port"));
    let mut flags = String::new();
    if tcp_ {
        l.add("tcp.flags", tcp::OFFSET_FLAGS, |b| {
            let v = be16(b) & 0x0fff;
            let names: Vec<&str> =
                [(0x02, "SYN"), (0x10, "ACK"), (0x01, "FIN"), (0x04, "RST"), (0x08, "PSH"), (0x20, "URG")]
                    .iter()
                    .filter(|(bit, _)| v & bit != 0)
                    .map(|(_, n)| *n)
                    .collect();
            flags = format!(" [{}]", names.join(", "));
            Says::new(format!("0x{v:03x}"), names.join(", "))
        });
    } else {
        l.add("udp.length", udp::LENGTH, |b| Says::new(be16(b).to_string(), "header and data"));
    }
    let summary = match layers::ports(f.data().get(base..).unwrap_or(&[])) {
        Some((s, d)) => format!("{s} → {d}{flags}"),
        None => String::new(),
    };
    l.finish(summary, "summary only: vrrplab decodes VRRP and ARP in full")
}

fn icmp_type(proto: u8, t: u8) -> &'static str {
    match (proto, t) {
        (PROTO_ICMP, 0) | (PROTO_ICMPV6, 129) => "echo reply",
        (PROTO_ICMP, 8) | (PROTO_ICMPV6, 128) => "echo request",
        (PROTO_ICMP, 3) | (PROTO_ICMPV6, 1) => "destination unreachable",
        (PROTO_ICMP, 11) | (PROTO_ICMPV6, 3) => "time exceeded",
        (PROTO_ICMPV6, 133) => "router solicitation",
        (PROTO_ICMPV6, 134) => "router advertisement",
        (PROTO_ICMPV6, 135) => "neighbor solicitation: IPv6's ARP request",
        (PROTO_ICMPV6, 136) => "neighbor advertisement: unsolicited ones are what a new VRRPv3 master sends for its IPv6 VIPs (IPv6's gratuitous ARP)",
        _ => "",
    }
}

fn icmp_layer(f: &FrameRef, proto: u8, base: usize, end: usize) -> Node {
    let (name, title, ty, code) = if proto == PROTO_ICMP {
        ("icmp", "Internet Control Message Protocol", "icmp.type", "icmp.code")
    } else {
        ("icmpv6", "Internet Control Message Protocol v6", "icmpv6.type", "icmpv6.code")
    };
    let mut l = Layer::new(f.data(), name, title, base, end);
    let mut summary = String::new();
    l.add(ty, icmp::TYPE..icmp::TYPE + 1, |b| {
        summary = icmp_type(proto, b[0]).split(':').next().unwrap_or("").to_string();
        Says::new(b[0].to_string(), icmp_type(proto, b[0]))
    });
    l.add(code, icmp::CODE..icmp::CODE + 1, |b| Says::new(b[0].to_string(), "subtype of the message"));
    l.finish(summary, "summary only: vrrplab decodes VRRP and ARP in full")
}

//! One-line summaries of TCP, UDP, ICMP and ICMPv6 in tcpdump's shape.
//! These are for context around VRRP and ARP: common cases read as tcpdump
//! prints them (TCP sequence numbers stay absolute, and UDP applications are
//! not decoded), and no input can make them fail.

use super::ip::IpInfo;
use super::{bytes, get, get16, get32, Cx, R};
use std::net::IpAddr;

fn addr(cx: &mut Cx<'_>, a: IpAddr) {
    match a {
        IpAddr::V4(a) => cx.ipv4(&a.octets()),
        IpAddr::V6(a) => cx.ipv6(&a.octets()),
    }
}

fn endpoints(cx: &mut Cx<'_>, ip: &IpInfo, sport: u16, dport: u16) {
    addr(cx, ip.src);
    cx.s(".");
    cx.dec(sport);
    cx.s(" > ");
    addr(cx, ip.dst);
    cx.s(".");
    cx.dec(dport);
    cx.s(": ");
}

pub(super) fn tcp(cx: &mut Cx<'_>, b: &[u8], length: usize, ip: &IpInfo) -> R {
    cx.proto = "tcp";
    let (sport, dport) = (get16(b, 0)?, get16(b, 2)?);
    endpoints(cx, ip, sport, dport);
    let hlen = usize::from(get(b, 12)? >> 4) * 4;
    if hlen < 20 {
        cx.s("tcp ");
        cx.dec((length.saturating_sub(hlen)) as u64);
        cx.s(" [bad hdr length ");
        cx.dec(hlen as u64);
        cx.s(" - too short, < 20]");
        return Ok(());
    }
    bytes(b, 0, 20)?;
    let flags = b[13];
    cx.s("Flags [");
    let mut any = false;
    for (bit, name) in [(0x01, "F"), (0x02, "S"), (0x04, "R"), (0x08, "P"), (0x10, "."), (0x20, "U"), (0x40, "E"), (0x80, "W")] {
        if flags & bit != 0 {
            cx.s(name);
            any = true;
        }
    }
    if !any {
        cx.s("none");
    }
    cx.s("]");
    let payload = length.saturating_sub(hlen);
    let seq = get32(b, 4)?;
    if flags & 0x07 != 0 || payload > 0 {
        cx.s(", seq ");
        cx.dec(seq);
        if payload > 0 {
            cx.s(":");
            cx.dec(seq.wrapping_add(payload as u32));
        }
    }
    if flags & 0x10 != 0 {
        cx.s(", ack ");
        cx.dec(get32(b, 8)?);
    }
    cx.s(", win ");
    cx.dec(get16(b, 14)?);
    if flags & 0x20 != 0 {
        cx.s(", urg ");
        cx.dec(get16(b, 18)?);
    }
    if hlen > 20 {
        cx.s(", options [");
        tcp_options(cx, bytes(b, 20, hlen - 20)?);
        cx.s("]");
    }
    cx.s(", length ");
    cx.dec(payload as u64);
    Ok(())
}

fn tcp_options(cx: &mut Cx<'_>, mut o: &[u8]) {
    let mut first = true;
    while let Some(&kind) = o.first() {
        if !first {
            cx.s(",");
        }
        first = false;
        let len = if kind <= 1 { 1 } else { o.get(1).map_or(0, |&l| usize::from(l)) };
        let Some(opt) = o.get(..len.max(1)).filter(|_| len >= 1) else { break };
        let body = opt.get(2..).unwrap_or(&[]);
        match (kind, body.len()) {
            (0, _) => cx.s("eol"),
            (1, _) => cx.s("nop"),
            (2, 2) => {
                cx.s("mss ");
                cx.dec(u16::from_be_bytes([body[0], body[1]]));
            }
            (3, 1) => {
                cx.s("wscale ");
                cx.dec(body[0]);
            }
            (4, 0) => cx.s("sackOK"),
            (8, 8) => {
                cx.s("TS val ");
                cx.dec(u32::from_be_bytes([body[0], body[1], body[2], body[3]]));
                cx.s(" ecr ");
                cx.dec(u32::from_be_bytes([body[4], body[5], body[6], body[7]]));
            }
            _ => {
                cx.s("opt-");
                cx.dec(kind);
                cx.s(":");
                for &x in body {
                    cx.hex_pad(x, 2);
                }
            }
        }
        if kind == 0 || len < 2 && kind > 1 {
            break;
        }
        o = &o[len.min(o.len())..];
    }
}

pub(super) fn udp(cx: &mut Cx<'_>, b: &[u8], _length: usize, ip: &IpInfo) -> R {
    cx.proto = "udp";
    let (sport, dport) = (get16(b, 0)?, get16(b, 2)?);
    endpoints(cx, ip, sport, dport);
    let ulen = usize::from(get16(b, 4)?);
    cx.s("UDP, ");
    if ulen < 8 {
        cx.s("bad length ");
        cx.dec(ulen as u64);
        cx.s(" < 8");
    } else {
        cx.s("length ");
        cx.dec((ulen - 8) as u64);
    }
    Ok(())
}

fn echo(cx: &mut Cx<'_>, b: &[u8], what: &str) -> R {
    cx.s(what);
    cx.s(", id ");
    cx.dec(get16(b, 4)?);
    cx.s(", seq ");
    cx.dec(get16(b, 6)?);
    Ok(())
}

pub(super) fn icmp(cx: &mut Cx<'_>, b: &[u8], length: usize) -> R {
    cx.proto = "icmp";
    cx.s("ICMP ");
    let t = get(b, 0)?;
    match t {
        0 => echo(cx, b, "echo reply")?,
        8 => echo(cx, b, "echo request")?,
        3 => cx.s("unreachable"),
        11 => cx.s("time exceeded"),
        _ => {
            cx.s("type-#");
            cx.dec(t);
        }
    }
    cx.s(", length ");
    cx.dec(length as u64);
    Ok(())
}

pub(super) fn icmp6(cx: &mut Cx<'_>, b: &[u8], length: usize) -> R {
    cx.proto = "icmp6";
    cx.s("ICMP6, ");
    let t = get(b, 0)?;
    match t {
        128 => echo(cx, b, "echo request")?,
        129 => echo(cx, b, "echo reply")?,
        133 => cx.s("router solicitation"),
        134 => cx.s("router advertisement"),
        135 => {
            cx.s("neighbor solicitation, who has ");
            cx.ipv6(bytes(b, 8, 16)?);
        }
        136 => {
            cx.s("neighbor advertisement, tgt is ");
            cx.ipv6(bytes(b, 8, 16)?);
        }
        143 => {
            cx.s("multicast listener report v2, ");
            cx.dec(get16(b, 6)?);
            cx.s(" group record(s)");
        }
        _ => {
            cx.s("type-#");
            cx.dec(t);
        }
    }
    cx.s(", length ");
    cx.dec(length as u64);
    Ok(())
}

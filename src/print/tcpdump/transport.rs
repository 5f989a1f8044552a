//! One-line summaries of TCP, UDP, ICMP and ICMPv6 in tcpdump's shape.
//! These are for context around VRRP and ARP: common cases read as tcpdump
//! prints them (TCP sequence numbers relative as tcpdump tracks them, UDP
//! applications not decoded), and no input can make them fail.

use super::ip::{should_be, IpInfo};
use super::{bytes, get, get16, get32, ip, text, vrrp, Cx, R};
use crate::print::hex::hex_only;
use crate::wire::checksum;
use crate::wire::vrrp::Family;

fn endpoints(cx: &mut Cx<'_>, ip: &IpInfo<'_>, sport: u16, dport: u16) {
    ip.write_addr(cx, false);
    cx.s(".");
    cx.dec(sport);
    cx.s(" > ");
    ip.write_addr(cx, true);
    cx.s(".");
    cx.dec(dport);
    cx.s(": ");
}

pub(super) fn tcp(cx: &mut Cx<'_>, b: &[u8], length: usize, ip: &IpInfo<'_>) -> R {
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
    for (bit, name) in
        [(0x01, "F"), (0x02, "S"), (0x04, "R"), (0x08, "P"), (0x10, "."), (0x20, "U"), (0x40, "E"), (0x80, "W")]
    {
        if flags & bit != 0 {
            cx.s(name);
            any = true;
        }
    }
    if !any {
        cx.s("none");
    }
    cx.s("]");
    let (mut seq, mut ack) = (get32(b, 4)?, get32(b, 8)?);
    if !cx.opts.absolute_seq && flags & 0x10 != 0 {
        (seq, ack) = cx.conversations.relative((ip.src(), sport), (ip.dst(), dport), flags & 0x02 != 0, seq, ack);
    }
    if hlen > length {
        cx.s(" [bad hdr length ");
        cx.dec(hlen as u64);
        cx.s(" - too long, > ");
        cx.dec(length as u64);
        cx.s("]");
        return Ok(());
    }
    if cx.verbose() && !ip.fragmented {
        if let Some(segment) = b.get(..length) {
            let pseudo = checksum::pseudo_header(ip.src(), ip.dst(), 6, length as u32);
            let sum = !checksum::combine(&[checksum::sum(segment), pseudo]);
            let stored = get16(b, 16)?;
            cx.s(", cksum 0x");
            cx.hex_pad(stored, 4);
            if sum != 0 {
                cx.s(" (incorrect -> 0x");
                cx.hex_pad(should_be(stored, sum), 4);
                cx.s(")");
            } else {
                cx.s(" (correct)");
            }
        }
    }
    let payload = length.saturating_sub(hlen);
    if cx.opts.verbose > 1 || flags & 0x07 != 0 || payload > 0 {
        cx.s(", seq ");
        cx.dec(seq);
        if payload > 0 {
            cx.s(":");
            cx.dec(seq.wrapping_add(payload as u32));
        }
    }
    if flags & 0x10 != 0 {
        cx.s(", ack ");
        cx.dec(ack);
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
    // tcpdump decodes the payload of these ports before it looks for HTTP.
    const EARLIER: [u16; 13] = [23, 25, 43, 179, 1723, 6379, 22, 139, 445, 10288, 6633, 6653, 21];
    let http = [80, 8080].iter().any(|p| *p == sport || *p == dport)
        && !EARLIER.iter().any(|p| *p == sport || *p == dport);
    let data = b.get(hlen..).unwrap_or(&[]);
    if payload == 0 {
        return Ok(());
    }
    if flags & 0x04 != 0 && cx.verbose() {
        reset_data(cx, data, payload);
    } else if http {
        cx.s(": ");
        text::http(cx, data, payload)?;
    }
    Ok(())
}

/// The text a reset carries (RFC 1122 4.2.2.12: a reason), with -v: its
/// first bytes, `!` when not all of it was captured, `+` when cut here.
fn reset_data(cx: &mut Cx<'_>, data: &[u8], length: usize) {
    const SHOWN: usize = 30;
    cx.s(if data.len() >= length { " [RST" } else { " [!RST" });
    if length > SHOWN {
        cx.s("+");
    }
    cx.s(" ");
    for &c in data.iter().take(length.min(SHOWN)) {
        vrrp::printable(cx, c);
    }
    cx.s("]");
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

pub(super) fn udp(cx: &mut Cx<'_>, b: &[u8], _length: usize, ip: &IpInfo<'_>) -> R {
    cx.proto = "udp";
    let (sport, dport) = (get16(b, 0)?, get16(b, 2)?);
    endpoints(cx, ip, sport, dport);
    let ulen = usize::from(get16(b, 4)?);
    let v4 = ip.family == Family::Ipv4;
    if ulen >= 8 && cx.verbose() && !ip.fragmented && (!v4 || cx.opts.verbose > 1) {
        let stored = get16(b, 6)?;
        if v4 && stored == 0 {
            cx.s("[no cksum] ");
        } else if let Some(datagram) = b.get(..ulen) {
            checksum_note(cx, ip, datagram, 17, stored, "udp");
        }
    }
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

/// `[udp sum ok] ` or `[bad udp cksum 0x1234 -> 0x5678!] `.
fn checksum_note(cx: &mut Cx<'_>, ip: &IpInfo<'_>, data: &[u8], proto: u8, stored: u16, name: &str) {
    let pseudo = checksum::pseudo_header(ip.src(), ip.dst(), proto, data.len() as u32);
    let sum = !checksum::combine(&[checksum::sum(data), pseudo]);
    if sum != 0 {
        cx.s("[bad ");
        cx.s(name);
        cx.s(" cksum 0x");
        cx.hex_pad(stored, 4);
        cx.s(" -> 0x");
        cx.hex_pad(should_be(stored, sum), 4);
        cx.s("!] ");
    } else {
        cx.s("[");
        cx.s(name);
        cx.s(" sum ok] ");
    }
}

fn echo(cx: &mut Cx<'_>, b: &[u8], what: &str) -> R {
    let (id, seq) = (get16(b, 4)?, get16(b, 6)?);
    cx.s(what);
    cx.s(", id ");
    cx.dec(id);
    cx.s(", seq ");
    cx.dec(seq);
    Ok(())
}

pub(super) fn icmp(cx: &mut Cx<'_>, b: &[u8], length: usize, info: &IpInfo<'_>) -> R {
    cx.proto = "icmp";
    cx.s("ICMP ");
    let t = get(b, 0)?;
    match t {
        0 => echo(cx, b, "echo reply")?,
        8 => echo(cx, b, "echo request")?,
        3 => cx.s("unreachable"),
        11 => {
            let code = get(b, 1)?;
            // The quoted header's destination must be there.
            bytes(b, 24, 4)?;
            match code {
                0 => cx.s("time exceeded in-transit"),
                1 => cx.s("ip reassembly time exceeded"),
                _ => {
                    cx.s("time exceeded-#");
                    cx.dec(code);
                }
            }
        }
        _ => {
            cx.s("type-#");
            cx.dec(t);
        }
    }
    cx.s(", length ");
    cx.dec(length as u64);
    if cx.verbose() && !info.fragmented {
        if let Some(message) = b.get(..length) {
            let sum = !checksum::combine(&[checksum::sum(message)]);
            if sum != 0 {
                let stored = get16(b, 2)?;
                cx.s(" (wrong icmp cksum ");
                cx.hex(stored);
                cx.s(" (->");
                cx.hex(should_be(stored, sum));
                cx.s(")!)");
            }
        }
    }
    // Errors quote the packet that caused them: printed with -v.
    if cx.verbose() && matches!(t, 3 | 4 | 5 | 11 | 12) {
        let quoted = b.get(8..).unwrap_or(&[]);
        cx.s("\n\t");
        let ip_len = usize::from(get16(quoted, 2)?);
        ip::ipv4(cx, &quoted[..quoted.len().min(ip_len)], ip_len)?;
        cx.proto = "icmp";
    }
    Ok(())
}

pub(super) fn icmp6(cx: &mut Cx<'_>, b: &[u8], length: usize, ip: &IpInfo<'_>) -> R {
    cx.proto = "icmp6";
    if cx.verbose() {
        if let Some(message) = b.get(..length) {
            let stored = get16(b, 2)?;
            checksum_note(cx, ip, message, 58, stored, "icmp6");
        }
    }
    cx.s("ICMP6, ");
    let t = get(b, 0)?;
    let neighbor = matches!(t, 133..=137);
    match t {
        128 => cx.s("echo request"),
        129 => cx.s("echo reply"),
        133 => cx.s("router solicitation"),
        134 => cx.s("router advertisement"),
        135 => cx.s("neighbor solicitation"),
        136 => cx.s("neighbor advertisement"),
        137 => cx.s("redirect"),
        143 => cx.s("multicast listener report v2"),
        _ => {
            cx.s("type-#");
            cx.dec(t);
        }
    }
    // With -v tcpdump moves the length of neighbor discovery messages here.
    if cx.verbose() && neighbor {
        cx.s(", length ");
        cx.dec(length as u64);
    }
    match t {
        128 | 129 => {
            let (id, seq) = (get16(b, 4)?, get16(b, 6)?);
            cx.s(", id ");
            cx.dec(id);
            cx.s(", seq ");
            cx.dec(seq);
        }
        135 | 136 => {
            let target = bytes(b, 8, 16)?;
            cx.s(if t == 135 { ", who has " } else { ", tgt is " });
            cx.ipv6(target);
            if cx.verbose() {
                if t == 136 {
                    let flags = get32(b, 4)?;
                    cx.s(", Flags [");
                    let mut any = false;
                    for (bit, name) in [(1u32 << 31, "router"), (1 << 30, "solicited"), (1 << 29, "override")] {
                        if flags & bit != 0 {
                            cx.s(if any { ", " } else { "" });
                            cx.s(name);
                            any = true;
                        }
                    }
                    cx.s(if any { "]" } else { "none]" });
                }
                if !nd_options(cx, b.get(24..).unwrap_or(&[]), length as isize - 24)? {
                    cx.trunc_note();
                    return Ok(());
                }
            }
        }
        143 => {
            let groups = get16(b, 6)?;
            cx.s(", ");
            cx.dec(groups);
            cx.s(" group record(s)");
        }
        _ => {}
    }
    if !cx.verbose() {
        cx.s(", length ");
        cx.dec(length as u64);
    }
    Ok(())
}

/// Neighbor discovery options (`icmp6_opt_print`) for the link-layer
/// address options that solicitations and advertisements carry; other
/// options are dumped. `Ok(false)`: cut short.
fn nd_options(cx: &mut Cx<'_>, b: &[u8], mut resid: isize) -> R<bool> {
    let mut at = 0;
    while at < b.len() {
        if at + 1 >= b.len() {
            return Ok(false);
        }
        if resid <= 0 {
            return Ok(true);
        }
        let (kind, units) = (b[at], usize::from(b[at + 1]));
        let len = units * 8;
        if units == 0 || at + len > b.len() {
            return Ok(false);
        }
        cx.s("\n\t  ");
        cx.s(match kind {
            1 => "source link-address",
            2 => "destination link-address",
            3 => "prefix info",
            4 => "redirected header",
            5 => "mtu",
            25 => "rdnss",
            31 => "dnssl",
            7 => "advertisement interval",
            8 => "homeagent information",
            24 => "route info",
            _ => "unknown",
        });
        cx.s(" option (");
        cx.dec(kind);
        cx.s("), length ");
        cx.dec(len as u64);
        cx.s(" (");
        cx.dec(units as u64);
        cx.s("): ");
        let body = &b[at + 2..at + len];
        if matches!(kind, 1 | 2) {
            for (i, &x) in body.iter().enumerate() {
                if i > 0 {
                    cx.s(":");
                }
                cx.hex_pad(x, 2);
            }
        } else if cx.opts.verbose <= 1 {
            hex_only(cx.out, "\n\t  ", body, body.len());
            return Ok(true);
        }
        if cx.opts.verbose > 1 {
            hex_only(cx.out, "\n\t    ", body, body.len());
        }
        at += len;
        resid -= len as isize;
    }
    Ok(true)
}

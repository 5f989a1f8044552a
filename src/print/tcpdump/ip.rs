//! IPv4 and IPv6 as tcpdump prints them: `IP`/`IP6`, the `-v` header in
//! parentheses, `src > dst: `, then the payload's printer.

use super::ip6opts::{self, Jumbo};
use super::{get, get16, get32, transport, vrrp, Cx, Trunc, R};
use crate::print::names;
use crate::wire::checksum;
use crate::wire::vrrp::Family;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What upper-layer printers need from the IP header: the family, the hop
/// limit, and the addresses (for endpoints and pseudo-header checksums).
#[derive(Debug, Clone, Copy)]
pub(super) struct IpInfo<'a> {
    pub family: Family,
    /// The fixed header (20 or 40 bytes, all captured).
    header: &'a [u8],
    /// Hop limit or TTL.
    pub ttl: u8,
    /// More fragments follow (IPv4 MF), so transport checksums cannot be checked.
    pub fragmented: bool,
}

impl IpInfo<'_> {
    fn addr(&self, at: usize) -> IpAddr {
        let h = self.header;
        match self.family {
            Family::Ipv4 => IpAddr::V4(Ipv4Addr::new(h[at], h[at + 1], h[at + 2], h[at + 3])),
            Family::Ipv6 => IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(&h[at..at + 16]).unwrap_or_default())),
        }
    }
    pub fn src(&self) -> IpAddr {
        self.addr(if self.family == Family::Ipv4 { 12 } else { 8 })
    }
    pub fn dst(&self) -> IpAddr {
        self.addr(if self.family == Family::Ipv4 { 16 } else { 24 })
    }
    /// Writes the source (`dst` false) or destination address.
    pub fn write_addr(&self, cx: &mut Cx<'_>, dst: bool) {
        match (self.family, dst) {
            (Family::Ipv4, false) => cx.ipv4(&self.header[12..16]),
            (Family::Ipv4, true) => cx.ipv4(&self.header[16..20]),
            (Family::Ipv6, false) => cx.ipv6(&self.header[8..24]),
            (Family::Ipv6, true) => cx.ipv6(&self.header[24..40]),
        }
    }
}

/// Raw IP: the version nibble picks the printer (tcpdump's `ipN_print`).
pub(super) fn any(cx: &mut Cx<'_>, b: &[u8], length: usize) -> R {
    cx.proto = "ipn";
    if length < 1 {
        cx.s("truncated-ip ");
        cx.dec(length as u64);
        return Ok(());
    }
    match get(b, 0)? & 0xf0 {
        0x40 => ipv4(cx, b, length),
        0x60 => ipv6(cx, b, length),
        v => {
            cx.s("unknown ip ");
            cx.dec(v >> 4);
            Ok(())
        }
    }
}

fn addrs4(cx: &mut Cx<'_>, b: &[u8]) {
    cx.ipv4(&b[12..16]);
    cx.s(" > ");
    cx.ipv4(&b[16..20]);
}

/// `b` runs from the IP header to the end of the capture; `length` is what
/// is left of the frame on the wire.
pub(super) fn ipv4(cx: &mut Cx<'_>, b: &[u8], length: usize) -> R {
    cx.proto = "ip";
    let vhl = get(b, 0)?;
    if vhl >> 4 != 4 {
        if vhl >> 4 == 6 {
            cx.s("IP6, wrong link-layer encapsulation");
        } else {
            cx.s("IP");
            cx.dec(vhl >> 4);
        }
        cx.invalid();
        return Ok(());
    }
    if !cx.opts.link_header {
        cx.s("IP ");
    }
    // tcpdump's ip_print checks the header with ND_TCHECK: a short header
    // ends the line here, the link header still counts for -x.
    if b.len() < 20 {
        cx.trunc_note();
        return Ok(());
    }
    if length < 20 {
        cx.s("truncated-ip ");
        cx.dec(length as u64);
        return Ok(());
    }
    let hlen = usize::from(vhl & 0x0f) * 4;
    if hlen < 20 {
        cx.s("bad-hlen ");
        cx.dec(hlen as u64);
        return Ok(());
    }
    let len = usize::from(get16(b, 2)?);
    if length < len {
        cx.s("truncated-ip - ");
        cx.dec((len - length) as u64);
        cx.s(" bytes missing! ");
    }
    if len < hlen {
        cx.s("bad-len ");
        cx.dec(len as u64);
        return Ok(());
    }
    // The payload ends where the header says, whatever the link padded.
    let b = &b[..b.len().min(len)];
    let off = get16(b, 6)?;
    let proto = get(b, 9)?;
    if cx.verbose() && !header_v4(cx, b, hlen, off, proto)? {
        addrs4(cx, b);
        cx.s(": ");
        cx.trunc_note();
        return Ok(());
    }
    if off & 0x1fff != 0 {
        addrs4(cx, b);
        cx.s(": ip-proto-");
        cx.dec(proto);
        return Ok(());
    }
    if !matches!(proto, 6 | 17 | 33 | 132) {
        addrs4(cx, b);
        cx.s(": ");
    }
    if b.len() < hlen {
        cx.s(" [remaining caplen(");
        cx.dec(b.len() as u64);
        cx.s(") < header length(");
        cx.dec(hlen as u64);
        cx.s(")]");
        return Err(Trunc);
    }
    let info = IpInfo { family: Family::Ipv4, header: &b[..20], ttl: b[8], fragmented: off & 0x2000 != 0 };
    demux(cx, &b[hlen..], len - hlen, proto, &info)
}

/// The `-v` header `(tos 0x0, ttl 255, id 1, ...)` and its line break.
/// Returns false when an option was cut short (tcpdump then stops the line).
fn header_v4(cx: &mut Cx<'_>, b: &[u8], hlen: usize, off: u16, proto: u8) -> R<bool> {
    let tos = get(b, 1)?;
    cx.s("(tos 0x");
    cx.hex(tos);
    cx.s(match tos & 3 {
        1 => ",ECT(1)",
        2 => ",ECT(0)",
        3 => ",CE",
        _ => "",
    });
    let ttl = get(b, 8)?;
    if ttl >= 1 {
        cx.s(", ttl ");
        cx.dec(ttl);
    }
    cx.s(", id ");
    cx.dec(get16(b, 4)?);
    cx.s(", offset ");
    cx.dec(u32::from(off & 0x1fff) * 8);
    cx.s(", flags [");
    let mut first = true;
    for (bit, name) in [(0x2000, "+"), (0x4000, "DF"), (0x8000, "rsvd")] {
        if off & bit != 0 {
            if !first {
                cx.s(", ");
            }
            cx.s(name);
            first = false;
        }
    }
    if first {
        cx.s("none");
    }
    cx.s("], proto ");
    cx.s(names::ipproto(proto).unwrap_or("unknown"));
    cx.s(" (");
    cx.dec(proto);
    cx.s("), length ");
    cx.dec(get16(b, 2)?);
    let mut complete = true;
    if hlen > 20 {
        cx.s(", options (");
        if !options(cx, b.get(20..).unwrap_or(&[]), hlen - 20)? {
            cx.s(" [truncated-option]");
            complete = false;
        }
        cx.s(")");
    }
    if b.len() >= hlen {
        let sum = checksum::combine(&[checksum::sum(&b[..hlen])]);
        if sum != 0xffff {
            let stored = get16(b, 10)?;
            cx.s(", bad cksum ");
            cx.hex(stored);
            cx.s(" (->");
            cx.hex(should_be(stored, !sum));
            cx.s(")!");
        }
    }
    cx.s(")\n    ");
    Ok(complete)
}

/// tcpdump's `in_cksum_shouldbe`: the checksum that would have been right.
pub(super) fn should_be(stored: u16, computed: u16) -> u16 {
    let mut v = u32::from(stored) + u32::from(computed);
    v = (v & 0xffff) + (v >> 16);
    v = (v & 0xffff) + (v >> 16);
    v as u16
}

/// IP options (`ip_optprint`). `Ok(false)`: an option was cut short.
fn options(cx: &mut Cx<'_>, b: &[u8], length: usize) -> R<bool> {
    let mut at = 0;
    let mut sep = "";
    while at < length {
        cx.s(sep);
        sep = ",";
        let code = get(b, at)?;
        match names::ip_option(code) {
            Some(n) => cx.s(n),
            None => {
                cx.s("unknown ");
                cx.dec(code);
            }
        }
        let olen = if code <= 1 { 1 } else { usize::from(get(b, at + 1)?) };
        if olen < 2 && code > 1 || olen > length - at {
            cx.s(" [bad length ");
            cx.dec(olen as u64);
            cx.s("]");
            return Ok(true);
        }
        let Some(opt) = b.get(at..at + olen) else { return Ok(false) };
        match code {
            0 => return Ok(true),
            68 if !option_timestamp(cx, opt)? => return Ok(false),
            7 | 131 | 137 if !option_route(cx, opt)? => return Ok(false),
            148 => {
                if olen < 4 {
                    cx.s(" [bad length ");
                    cx.dec(olen as u64);
                    cx.s("]");
                } else if get16(opt, 2)? != 0 {
                    cx.s(" value ");
                    cx.dec(get16(opt, 2)?);
                }
            }
            _ => {}
        }
        at += olen;
    }
    Ok(true)
}

fn option_route(cx: &mut Cx<'_>, opt: &[u8]) -> R<bool> {
    let length = opt.len();
    if length < 3 {
        cx.s(" [bad length ");
        cx.dec(length as u64);
        cx.s("]");
        return Ok(true);
    }
    if (length + 1) & 3 != 0 {
        cx.s(" [bad length ");
        cx.dec(length as u64);
        cx.s("]");
    }
    let ptr = usize::from(get(opt, 2)?).wrapping_sub(1);
    // Wrapping as tcpdump's unsigned arithmetic does (a pointer byte of 0).
    if ptr < 3 || ptr.wrapping_add(1) & 3 != 0 || ptr > length + 1 {
        cx.s(" [bad ptr ");
        cx.dec(get(opt, 2)?);
        cx.s("]");
    }
    let mut len = 3;
    while len < length {
        let Some(a) = opt.get(len..len + 4) else { return Ok(false) };
        cx.s(" ");
        cx.ipv4(a);
        if ptr > len {
            cx.s(",");
        }
        len += 4;
    }
    Ok(true)
}

fn option_timestamp(cx: &mut Cx<'_>, opt: &[u8]) -> R<bool> {
    let length = opt.len();
    if length < 4 {
        cx.s("[bad length ");
        cx.dec(length as u64);
        cx.s("]");
        return Ok(true);
    }
    cx.s(" TS{");
    let flags = get(opt, 3)?;
    let hoplen = if flags & 0xf != 0 { 8 } else { 4 };
    if (length - 4) & (hoplen - 1) != 0 {
        cx.s("[bad length ");
        cx.dec(length as u64);
        cx.s("]");
    }
    let ptr = usize::from(get(opt, 2)?).wrapping_sub(1);
    if ptr < 4 || (ptr.wrapping_sub(4)) & (hoplen - 1) != 0 || ptr > length + 1 {
        cx.s("[bad ptr ");
        cx.dec(get(opt, 2)?);
        cx.s("]");
    }
    let mut len = 0;
    let known = match flags & 0xf {
        0 => "TSONLY",
        1 => "TS+ADDR",
        3 => "PRESPEC",
        _ => "",
    };
    if known.is_empty() {
        cx.s("[bad ts type ");
        cx.dec(flags & 0xf);
        cx.s("]");
    } else {
        cx.s(known);
        let mut mark = " ";
        len = 4;
        while len < length {
            if ptr == len {
                mark = " ^ ";
            }
            let Some(hop) = opt.get(len..len + hoplen) else { return Ok(false) };
            cx.s(mark);
            cx.dec(u32::from_be_bytes([hop[hoplen - 4], hop[hoplen - 3], hop[hoplen - 2], hop[hoplen - 1]]));
            cx.s("@");
            if hoplen == 8 {
                cx.ipv4(hop);
            }
            mark = " ";
            len += hoplen;
        }
    }
    if ptr == len {
        cx.s(" ^ ");
    }
    if flags >> 4 != 0 {
        cx.s(" [");
        cx.dec(flags >> 4);
        cx.s(" hops not recorded]} ");
    } else {
        cx.s("}");
    }
    Ok(true)
}

/// `b` runs from the IPv6 header to the end of the capture.
pub(super) fn ipv6(cx: &mut Cx<'_>, b: &[u8], length: usize) -> R {
    cx.proto = "ip6";
    if b.len() < 40 {
        cx.trunc_note();
        return Ok(());
    }
    if length < 40 {
        cx.s("truncated-ip6 ");
        cx.dec(length as u64);
        return Ok(());
    }
    if !cx.opts.link_header {
        cx.s("IP6 ");
    }
    if b[0] >> 4 != 6 {
        cx.s("version error: ");
        cx.dec(b[0] >> 4);
        cx.s(" != 6");
        return Ok(());
    }
    let payload_len = usize::from(get16(b, 4)?);
    let mut len = if payload_len != 0 {
        let len = payload_len + 40;
        if length < len {
            cx.s("truncated-ip6 - ");
            cx.dec((len - length) as u64);
            cx.s(" bytes missing!");
        }
        len
    } else {
        length + 40
    };
    let mut nh = b[6];
    if cx.verbose() {
        let flow = get32(b, 0)?;
        cx.s("(");
        if flow & 0x0ff0_0000 != 0 {
            cx.s("class 0x");
            cx.hex_pad((flow & 0x0ff0_0000) >> 20, 2);
            cx.s(", ");
        }
        if flow & 0x000f_ffff != 0 {
            cx.s("flowlabel 0x");
            cx.hex_pad(flow & 0x000f_ffff, 5);
            cx.s(", ");
        }
        cx.s("hlim ");
        cx.dec(b[7]);
        cx.s(", next-header ");
        cx.s(names::ipproto(nh).unwrap_or("unknown"));
        cx.s(" (");
        cx.dec(nh);
        cx.s(") payload length: ");
        cx.dec(payload_len as u64);
        cx.s(") ");
    }
    let mut b = &b[..b.len().min(len)];
    let info = IpInfo { family: Family::Ipv6, header: &b[..40], ttl: b[7], fragmented: false };
    let mut jumbo = Jumbo { payload_len: payload_len as u32, found: false };
    let mut cp = 0;
    let mut advance = 40;
    let mut found_extension = false;
    let mut found_hbh = false;
    // The header before this one (255: the IPv6 header).
    let mut prev = 255;
    while cp < b.len() && advance > 0 {
        if len < advance {
            cx.trunc_note();
            return Ok(());
        }
        cp += advance;
        len -= advance;
        if cp == 40 && !matches!(nh, 6 | 17 | 33 | 132) {
            cx.ipv6(&b[8..24]);
            cx.s(" > ");
            cx.ipv6(&b[24..40]);
            cx.s(": ");
        }
        match nh {
            0 => {
                // RFC 8200: once, and right after the IPv6 header.
                if found_hbh || prev != 255 {
                    cx.s(if found_hbh {
                        "[The Hop-by-Hop Options header was already found]"
                    } else {
                        "[The Hop-by-Hop Options header don't follow the IPv6 header]"
                    });
                    cx.invalid();
                    return Ok(());
                }
                let hlen = ip6opts::header(cx, &b[cp..], Some(&mut jumbo))?;
                if jumbo.payload_len == 0 && !jumbo.found {
                    cx.s("[No valid Jumbo Payload Hop-by-Hop option found]");
                    cx.invalid();
                    return Ok(());
                }
                let Some(hlen) = hlen else { return Ok(()) };
                advance = hlen;
                found_hbh = true;
            }
            60 => {
                let Some(hlen) = ip6opts::header(cx, &b[cp..], None)? else {
                    return Ok(());
                };
                advance = hlen;
            }
            // Routing, fragment and mobility headers end the walk.
            43 | 44 | 135 | 62 => {
                cx.s(names::ipproto(nh).unwrap_or("unknown"));
                return Ok(());
            }
            _ => {
                if jumbo.found {
                    len = jumbo.payload_len as usize + 40;
                    if len < cp {
                        cx.trunc_note();
                        return Ok(());
                    }
                    if length < len {
                        cx.s("truncated-ip6 - ");
                        cx.dec((len - length) as u64);
                        cx.s(" bytes missing!");
                    }
                    b = &b[..b.len().min(len)];
                    len -= cp;
                } else if payload_len == 0 {
                    if found_extension {
                        cx.trunc_note();
                        return Ok(());
                    }
                    // No payload: the capture ends with the IPv6 header.
                    b = &b[..40];
                    len = 0;
                }
                // Extension headers may claim more than was captured: the
                // next protocol then starts past the end and prints as cut.
                return demux(cx, b.get(cp..).unwrap_or(&[]), len, nh, &info);
            }
        }
        found_extension = true;
        nh = b[cp];
        prev = nh;
        cx.proto = "ip6";
    }
    Ok(())
}

/// The protocol after IP (`ip_demux_print`).
fn demux(cx: &mut Cx<'_>, payload: &[u8], length: usize, nh: u8, info: &IpInfo<'_>) -> R {
    let v4 = info.family == Family::Ipv4;
    match nh {
        6 => transport::tcp(cx, payload, length, info),
        17 => transport::udp(cx, payload, length, info),
        1 if v4 => transport::icmp(cx, payload, length, info),
        58 if !v4 => transport::icmp6(cx, payload, length, info),
        1 | 2 | 58 if v4 == (nh == 58) => {
            cx.s("[");
            cx.s(names::ipproto(nh).unwrap_or("unknown"));
            cx.s(if v4 { " requires IPv6]" } else { " requires IPv4]" });
            cx.invalid();
            Ok(())
        }
        2 if v4 => super::igmp::print(cx, payload, length),
        112 => vrrp::print(cx, payload, length, info),
        4 => ipv4(cx, payload, length),
        41 => ipv6(cx, payload, length),
        59 => {
            cx.s("no next header");
            Ok(())
        }
        77 => {
            cx.s(" nd ");
            cx.dec(length as u64);
            Ok(())
        }
        _ => {
            cx.s(" ip-proto-");
            cx.dec(nh);
            cx.s(" ");
            cx.dec(length as u64);
            Ok(())
        }
    }
}

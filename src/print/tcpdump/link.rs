//! Link layers: Ethernet (with any number of 802.1Q/802.1ad tags), Linux
//! cooked v1 and v2, raw IP. Each returns the link header length, which
//! `-x`/`-X` skip (tcpdump's `ndo_ll_hdr_len`).

use super::{arp, get, get16, get32, ip, Cx, R};
use crate::capture::{Frame, LinkType};
use crate::print::fmt::pad;
use crate::print::names;
use crate::wire::decode::{ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_RARP};
use std::sync::OnceLock;

/// Largest 802.3 length; larger values are ethertypes.
const MAX_ETHERNET_LENGTH: u16 = 1500;
const VLAN_TPIDS: [u16; 4] = [0x8100, 0x9100, 0x9200, 0x88a8];

pub(super) fn print(cx: &mut Cx<'_>, frame: &Frame) -> R<usize> {
    let data = &frame.data[..];
    let length = frame.orig_len as usize;
    match frame.linktype {
        LinkType::Ethernet => ether(cx, data, length),
        LinkType::LinuxSll => sll(cx, data, length),
        LinkType::LinuxSll2 => sll2(cx, data, length),
        LinkType::Raw | LinkType::Ipv4 | LinkType::Ipv6 => {
            cx.proto = "raw";
            if cx.opts.link_header {
                cx.s("ip: ");
            }
            ip::any(cx, data, length)?;
            Ok(0)
        }
        LinkType::Other(n) => {
            cx.s("[link type ");
            cx.dec(n);
            cx.s(" not decoded], length ");
            cx.dec(length as u64);
            cx.unknown_payload(data);
            Ok(0)
        }
    }
}

fn ethertype_name(cx: &mut Cx<'_>, t: u16) {
    cx.s("ethertype ");
    cx.s(names::ethertype(t).unwrap_or("Unknown"));
    cx.s(" (0x");
    cx.hex_pad(t, 4);
    cx.s(")");
}

fn tci(cx: &mut Cx<'_>, tci: u16) {
    cx.s("vlan ");
    cx.dec(tci & 0x0fff);
    cx.s(", p ");
    cx.dec(tci >> 13);
    if tci & 0x1000 != 0 {
        cx.s(", DEI");
    }
}

fn addresses(cx: &mut Cx<'_>, data: &[u8]) {
    cx.mac(&data[6..12]);
    cx.s(" > ");
    cx.mac(&data[0..6]);
    cx.s(", ");
}

/// Hands the payload to the printer of `ethertype`; false when there is none.
fn ethertype_payload(cx: &mut Cx<'_>, ethertype: u16, payload: &[u8], length: usize) -> R<bool> {
    match ethertype {
        ETHERTYPE_IPV4 => ip::ipv4(cx, payload, length)?,
        ETHERTYPE_IPV6 => ip::ipv6(cx, payload, length)?,
        ETHERTYPE_ARP | ETHERTYPE_RARP => arp::print(cx, payload, length)?,
        _ => return Ok(false),
    }
    Ok(true)
}

fn has_printer(ethertype: u16) -> bool {
    matches!(ethertype, ETHERTYPE_IPV4 | ETHERTYPE_IPV6 | ETHERTYPE_ARP | ETHERTYPE_RARP)
}

fn ether(cx: &mut Cx<'_>, data: &[u8], orig_len: usize) -> R<usize> {
    cx.proto = "ether";
    let eflag = cx.opts.link_header;
    if data.len() < 14 {
        cx.trunc_note();
        return Ok(data.len());
    }
    if eflag {
        addresses(cx, data);
    }
    let mut ethertype = get16(data, 12)?;
    let mut p = 14;
    let mut length = orig_len - 14;
    let mut printed_length = false;
    while VLAN_TPIDS.contains(&ethertype) {
        let caprem = data.len() - p;
        if caprem < 4 || length < 4 {
            cx.proto = "vlan";
            cx.trunc_note();
            return Ok(p + caprem.min(length));
        }
        if eflag {
            ethertype_name(cx, ethertype);
            length_or_comma(cx, &mut printed_length, orig_len);
            tci(cx, get16(data, p)?);
            cx.s(", ");
        }
        ethertype = get16(data, p + 2)?;
        p += 4;
        length -= 4;
    }
    let payload = &data[p..];
    if ethertype <= MAX_ETHERNET_LENGTH {
        // 802.3 with an LLC header, which is not decoded here.
        let length = length.min(usize::from(ethertype));
        if eflag {
            cx.s("802.3");
            if !printed_length {
                cx.s(", length ");
                cx.dec(length as u64);
                cx.s(": ");
            }
        } else {
            addresses(cx, data);
            cx.s("802.3, length ");
            cx.dec(length as u64);
            cx.s(": ");
        }
        cx.s("LLC");
        cx.unknown_payload(&payload[..payload.len().min(length)]);
        return Ok(p);
    }
    if eflag {
        ethertype_name(cx, ethertype);
        length_or_comma(cx, &mut printed_length, orig_len);
    }
    if !ethertype_payload(cx, ethertype, payload, length)? {
        if !eflag {
            addresses(cx, data);
            ethertype_name(cx, ethertype);
            cx.s(", length ");
            cx.dec(orig_len as u64);
            cx.s(": ");
        }
        cx.unknown_payload(payload);
    }
    Ok(p)
}

fn length_or_comma(cx: &mut Cx<'_>, printed_length: &mut bool, orig_len: usize) {
    if *printed_length {
        cx.s(", ");
    } else {
        cx.s(", length ");
        cx.dec(orig_len as u64);
        cx.s(": ");
        *printed_length = true;
    }
}

fn pkttype_name(t: u16) -> &'static str {
    match t {
        0 => "In",
        1 => "B",
        2 => "M",
        3 => "P",
        4 => "Out",
        _ => "?",
    }
}

/// The `-e` part of a cooked header: link address and protocol.
fn cooked_protocol(cx: &mut Cx<'_>, halen: u16, addr: &[u8], protocol: u16, length: usize) {
    if halen == 6 {
        cx.mac(&addr[..6]);
        cx.s(" ");
    }
    if protocol <= MAX_ETHERNET_LENGTH {
        match protocol {
            1 => cx.s("802.3"),
            4 => cx.s("802.2"),
            _ => {
                cx.s("ethertype Unknown (0x");
                cx.hex_pad(protocol, 4);
                cx.s(")");
            }
        }
    } else {
        ethertype_name(cx, protocol);
    }
    cx.s(", length ");
    cx.dec(length as u64);
    cx.s(": ");
}

fn sll_header(cx: &mut Cx<'_>, data: &[u8], length: usize) {
    let name = pkttype_name(u16::from_be_bytes([data[0], data[1]]));
    pad(cx.out, 3usize.saturating_sub(name.len()), b' ');
    cx.s(name);
    cx.s(" ");
    let halen = u16::from_be_bytes([data[4], data[5]]);
    cooked_protocol(cx, halen, &data[6..14], u16::from_be_bytes([data[14], data[15]]), length);
}

fn sll2_header(cx: &mut Cx<'_>, data: &[u8], length: usize) {
    cx.s("ifindex ");
    cx.dec(u32::from_be_bytes([data[4], data[5], data[6], data[7]]));
    cx.s(" ");
    cooked_protocol(cx, u16::from(data[11]), &data[12..20], u16::from_be_bytes([data[0], data[1]]), length);
}

fn sll(cx: &mut Cx<'_>, data: &[u8], length: usize) -> R<usize> {
    cx.proto = "sll";
    super::bytes(data, 0, 16)?;
    if cx.opts.link_header {
        sll_header(cx, data, length);
    }
    cooked_payload(cx, data, 16, length, get16(data, 2)?, get16(data, 14)?, sll_header)
}

fn sll2(cx: &mut Cx<'_>, data: &[u8], length: usize) -> R<usize> {
    cx.proto = "sll2";
    super::bytes(data, 0, 20)?;
    let name = interface_name(get32(data, 4)?);
    cx.s(name);
    pad(cx.out, 5usize.saturating_sub(name.len()) + 1, b' ');
    let pkt = pkttype_name(u16::from(get(data, 10)?));
    cx.s(pkt);
    pad(cx.out, 3usize.saturating_sub(pkt.len()) + 1, b' ');
    if cx.opts.link_header {
        sll2_header(cx, data, length);
    }
    cooked_payload(cx, data, 20, length, get16(data, 8)?, get16(data, 0)?, sll2_header)
}

/// What follows a cooked header of `hdrlen` bytes: a VLAN tag, an ethertype
/// payload, or something printed raw.
fn cooked_payload(
    cx: &mut Cx<'_>,
    data: &[u8],
    hdrlen: usize,
    length: usize,
    hatype: u16,
    protocol: u16,
    header: fn(&mut Cx<'_>, &[u8], usize),
) -> R<usize> {
    let mut p = hdrlen;
    let mut length = length - hdrlen;
    let mut ethertype = protocol;
    if hatype == 803 {
        // A radiotap header follows: not decoded here.
        cx.unknown_payload(&data[p..]);
        return Ok(p);
    }
    loop {
        if ethertype <= MAX_ETHERNET_LENGTH {
            cx.unknown_payload(&data[p..]);
            return Ok(p);
        }
        if ethertype == 0x8100 {
            let caprem = data.len() - p;
            if caprem < 4 {
                cx.proto = "vlan";
                cx.trunc_note();
                return Ok(p + caprem);
            }
            if cx.opts.link_header {
                tci(cx, get16(data, p)?);
                cx.s(", ");
            }
            ethertype = get16(data, p + 2)?;
            if ethertype <= MAX_ETHERNET_LENGTH {
                ethertype = 4;
            }
            cx.s("ethertype ");
            cx.s(names::ethertype(ethertype).unwrap_or("Unknown"));
            cx.s(", ");
            p += 4;
            length = length.saturating_sub(4);
            continue;
        }
        if !has_printer(ethertype) {
            if !cx.opts.link_header {
                header(cx, data, length + hdrlen);
            }
            cx.unknown_payload(&data[p..]);
            return Ok(p);
        }
        ethertype_payload(cx, ethertype, &data[p..], length)?;
        return Ok(p);
    }
}

/// The name of this host's interface `index`, or `?`, as tcpdump prints
/// SLL2 frames (it asks `if_indextoname` on the machine that reads).
fn interface_name(index: u32) -> &'static str {
    static NAMES: OnceLock<Vec<(u32, String)>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let mut v = Vec::new();
        if let Ok(dir) = std::fs::read_dir("/sys/class/net") {
            for e in dir.flatten() {
                let idx = std::fs::read_to_string(e.path().join("ifindex")).ok().and_then(|s| s.trim().parse().ok());
                if let (Some(i), Some(name)) = (idx, e.file_name().to_str()) {
                    v.push((i, name.to_string()));
                }
            }
        }
        v
    });
    names.iter().find(|(i, _)| *i == index).map_or("?", |(_, n)| n.as_str())
}

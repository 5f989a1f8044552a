//! ARP, with the classes a VRRP failover is read by: gratuitous ARP (how a
//! new master moves its VIPs), RFC 5227 probes and announcements.

use super::layers::{arp_hw_is_ether, arp_pro_is_ipv4, ARPHRD_ATM2225};
use super::link::{be16, mac, vmac_vrid};
use super::tree::{Layer, Level, Node, Says};
use super::FrameRef;
use crate::wire::arp::{self, field, Kind};
use crate::wire::decode::{Net, ETHERTYPE_RARP};
use std::net::Ipv4Addr;

fn opcode_says(op: u16, e: Option<&arp::EtherIpv4>) -> Says {
    let (name, what) = match op {
        arp::OP_REQUEST => ("request", e.map(|e| format!("who has {}? tell {}", e.tpa, e.spa))),
        arp::OP_REPLY => ("reply", e.map(|e| format!("{} is at {}", e.spa, mac(&e.sha)))),
        3 => ("reverse request", None),
        4 => ("reverse reply", None),
        8 => ("inverse request", None),
        9 => ("inverse reply", None),
        _ => ("unknown opcode", None),
    };
    Says::new(format!("{op} ({name})"), what.unwrap_or_else(|| name.to_string()))
}

fn sender_mac_says(m: &[u8]) -> Says {
    match vmac_vrid(m) {
        Some((_, vrid)) => Says::new(mac(m), format!("the virtual MAC of VRID {vrid}: a use_vmac master's ARPs bind the VIP to it, so it never changes on failover")),
        None => Says::new(mac(m), "the sender's MAC: hosts that hear this may update their entry for the sender address to it"),
    }
}

fn target_mac_says(m: &[u8], op: u16) -> Says {
    let what = match (op, m) {
        (arp::OP_REQUEST, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) => {
            "broadcast: keepalived puts ff:ff:ff:ff:ff:ff here in its gratuitous ARPs (RFC 5227 leaves it zero)"
        }
        (arp::OP_REQUEST, [0, 0, 0, 0, 0, 0]) => "unknown: the MAC is what the request asks for",
        (arp::OP_REPLY, _) => "the MAC of the host that asked",
        _ => "target hardware address",
    };
    Says::new(mac(m), what)
}

fn ipv4(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::from(<[u8; 4]>::try_from(b).unwrap_or([0; 4]))
}

/// The ARP layer; returns where the message ends in the frame.
pub(super) fn layer(f: &FrameRef, out: &mut Vec<Node>) -> usize {
    let Net::Arp { ethertype, offset, bytes } = f.decoded.net else { return f.data().len() };
    let title =
        if ethertype == ETHERTYPE_RARP { "Reverse Address Resolution Protocol" } else { "Address Resolution Protocol" };
    let p = arp::Packet::new_checked(bytes).ok();
    let total = p.map_or(arp::HEADER_LEN, |p| p.total_len());
    let mut l = Layer::new(f.data(), "arp", title, offset, offset + total);
    l.add("arp.hw.type", field::HTYPE, |b| {
        let t = be16(b);
        Says::new(t.to_string(), if t == 1 { "Ethernet" } else { "hardware type" })
    });
    l.add("arp.proto.type", field::PTYPE, |b| {
        let t = be16(b);
        Says::new(format!("0x{t:04x}"), if t == 0x0800 { "IPv4" } else { "protocol type" })
    });
    l.add("arp.hw.size", field::HLEN..field::HLEN + 1, |b| Says::new(b[0].to_string(), "bytes per hardware address"));
    l.add("arp.proto.size", field::PLEN..field::PLEN + 1, |b| {
        Says::new(b[0].to_string(), "bytes per protocol address")
    });
    let e = p.and_then(|p| p.ether_ipv4());
    l.add("arp.opcode", field::OPER, |b| opcode_says(be16(b), e.as_ref()));
    let Some(p) = p else {
        out.push(l.finish("", ""));
        return (offset + total).min(f.data().len());
    };
    if p.htype() == ARPHRD_ATM2225 {
        l.note(
            "arp.atm",
            Says::new("ATM ARP (RFC 2225)", "a different layout, not decoded by vrrplab").level(Level::Warn),
        );
        out.push(l.finish("", ""));
        return (offset + total).min(f.data().len());
    }
    let [sha, spa, tha, tpa] = p.addr_ranges();
    let (ether, v4) = (arp_hw_is_ether(&p), arp_pro_is_ipv4(&p));
    let op = p.op();
    let raw = |b: &[u8]| {
        Says::new(
            b.iter().map(|x| format!("{x:02x}")).collect::<String>(),
            "an address of a type vrrplab does not decode",
        )
    };
    if ether {
        l.add("arp.src.hw_mac", sha, sender_mac_says);
    } else {
        l.add("arp.src.hw", sha, raw);
    }
    if v4 {
        l.add("arp.src.proto_ipv4", spa, |b| {
            Says::new(ipv4(b).to_string(), "the sender's address: it says it is at the sender MAC")
        });
    } else {
        l.add("arp.src.proto", spa, raw);
    }
    if ether {
        l.add("arp.dst.hw_mac", tha, |b| target_mac_says(b, op));
    } else {
        l.add("arp.dst.hw", tha, raw);
    }
    if v4 {
        l.add("arp.dst.proto_ipv4", tpa, |b| Says::new(ipv4(b).to_string(), "the address asked about (or answered)"));
    } else {
        l.add("arp.dst.proto", tpa, raw);
    }
    let summary = e.map(|e| opcode_says(e.op, Some(&e)).meaning).unwrap_or_default();
    if let Some(e) = e {
        classify(&mut l, &e);
    }
    out.push(l.finish(summary, ""));
    (offset + total).min(f.data().len())
}

/// The conclusions Wireshark draws (`arp.isgratuitous` etc.), explained.
fn classify(l: &mut Layer, e: &arp::EtherIpv4) {
    let garp = || {
        Says::new(
            "true",
            "the sender announces that it holds this address — what a new VRRP master sends for its VIPs (keepalived: 5 at once, 5 more after 5 s), so every host and switch re-learns the VIP's MAC",
        )
    };
    match e.kind() {
        Kind::Gratuitous => l.note("arp.isgratuitous", garp()),
        Kind::Announcement => {
            l.note("arp.isgratuitous", garp());
            l.note(
                "arp.isannouncement",
                Says::new("true", "an RFC 5227 announcement (target MAC zero): a host claiming an address, after probing that nobody else uses it"),
            );
        }
        Kind::Probe => l.note(
            "arp.isprobe",
            Says::new(
                "true",
                format!("an RFC 5227 probe: \"is anyone using {}?\", sent before taking an address. The sender address 0.0.0.0 teaches no cache anything; a reply means the address is taken", e.tpa),
            ),
        ),
        Kind::Request | Kind::Reply | Kind::Other => {}
    }
}

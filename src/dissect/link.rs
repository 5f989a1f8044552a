//! The frame and its link layer: capture metadata, Ethernet with its VLAN
//! tags, Linux cooked headers.

use super::layers::Vrrp;
use super::tree::{Layer, Level, Node, Says};
use super::FrameRef;
use crate::capture::Timestamp;
use crate::wire::decode::{
    ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD, ETHERTYPE_RARP, ETHERTYPE_VLAN,
};
use crate::wire::layout::{ethernet, sll, sll2, vlan};
use crate::wire::vrrp::Family;

pub(super) fn mac(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 3);
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push_str(&format!("{x:02x}"));
    }
    s
}

/// An address as Wireshark and tcpdump write it (IPv4-compatible and
/// -mapped IPv6 addresses end in a dotted quad).
pub(super) fn ip(a: std::net::IpAddr) -> String {
    let mut out = Vec::with_capacity(39);
    match a {
        std::net::IpAddr::V4(a) => crate::print::fmt::ipv4(&mut out, &a.octets()),
        std::net::IpAddr::V6(a) => crate::print::fmt::ipv6(&mut out, &a.octets()),
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

/// `2024-01-01 00:00:00.250000000 UTC`.
fn utc(ts: Timestamp) -> String {
    let days = ts.secs.div_euclid(86_400);
    let secs = ts.secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{:09} UTC",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        ts.nanos
    )
}

pub(super) fn frame(f: &FrameRef) -> Node {
    let captured = f.data().len();
    let wire = (f.frame.orig_len as usize).max(captured);
    let mut children = vec![
        Node::field("frame.time_epoch", None, format!("{}.{:09}", f.frame.ts.secs, f.frame.ts.nanos), utc(f.frame.ts)),
        Node::field("frame.len", None, wire.to_string(), "bytes on the wire"),
    ];
    let cap = if captured < wire {
        Node::field(
            "frame.cap_len",
            None,
            captured.to_string(),
            format!("only {captured} of {wire} bytes were captured (snap length): the end of the frame is missing"),
        )
        .level(Level::Warn)
    } else {
        Node::field("frame.cap_len", None, captured.to_string(), "the whole frame was captured")
    };
    children.push(cap);
    children.push(Node::field(
        "frame.encap_type",
        None,
        f.frame.linktype.to_string(),
        "the link-layer header type of the capture",
    ));
    Node {
        title: format!("Frame {}", f.number),
        value: format!("{wire} bytes on the wire, {captured} captured"),
        children,
        ..Node::field("frame", Some(0..captured), "", "")
    }
}

fn ethertype_says(t: u16) -> &'static str {
    match t {
        ETHERTYPE_IPV4 => "IPv4 follows",
        ETHERTYPE_IPV6 => "IPv6 follows",
        ETHERTYPE_ARP => "ARP follows",
        ETHERTYPE_RARP => "reverse ARP follows",
        ETHERTYPE_VLAN => "an 802.1Q VLAN tag follows",
        ETHERTYPE_QINQ => "an 802.1ad service (outer VLAN) tag follows",
        ETHERTYPE_QINQ_OLD => "a pre-standard QinQ tag follows",
        t if t < 0x0600 => "an 802.3 length: LLC follows (not decoded)",
        _ => "a protocol vrrplab does not decode",
    }
}

/// The VRRP virtual MAC of `vrid`: 00:00:5e:00:01:VRID for IPv4,
/// 00:00:5e:00:02:VRID for IPv6 (RFC 5798 §7.3).
pub(super) fn vmac_vrid(m: &[u8]) -> Option<(Family, u8)> {
    match m {
        [0x00, 0x00, 0x5e, 0x00, 0x01, vrid] => Some((Family::Ipv4, *vrid)),
        [0x00, 0x00, 0x5e, 0x00, 0x02, vrid] => Some((Family::Ipv6, *vrid)),
        _ => None,
    }
}

fn dst_says(m: &[u8]) -> Says {
    let what = match m {
        [0x01, 0x00, 0x5e, 0x00, 0x00, 0x12] => {
            "the IPv4 multicast MAC of 224.0.0.18, the VRRP group: every VRRP router on the segment receives it"
        }
        [0x33, 0x33, 0x00, 0x00, 0x00, 0x12] => {
            "the IPv6 multicast MAC of ff02::12, the VRRP group: every VRRP router on the segment receives it"
        }
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] => "broadcast: every station on the segment receives it",
        [0x01, 0x00, 0x5e, ..] => "an IPv4 multicast MAC (01:00:5e + the low 23 bits of the group)",
        [0x33, 0x33, ..] => "an IPv6 multicast MAC (33:33 + the low 32 bits of the group)",
        [first, ..] if first & 1 == 1 => "a multicast MAC",
        _ => "unicast: one station's MAC",
    };
    Says::new(mac(m), what)
}

fn src_says(m: &[u8], f: &FrameRef) -> Says {
    let value = mac(m);
    let vrrp = Vrrp::of(f).filter(|v| v.has(1..2));
    match (vmac_vrid(m), vrrp) {
        (Some((fam, id)), Some(v)) if id == v.head().vrid() && fam == v.family() => Says::new(
            value,
            format!("the virtual MAC of VRID {id}: the master sends from it (keepalived use_vmac), so hosts' ARP (or neighbor) entries for the VIP stay valid across a failover"),
        ),
        (Some((_, id)), Some(v)) => Says::new(
            value,
            format!("the virtual MAC of VRID {id}, but this advert is for VRID {} (or the other address family): a misconfigured virtual MAC", v.head().vrid()),
        )
        .level(Level::Warn),
        (None, Some(_)) => Says::new(
            value,
            "the sender's own interface MAC, not the virtual MAC 00:00:5e:00:01:VRID: keepalived without use_vmac. After a failover the new master's gratuitous ARPs move the VIP to its own MAC",
        ),
        (Some((fam, id)), None) => Says::new(
            value,
            format!("the VRRP virtual MAC of VRID {id} ({}): sent by the master of that virtual router", fam.name()),
        ),
        (None, None) => Says::new(value, "the sending station's MAC"),
    }
}

/// The Ethernet header and any VLAN tags after it.
pub(super) fn ethernet(f: &FrameRef) -> Vec<Node> {
    let data = f.data();
    let mut eth = Layer::new(data, "eth", "Ethernet II", 0, ethernet::HEADER_LEN);
    eth.add("eth.dst", ethernet::DST, dst_says);
    eth.add("eth.src", ethernet::SRC, |m| src_says(m, f));
    let mut next = 0;
    eth.add("eth.type", ethernet::ETHERTYPE, |b| {
        next = be16(b);
        Says::new(format!("0x{next:04x}"), ethertype_says(next))
    });
    let mut out = vec![eth.finish(format!("{} → {}", mac(&data[ethernet::SRC]), mac(&data[ethernet::DST])), "")];
    let mut at = ethernet::HEADER_LEN;
    while matches!(next, ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD) {
        let (name, title) =
            if next == ETHERTYPE_QINQ { ("ieee8021ad", "802.1ad service tag") } else { ("vlan", "802.1Q VLAN tag") };
        let mut tag = Layer::new(data, name, title, at, at + vlan::TAG_LEN);
        let mut id = 0;
        tag.add("vlan.priority", vlan::TCI, |b| {
            Says::new((b[0] >> 5).to_string(), "priority code point (802.1p class of service)")
        });
        tag.add("vlan.id", vlan::TCI, |b| {
            id = be16(b) & 0x0fff;
            Says::new(id.to_string(), "the VLAN: VRRP runs per VLAN, so one VRID on two VLANs is two virtual routers")
        });
        next = 0;
        tag.add("vlan.etype", vlan::ETHERTYPE, |b| {
            next = be16(b);
            Says::new(format!("0x{next:04x}"), ethertype_says(next))
        });
        out.push(tag.finish(format!("VLAN {id}"), ""));
        at += vlan::TAG_LEN;
    }
    out
}

fn pkttype_says(t: u16) -> &'static str {
    match t {
        0 => "addressed to this host",
        1 => "broadcast",
        2 => "multicast (VRRP adverts arrive like this)",
        3 => "addressed to another host (seen in promiscuous mode)",
        4 => "sent by this host",
        _ => "unknown packet type",
    }
}

/// A Linux cooked header (SLL or SLL2), as `tcpdump -i any` writes it.
pub(super) fn cooked(f: &FrameRef) -> Node {
    let data = f.data();
    let v2 = matches!(f.decoded.link, crate::wire::decode::Link::Cooked { ifindex: Some(_), .. });
    let title = if v2 { "Linux cooked capture v2" } else { "Linux cooked capture" };
    let len = if v2 { sll2::HEADER_LEN } else { sll::HEADER_LEN };
    let mut l = Layer::new(data, "sll", title, 0, len);
    let proto = |b: &[u8]| Says::new(format!("0x{:04x}", be16(b)), ethertype_says(be16(b)));
    let mut halen = 0usize;
    if v2 {
        l.add("sll.etype", sll2::PROTOCOL, proto);
        l.add("sll.ifindex", sll2::IFINDEX, |b| {
            Says::new(u32::from_be_bytes([b[0], b[1], b[2], b[3]]).to_string(), "the interface it was captured on")
        });
        l.add("sll.hatype", sll2::HATYPE, |b| Says::new(be16(b).to_string(), "link type (ARPHRD_*; 1 = Ethernet)"));
        l.add("sll.pkttype", sll2::PKTTYPE..sll2::PKTTYPE + 1, |b| {
            Says::new(b[0].to_string(), pkttype_says(u16::from(b[0])))
        });
        l.add("sll.halen", sll2::HALEN..sll2::HALEN + 1, |b| {
            halen = usize::from(b[0]).min(sll2::ADDR.len());
            Says::new(b[0].to_string(), "length of the link address")
        });
        l.add("sll.src.eth", sll2::ADDR.start..sll2::ADDR.start + halen, |b| {
            Says::new(mac(b), "the link-layer source address")
        });
    } else {
        l.add("sll.pkttype", sll::PKTTYPE, |b| Says::new(be16(b).to_string(), pkttype_says(be16(b))));
        l.add("sll.hatype", sll::HATYPE, |b| Says::new(be16(b).to_string(), "link type (ARPHRD_*; 1 = Ethernet)"));
        l.add("sll.halen", sll::HALEN, |b| {
            halen = usize::from(be16(b)).min(sll::ADDR.len());
            Says::new(be16(b).to_string(), "length of the link address")
        });
        l.add("sll.src.eth", sll::ADDR.start..sll::ADDR.start + halen, |b| {
            Says::new(mac(b), "the link-layer source address")
        });
        l.add("sll.etype", sll::PROTOCOL, proto);
    }
    l.finish("", "tcpdump -i any records this instead of the Ethernet header: no destination MAC is kept")
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(Timestamp::new(0, 0)), "1970-01-01 00:00:00.000000000 UTC");
        assert_eq!(utc(Timestamp::new(1_704_067_200, 250_000_000)), "2024-01-01 00:00:00.250000000 UTC");
        assert_eq!(utc(Timestamp::new(951_782_400 + 86_399, 1)), "2000-02-29 23:59:59.000000001 UTC");
        assert_eq!(utc(Timestamp::new(1_394_056_544, 789_130_000)), "2014-03-05 21:55:44.789130000 UTC");
    }
}

//! One pass over a frame's headers: link layer, VLAN tags, then ARP or IP.
//! Every consumer (printers, analyzer, filter, TUI) works from a [`Decoded`],
//! so the headers are walked once per frame and nothing is copied.
//!
//! Decoding never fails: a header cut short by the snap length ends the walk
//! and records where, so printers can say `[|vrrp]` like tcpdump does.

use super::vrrp::Family;
use crate::capture::LinkType;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_ARP: u16 = 0x0806;
pub const ETHERTYPE_RARP: u16 = 0x8035;
pub const ETHERTYPE_VLAN: u16 = 0x8100;
pub const ETHERTYPE_QINQ: u16 = 0x88a8;
pub const ETHERTYPE_QINQ_OLD: u16 = 0x9100;
pub const ETHERTYPE_IPV6: u16 = 0x86dd;

/// The link-layer header, as far as it was captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Ethernet {
        dst: [u8; 6],
        src: [u8; 6],
        /// Up to two 802.1Q/802.1ad tags, outermost first (TCI values).
        vlans: [Option<Vlan>; 2],
        /// The ethertype (or 802.3 length) after the tags.
        ethertype: u16,
    },
    /// Linux cooked capture (SLL or SLL2): packet type, link address.
    Cooked { pkttype: u16, addr: [u8; 8], addr_len: u8, protocol: u16, ifindex: Option<u32> },
    /// No link header (raw IP).
    None,
    /// The link header itself is cut short, or the link type is unknown.
    Truncated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vlan {
    /// The tag protocol identifier (0x8100, 0x88a8, 0x9100).
    pub tpid: u16,
    pub tci: u16,
}

impl Vlan {
    pub fn id(&self) -> u16 {
        self.tci & 0x0fff
    }
    pub fn pcp(&self) -> u8 {
        (self.tci >> 13) as u8
    }
}

/// An IPv4 or IPv6 header and its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ip<'a> {
    pub family: Family,
    /// Offset of the IP header in the frame.
    pub offset: usize,
    /// The header bytes as captured (IPv4 options included; IPv6: the fixed 40).
    pub header: &'a [u8],
    /// The payload as captured, cut to the length the header claims.
    pub payload: &'a [u8],
    /// Offset of the payload in the frame.
    pub payload_offset: usize,
    /// Payload length the header claims (total length − header, or IPv6 payload length).
    pub payload_len: usize,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// TTL or hop limit.
    pub ttl: u8,
    /// Protocol or next header.
    pub proto: u8,
    /// IPv4: not the first fragment (offset ≠ 0), so the payload has no upper header.
    pub later_fragment: bool,
}

/// The network layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Net<'a> {
    /// ARP or RARP (`ethertype` says which), from `offset`.
    Arp { ethertype: u16, offset: usize, bytes: &'a [u8] },
    Ip(Ip<'a>),
    /// IPv4/IPv6 whose header is cut short or malformed.
    BadIp { family: Family, offset: usize, bytes: &'a [u8] },
    /// Something else, with its ethertype.
    Other { ethertype: u16, offset: usize, bytes: &'a [u8] },
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded<'a> {
    pub link: Link,
    /// Length of the link header including VLAN tags.
    pub link_len: usize,
    pub net: Net<'a>,
}

impl<'a> Decoded<'a> {
    pub fn ip(&self) -> Option<&Ip<'a>> {
        match &self.net {
            Net::Ip(ip) => Some(ip),
            _ => None,
        }
    }
    /// The Ethernet source and destination, when the frame has them.
    pub fn macs(&self) -> Option<([u8; 6], [u8; 6])> {
        match self.link {
            Link::Ethernet { src, dst, .. } => Some((src, dst)),
            _ => None,
        }
    }
    /// The VRRP message, when this is one (IP protocol 112, first fragment).
    pub fn vrrp(&self) -> Option<(&Ip<'a>, &'a [u8])> {
        self.ip().filter(|ip| ip.proto == super::vrrp::PROTOCOL && !ip.later_fragment).map(|ip| (ip, ip.payload))
    }
    /// The ARP message, when this is one.
    pub fn arp(&self) -> Option<&'a [u8]> {
        match self.net {
            Net::Arp { ethertype: ETHERTYPE_ARP, bytes, .. } => Some(bytes),
            _ => None,
        }
    }
    /// The outermost VLAN id, if tagged.
    pub fn vlan(&self) -> Option<u16> {
        match self.link {
            Link::Ethernet { vlans: [Some(v), _], .. } => Some(v.id()),
            _ => None,
        }
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Decodes `data` captured with link type `linktype`.
///
/// Inlined, with the steps below, so that a caller that reads few fields
/// (the analyzer's reading thread) pays for only those: the compiler then
/// drops what the caller never looks at (the destination MAC, the second
/// VLAN tag, offsets) instead of building and copying a whole `Decoded`.
#[inline(always)]
pub fn decode(linktype: LinkType, data: &[u8]) -> Decoded<'_> {
    let (link, link_len, ethertype) = link(linktype, data);
    let net = match ethertype {
        Some(et) => network(et, data, link_len),
        None => Net::None,
    };
    Decoded { link, link_len, net }
}

/// The IP protocol (IPv6: the fixed header's next header) of an IP frame,
/// read without decoding the rest: for callers that only sort frames.
pub fn ip_protocol(linktype: LinkType, data: &[u8]) -> Option<u8> {
    let (_, at, ethertype) = link(linktype, data);
    let b = data.get(at..)?;
    match ethertype? {
        ETHERTYPE_IPV4 if b.first()? >> 4 == 4 => b.get(9).copied(),
        ETHERTYPE_IPV6 if b.first()? >> 4 == 6 => b.get(6).copied(),
        _ => None,
    }
}

/// The link header, its length, and the ethertype it announces.
#[inline(always)]
fn link(linktype: LinkType, data: &[u8]) -> (Link, usize, Option<u16>) {
    match linktype {
        LinkType::Ethernet => ethernet(data),
        LinkType::LinuxSll => sll(data),
        LinkType::LinuxSll2 => sll2(data),
        LinkType::Raw => (Link::None, 0, raw_ethertype(data)),
        LinkType::Ipv4 => (Link::None, 0, Some(ETHERTYPE_IPV4)),
        LinkType::Ipv6 => (Link::None, 0, Some(ETHERTYPE_IPV6)),
        LinkType::Other(_) => (Link::Truncated, 0, None),
    }
}

fn raw_ethertype(data: &[u8]) -> Option<u16> {
    match data.first()? >> 4 {
        4 => Some(ETHERTYPE_IPV4),
        6 => Some(ETHERTYPE_IPV6),
        _ => Some(0),
    }
}

#[inline(always)]
fn ethernet(data: &[u8]) -> (Link, usize, Option<u16>) {
    if data.len() < 14 {
        return (Link::Truncated, 0, None);
    }
    let mut dst = [0u8; 6];
    let mut src = [0u8; 6];
    dst.copy_from_slice(&data[0..6]);
    src.copy_from_slice(&data[6..12]);
    let mut vlans = [None, None];
    let mut at = 12;
    let mut ethertype = be16(data, at).unwrap_or(0);
    let mut n = 0;
    while matches!(ethertype, ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD) {
        let (Some(tci), Some(next)) = (be16(data, at + 2), be16(data, at + 4)) else {
            return (Link::Ethernet { dst, src, vlans, ethertype }, at + 2, None);
        };
        if n < 2 {
            vlans[n] = Some(Vlan { tpid: ethertype, tci });
        }
        n += 1;
        at += 4;
        ethertype = next;
    }
    let link = Link::Ethernet { dst, src, vlans, ethertype };
    // Ethertypes below 0x0600 are 802.3 lengths: LLC follows, not decoded here.
    let et = (ethertype >= 0x0600).then_some(ethertype);
    (link, at + 2, et)
}

fn sll(data: &[u8]) -> (Link, usize, Option<u16>) {
    if data.len() < 16 {
        return (Link::Truncated, 0, None);
    }
    let addr_len = data[5].min(8);
    let mut addr = [0u8; 8];
    addr.copy_from_slice(&data[6..14]);
    let protocol = be16(data, 14).unwrap_or(0);
    let link = Link::Cooked { pkttype: be16(data, 0).unwrap_or(0), addr, addr_len, protocol, ifindex: None };
    (link, 16, Some(protocol))
}

fn sll2(data: &[u8]) -> (Link, usize, Option<u16>) {
    if data.len() < 20 {
        return (Link::Truncated, 0, None);
    }
    let protocol = be16(data, 0).unwrap_or(0);
    let ifindex = u32::from_be_bytes([data[4], data[5], data[6], data[7]]);
    let pkttype = u16::from(data[10]);
    let addr_len = data[11].min(8);
    let mut addr = [0u8; 8];
    addr.copy_from_slice(&data[12..20]);
    (Link::Cooked { pkttype, addr, addr_len, protocol, ifindex: Some(ifindex) }, 20, Some(protocol))
}

#[inline(always)]
fn network(ethertype: u16, data: &[u8], offset: usize) -> Net<'_> {
    let bytes = data.get(offset..).unwrap_or(&[]);
    match ethertype {
        ETHERTYPE_ARP | ETHERTYPE_RARP => Net::Arp { ethertype, offset, bytes },
        ETHERTYPE_IPV4 => ipv4(bytes, offset).unwrap_or(Net::BadIp { family: Family::Ipv4, offset, bytes }),
        ETHERTYPE_IPV6 => ipv6(bytes, offset).unwrap_or(Net::BadIp { family: Family::Ipv6, offset, bytes }),
        _ => Net::Other { ethertype, offset, bytes },
    }
}

#[inline(always)]
fn ipv4(b: &[u8], offset: usize) -> Option<Net<'_>> {
    if b.len() < 20 || b[0] >> 4 != 4 {
        return None;
    }
    let ihl = usize::from(b[0] & 0x0f) * 4;
    let total = usize::from(be16(b, 2)?);
    if ihl < 20 || b.len() < ihl || total < ihl {
        return None;
    }
    let end = total.min(b.len());
    let src = IpAddr::V4(Ipv4Addr::new(b[12], b[13], b[14], b[15]));
    let dst = IpAddr::V4(Ipv4Addr::new(b[16], b[17], b[18], b[19]));
    Some(Net::Ip(Ip {
        family: Family::Ipv4,
        offset,
        header: &b[..ihl],
        payload: &b[ihl..end],
        payload_offset: offset + ihl,
        payload_len: total - ihl,
        src,
        dst,
        ttl: b[8],
        proto: b[9],
        later_fragment: be16(b, 6)? & 0x1fff != 0,
    }))
}

#[inline(always)]
fn ipv6(b: &[u8], offset: usize) -> Option<Net<'_>> {
    if b.len() < 40 || b[0] >> 4 != 6 {
        return None;
    }
    let plen = usize::from(be16(b, 4)?);
    let end = (40 + plen).min(b.len());
    let addr = |at: usize| -> IpAddr {
        let mut a = [0u8; 16];
        a.copy_from_slice(&b[at..at + 16]);
        IpAddr::V6(Ipv6Addr::from(a))
    };
    Some(Net::Ip(Ip {
        family: Family::Ipv6,
        offset,
        header: &b[..40],
        payload: &b[40..end],
        payload_offset: offset + 40,
        payload_len: plen,
        src: addr(8),
        dst: addr(24),
        ttl: b[7],
        proto: b[6],
        later_fragment: false,
    }))
}

#[cfg(test)]
mod test {
    use super::*;

    fn eth(ethertype: u16, tags: &[(u16, u16)], payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0x01, 0x00, 0x5e, 0x00, 0x00, 0x12, 0x00, 0x00, 0x5e, 0x00, 0x01, 0x33];
        for (tpid, tci) in tags {
            f.extend_from_slice(&tpid.to_be_bytes());
            f.extend_from_slice(&tci.to_be_bytes());
        }
        f.extend_from_slice(&ethertype.to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    fn ipv4_vrrp() -> Vec<u8> {
        let mut ip = vec![0x45, 0xc0, 0, 40, 0, 1, 0, 0, 255, 112, 0, 0, 192, 0, 2, 11, 224, 0, 0, 18];
        ip.extend_from_slice(&[0x21, 51, 100, 1, 0, 1, 0, 0, 192, 0, 2, 100, 0, 0, 0, 0, 0, 0, 0, 0]);
        ip
    }

    #[test]
    fn ethernet_ipv4_vrrp() {
        let f = eth(ETHERTYPE_IPV4, &[], &ipv4_vrrp());
        let d = decode(LinkType::Ethernet, &f);
        assert_eq!(d.link_len, 14);
        let (ip, vrrp) = d.vrrp().unwrap();
        assert_eq!(ip.ttl, 255);
        assert_eq!(ip.src, "192.0.2.11".parse::<IpAddr>().unwrap());
        assert_eq!(ip.payload_offset, 34);
        assert_eq!(vrrp.len(), 20);
    }

    #[test]
    fn ip_protocol_without_decoding() {
        assert_eq!(ip_protocol(LinkType::Ethernet, &eth(ETHERTYPE_IPV4, &[], &ipv4_vrrp())), Some(112));
        let tagged = eth(ETHERTYPE_IPV4, &[(0x88a8, 100), (0x8100, 42)], &ipv4_vrrp());
        assert_eq!(ip_protocol(LinkType::Ethernet, &tagged), Some(112));
        let mut v6 = vec![0x60, 0, 0, 0, 0, 0, 6, 64];
        v6.resize(40, 0);
        assert_eq!(ip_protocol(LinkType::Ethernet, &eth(ETHERTYPE_IPV6, &[], &v6)), Some(6));
        assert_eq!(ip_protocol(LinkType::Raw, &v6), Some(6));
        assert_eq!(ip_protocol(LinkType::Ethernet, &eth(ETHERTYPE_ARP, &[], &[0; 28])), None);
        assert_eq!(ip_protocol(LinkType::Ethernet, &[0; 10]), None);
    }

    #[test]
    fn qinq_tags_are_peeled() {
        let f = eth(ETHERTYPE_IPV4, &[(0x88a8, 100), (0x8100, 0x2000 | 42)], &ipv4_vrrp());
        let d = decode(LinkType::Ethernet, &f);
        assert_eq!(d.vlan(), Some(100));
        let Link::Ethernet { vlans, .. } = d.link else { panic!() };
        assert_eq!(vlans[1].unwrap().id(), 42);
        assert_eq!(vlans[1].unwrap().pcp(), 1);
        assert_eq!(d.link_len, 22);
        assert!(d.vrrp().is_some());
    }

    #[test]
    fn ethernet_padding_is_cut_by_total_length() {
        let mut ip = ipv4_vrrp();
        ip.extend_from_slice(&[0; 6]);
        let f = eth(ETHERTYPE_IPV4, &[], &ip);
        assert_eq!(decode(LinkType::Ethernet, &f).vrrp().unwrap().1.len(), 20);
    }

    #[test]
    fn cooked_and_raw() {
        let mut sll = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00];
        sll.extend_from_slice(&ipv4_vrrp());
        assert!(decode(LinkType::LinuxSll, &sll).vrrp().is_some());
        let mut sll2 = vec![0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 2, 6, 2, 0, 0, 0, 0, 1, 0, 0];
        sll2.extend_from_slice(&ipv4_vrrp());
        let d = decode(LinkType::LinuxSll2, &sll2);
        assert!(matches!(d.link, Link::Cooked { ifindex: Some(3), pkttype: 2, .. }));
        assert!(d.vrrp().is_some());
        assert!(decode(LinkType::Raw, &ipv4_vrrp()).vrrp().is_some());
    }

    #[test]
    fn truncation_never_panics() {
        let f = eth(ETHERTYPE_IPV4, &[(0x8100, 5)], &ipv4_vrrp());
        for n in 0..f.len() {
            let d = decode(LinkType::Ethernet, &f[..n]);
            let _ = (d.vrrp(), d.arp(), d.vlan());
        }
        assert!(matches!(decode(LinkType::Ethernet, &f[..30]).net, Net::BadIp { .. }));
        assert_eq!(decode(LinkType::Ethernet, &f[..10]).link, Link::Truncated);
    }

    #[test]
    fn arp_frame() {
        let f = eth(ETHERTYPE_ARP, &[], &[0, 1, 8, 0, 6, 4, 0, 1]);
        assert_eq!(decode(LinkType::Ethernet, &f).arp().unwrap().len(), 8);
    }
}

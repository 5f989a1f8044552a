//! Building the Ethernet frames the machines send, with etherparse's headers:
//! ARP, IPv6 neighbour discovery, and IPv4/IPv6 packets around a payload.
//! Every builder appends to a caller's buffer (reused from `Outputs`).

use etherparse::{
    ArpEthIpv4Packet, ArpOperation, EtherType, Ethernet2Header, Icmpv6Header, Icmpv6Type, IpDscp, IpNumber,
    Ipv4Header, Ipv6FlowLabel, Ipv6Header,
};
use std::net::{Ipv4Addr, Ipv6Addr};

pub type Mac = [u8; 6];

pub const BROADCAST: Mac = [0xff; 6];
/// The placeholder destination of a frame the host must resolve (see `Tx::next_hop`).
pub const UNRESOLVED: Mac = [0; 6];

/// The Ethernet group address an IPv4 multicast group maps to (RFC 1112 §6.4).
pub fn ipv4_multicast_mac(group: Ipv4Addr) -> Mac {
    let o = group.octets();
    [0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]]
}

/// The Ethernet group address an IPv6 multicast group maps to (RFC 2464 §7).
pub fn ipv6_multicast_mac(group: Ipv6Addr) -> Mac {
    let o = group.octets();
    [0x33, 0x33, o[12], o[13], o[14], o[15]]
}

/// The solicited-node multicast group of an address (RFC 4291 §2.7.1).
pub fn solicited_node(addr: Ipv6Addr) -> Ipv6Addr {
    let o = addr.octets();
    Ipv6Addr::new(0xff02, 0, 0, 0, 0, 1, 0xff00 | u16::from(o[13]), u16::from_be_bytes([o[14], o[15]]))
}

/// The link-local address the kernel derives from a MAC (modified EUI-64).
pub fn link_local(mac: Mac) -> Ipv6Addr {
    let iid = [mac[0] ^ 0x02, mac[1], mac[2], 0xff, 0xfe, mac[3], mac[4], mac[5]];
    let mut o = [0u8; 16];
    o[0] = 0xfe;
    o[1] = 0x80;
    o[8..].copy_from_slice(&iid);
    Ipv6Addr::from(o)
}

pub fn is_multicast(mac: &Mac) -> bool {
    mac[0] & 1 == 1
}

pub fn format_mac(mac: &Mac) -> String {
    format!("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5])
}

fn ethernet(buf: &mut Vec<u8>, src: Mac, dst: Mac, ether_type: EtherType) {
    let h = Ethernet2Header { source: src, destination: dst, ether_type };
    buf.extend_from_slice(&h.to_bytes());
}

/// An Ethernet/IPv4 ARP packet in its own frame.
pub fn arp(buf: &mut Vec<u8>, eth_dst: Mac, op: u16, sha: Mac, spa: Ipv4Addr, tha: Mac, tpa: Ipv4Addr) {
    ethernet(buf, sha, eth_dst, EtherType::ARP);
    let p = ArpEthIpv4Packet {
        operation: ArpOperation(op),
        sender_mac: sha,
        sender_ipv4: spa.octets(),
        target_mac: tha,
        target_ipv4: tpa.octets(),
    };
    buf.extend_from_slice(&p.to_bytes());
}

/// The gratuitous ARP keepalived sends for a VIP (`send_gratuitous_arp_immediate`):
/// a broadcast *request* with sender = target = VIP and target MAC ff:ff:ff:ff:ff:ff.
pub fn gratuitous_arp(buf: &mut Vec<u8>, mac: Mac, vip: Ipv4Addr) {
    arp(buf, BROADCAST, 1, mac, vip, BROADCAST, vip);
}

/// An IPv4 header (no options) and `payload`. `id` 0 asks the host to fill in
/// the identification, as the kernel does for raw sockets.
pub struct Ipv4Frame {
    pub src_mac: Mac,
    pub dst_mac: Mac,
    pub tos: u8,
    pub ttl: u8,
    pub protocol: u8,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub dont_fragment: bool,
}

impl Ipv4Frame {
    pub fn write(&self, buf: &mut Vec<u8>, payload: &[u8]) {
        ethernet(buf, self.src_mac, self.dst_mac, EtherType::IPV4);
        let mut h = Ipv4Header::new(
            payload.len() as u16,
            self.ttl,
            IpNumber(self.protocol),
            self.src.octets(),
            self.dst.octets(),
        )
        .unwrap_or_default();
        h.dscp = IpDscp::try_new(self.tos >> 2).unwrap_or_default();
        h.dont_fragment = self.dont_fragment;
        h.header_checksum = h.calc_header_checksum();
        buf.extend_from_slice(&h.to_bytes());
        buf.extend_from_slice(payload);
    }
}

pub struct Ipv6Frame {
    pub src_mac: Mac,
    pub dst_mac: Mac,
    pub traffic_class: u8,
    pub hop_limit: u8,
    pub next_header: u8,
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
}

impl Ipv6Frame {
    pub fn write(&self, buf: &mut Vec<u8>, payload: &[u8]) {
        ethernet(buf, self.src_mac, self.dst_mac, EtherType::IPV6);
        let h = Ipv6Header {
            traffic_class: self.traffic_class,
            flow_label: Ipv6FlowLabel::ZERO,
            payload_length: payload.len() as u16,
            next_header: IpNumber(self.next_header),
            hop_limit: self.hop_limit,
            source: self.src.octets(),
            destination: self.dst.octets(),
        };
        // Writing a fixed-size header into a Vec cannot fail.
        let _ = h.write(buf);
        buf.extend_from_slice(payload);
    }
}

/// Which neighbour-discovery message to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nd {
    /// Neighbour solicitation for `target`, with our MAC as source option.
    Solicit,
    /// Neighbour advertisement for `target`, override set, with our MAC as
    /// target option; `solicited` for answers.
    Advert { solicited: bool },
}

/// An ICMPv6 neighbour solicitation or advertisement in its own frame.
pub fn neighbour(buf: &mut Vec<u8>, kind: Nd, mac: Mac, src: Ipv6Addr, dst: Ipv6Addr, dst_mac: Mac, target: Ipv6Addr) {
    let (icmp_type, option) = match kind {
        Nd::Solicit => (Icmpv6Type::NeighborSolicitation, 1u8),
        Nd::Advert { solicited } => (
            Icmpv6Type::NeighborAdvertisement(etherparse::icmpv6::NeighborAdvertisementHeader {
                router: false,
                solicited,
                r#override: true,
            }),
            2u8,
        ),
    };
    let mut body = [0u8; 24];
    body[..16].copy_from_slice(&target.octets());
    body[16] = option;
    body[17] = 1;
    body[18..].copy_from_slice(&mac);
    let header = Icmpv6Header::with_checksum(icmp_type, src.octets(), dst.octets(), &body)
        .unwrap_or_else(|_| Icmpv6Header::new(icmp_type));
    let mut payload = [0u8; 32];
    payload[..8].copy_from_slice(&header.to_bytes());
    payload[8..].copy_from_slice(&body);
    Ipv6Frame { src_mac: mac, dst_mac, traffic_class: 0, hop_limit: 255, next_header: 58, src, dst }
        .write(buf, &payload);
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::capture::LinkType;
    use crate::wire::arp::{self, Packet};
    use crate::wire::decode::decode;

    const MAC: Mac = [0x02, 0, 0, 0, 0, 0x01];

    #[test]
    fn gratuitous_arp_is_keepalived_shaped() {
        let mut b = vec![];
        gratuitous_arp(&mut b, MAC, Ipv4Addr::new(192, 0, 2, 100));
        assert_eq!(b.len(), 42);
        let d = decode(LinkType::Ethernet, &b);
        assert_eq!(d.macs(), Some((MAC, BROADCAST)));
        let a = Packet::new_checked(d.arp().unwrap()).unwrap().ether_ipv4().unwrap();
        assert_eq!(a.op, arp::OP_REQUEST);
        assert_eq!((a.spa, a.tpa), (Ipv4Addr::new(192, 0, 2, 100), Ipv4Addr::new(192, 0, 2, 100)));
        assert_eq!((a.sha, a.tha), (MAC, BROADCAST));
    }

    #[test]
    fn address_mappings() {
        assert_eq!(ipv4_multicast_mac(Ipv4Addr::new(224, 0, 0, 18)), [1, 0, 0x5e, 0, 0, 0x12]);
        assert_eq!(ipv6_multicast_mac("ff02::12".parse().unwrap()), [0x33, 0x33, 0, 0, 0, 0x12]);
        assert_eq!(link_local(MAC), "fe80::ff:fe00:1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(
            solicited_node("2001:db8::1:2233:4455".parse().unwrap()),
            "ff02::1:ff33:4455".parse::<Ipv6Addr>().unwrap()
        );
    }

    #[test]
    fn neighbour_advert_checksum_verifies() {
        let mut b = vec![];
        let vip: Ipv6Addr = "2001:db8::100".parse().unwrap();
        let all: Ipv6Addr = "ff02::1".parse().unwrap();
        neighbour(&mut b, Nd::Advert { solicited: false }, MAC, vip, all, ipv6_multicast_mac(all), vip);
        let (ip, rest) = Ipv6Header::from_slice(&b[14..]).unwrap();
        assert_eq!((ip.hop_limit, ip.next_header, rest.len()), (255, IpNumber(58), 32));
        let (icmp, body) = Icmpv6Header::from_slice(rest).unwrap();
        let want = icmp.icmp_type.calc_checksum(ip.source, ip.destination, body).unwrap();
        assert_eq!(icmp.checksum, want);
        assert_eq!(rest[4], 0x20, "override flag only");
    }
}

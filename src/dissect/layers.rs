//! The upper layers of a decoded frame as both the tree and the flat fields
//! see them, with Wireshark's rules for what is present in a cut-short packet
//! (so that `--json` agrees with tshark field for field).

use super::FrameRef;
use crate::wire::decode::Ip;
use crate::wire::vrrp::{self, ChecksumVariant, Family};
use crate::wire::{arp, Field};
use std::net::IpAddr;

pub const PROTO_ICMP: u8 = 1;
pub const PROTO_TCP: u8 = 6;
pub const PROTO_UDP: u8 = 17;
pub const PROTO_ICMPV6: u8 = 58;

/// A VRRP message as captured: possibly shorter than its header.
#[derive(Debug, Clone)]
pub struct Vrrp<'a> {
    pub ip: Ip<'a>,
    /// The captured bytes of the message (cut to the IP length).
    pub bytes: &'a [u8],
    /// The fixed header, zero-padded when the capture cut it, so the wire
    /// view's accessors can read it; `has` says which fields are real.
    head: vrrp::Packet<[u8; vrrp::HEADER_LEN]>,
}

/// The checksum of a VRRP message, as Wireshark judges it (the RFC
/// computation), plus which non-RFC variant a wrong one matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    /// Truncated or fragmented: the bytes to verify are not all there.
    Unverified,
    Good,
    Bad {
        variant: Option<ChecksumVariant>,
        expected: u16,
    },
}

impl Checksum {
    /// Wireshark's `vrrp.checksum.status` codes.
    pub fn status(self) -> (u64, &'static str) {
        match self {
            Checksum::Bad { .. } => (0, "bad"),
            Checksum::Good => (1, "good"),
            Checksum::Unverified => (2, "unverified"),
        }
    }

    /// The computation that matched: the RFC's, or a known non-RFC one.
    pub fn variant(self) -> Option<ChecksumVariant> {
        match self {
            Checksum::Good => Some(ChecksumVariant::Rfc),
            Checksum::Bad { variant, .. } => variant,
            Checksum::Unverified => None,
        }
    }
}

impl<'a> Vrrp<'a> {
    /// The VRRP message of a frame: IP protocol 112, first fragment. Like
    /// Wireshark, nothing of it is readable until its first four bytes are.
    pub fn of(f: &FrameRef<'a>) -> Option<Vrrp<'a>> {
        let (ip, bytes) = f.decoded.vrrp()?;
        let mut head = [0u8; vrrp::HEADER_LEN];
        let n = bytes.len().min(head.len());
        head[..n].copy_from_slice(&bytes[..n]);
        Some(Vrrp { ip: *ip, bytes, head: vrrp::Packet::new_unchecked(head) })
    }

    /// Whether `range` of the message was captured (and the first four bytes
    /// were, without which Wireshark shows no field at all).
    pub fn has(&self, range: Field) -> bool {
        self.bytes.len() >= 4 && range.end <= self.bytes.len()
    }

    /// The fixed header (read only the fields `has` allows).
    pub fn head(&self) -> &vrrp::Packet<[u8; vrrp::HEADER_LEN]> {
        &self.head
    }

    pub fn family(&self) -> Family {
        self.ip.family
    }

    /// Whether the message uses the v3 layout (interval in centiseconds, no
    /// auth). Wireshark reads every other version with the v2 layout.
    pub fn is_v3(&self) -> bool {
        self.head.version() == 3
    }

    /// The `i`-th address, in the IP header's family, when captured.
    pub fn addr(&self, i: usize) -> Option<IpAddr> {
        if i >= usize::from(self.head.addr_count()) || self.bytes.len() < 4 {
            return None;
        }
        vrrp::Packet::new_unchecked(self.bytes).addr(i, self.family())
    }

    /// Where the v2 simple-auth string sits, when the auth type says there is one.
    pub fn auth_string_range(&self) -> Option<Field> {
        let simple = !self.is_v3() && self.head.auth_type() == vrrp::AuthType::Simple;
        simple.then(|| vrrp::field::auth_data(usize::from(self.head.addr_count()), self.family().addr_len()))
    }

    /// The simple-auth string up to its first NUL, when captured.
    pub fn auth_string(&self) -> Option<&'a [u8]> {
        let raw = self.bytes.get(self.auth_string_range()?)?;
        Some(raw.split(|&b| b == 0).next().unwrap_or(raw))
    }

    /// The checksum verdict. Only a whole, unfragmented message can be checked.
    pub fn checksum(&self) -> Checksum {
        if self.bytes.len() < self.ip.payload_len || self.bytes.len() < vrrp::HEADER_LEN || more_fragments(&self.ip) {
            return Checksum::Unverified;
        }
        let p = vrrp::Packet::new_unchecked(self.bytes);
        match p.verify_checksum(self.ip.src, self.ip.dst) {
            Some(ChecksumVariant::Rfc) => Checksum::Good,
            variant => Checksum::Bad { variant, expected: p.expected_checksum(self.ip.src, self.ip.dst) },
        }
    }

    /// The advert interval in microseconds (v2 seconds, v3 centiseconds).
    pub fn interval_us(&self) -> u64 {
        if self.is_v3() {
            vrrp::Interval::Centis(self.head.max_adver_int()).micros()
        } else {
            vrrp::Interval::Seconds(self.head.adver_int()).micros()
        }
    }
}

/// Whether an IPv4 packet is a fragment that more fragments follow (the MF
/// flag). Wireshark then waits for reassembly and dissects no upper layer.
pub fn more_fragments(ip: &Ip) -> bool {
    ip.family == Family::Ipv4 && ip.header[crate::wire::layout::ipv4::FLAGS_FRAG.start] & 0x20 != 0
}

/// The ARP message of a frame, when its fixed header was captured.
pub fn arp<'a>(f: &FrameRef<'a>) -> Option<arp::Packet<'a>> {
    arp::Packet::new_checked(f.decoded.arp()?).ok()
}

/// Hardware type ATM (RFC 2225): ATMARP, a different layout that vrrplab
/// does not decode (Wireshark hands it to its ATMARP dissector).
pub const ARPHRD_ATM2225: u16 = 19;

/// Wireshark's `ARP_HW_IS_ETHER`: Ethernet or IEEE 802 hardware, 6-byte addresses.
pub fn arp_hw_is_ether(p: &arp::Packet) -> bool {
    matches!(p.htype(), 1 | 6) && p.hlen() == 6
}

/// Wireshark's `ARP_PRO_IS_IPv4`.
pub fn arp_pro_is_ipv4(p: &arp::Packet) -> bool {
    p.ptype() == 0x0800 && p.plen() == 4
}

/// Wireshark's gratuitous test: a request or reply whose sender and target
/// protocol addresses are the same bytes.
pub fn arp_is_gratuitous(p: &arp::Packet) -> Option<bool> {
    let (spa, tpa) = (p.addr(1)?, p.addr(3)?);
    Some(matches!(p.op(), arp::OP_REQUEST | arp::OP_REPLY) && spa == tpa)
}

/// The transport header of an IP packet that carries one, with its protocol
/// (as Wireshark sees it: not in a fragment).
pub fn transport<'a>(f: &FrameRef<'a>) -> Option<(u8, &'a [u8], usize)> {
    let ip = f.decoded.ip()?;
    if ip.later_fragment || more_fragments(ip) {
        return None;
    }
    Some((ip.proto, ip.payload, ip.payload_offset))
}

/// Source and destination ports of a TCP or UDP header, when captured.
pub fn ports(b: &[u8]) -> Option<(u16, u16)> {
    use crate::wire::layout::ports;
    let port = |r: Field| b.get(r).map(|s| u16::from_be_bytes([s[0], s[1]]));
    Some((port(ports::SRC)?, port(ports::DST)?))
}

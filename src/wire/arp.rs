//! ARP as printers and analyzers need it: a lenient view that tolerates the
//! odd address lengths tcpdump's tests contain, and the classification
//! (gratuitous, probe, announcement) that tcpdump never prints and the
//! election analysis depends on. Building ARP packets is left to etherparse.

use super::{Error, Result};
use std::net::Ipv4Addr;

pub mod field {
    use crate::wire::Field;
    pub const HTYPE: Field = 0..2;
    pub const PTYPE: Field = 2..4;
    pub const HLEN: usize = 4;
    pub const PLEN: usize = 5;
    pub const OPER: Field = 6..8;
    pub const SHA_START: usize = 8;
}

pub const HEADER_LEN: usize = 8;
pub const OP_REQUEST: u16 = 1;
pub const OP_REPLY: u16 = 2;

/// A view of an ARP (or RARP/InARP) header with addresses of any length.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    b: &'a [u8],
}

impl<'a> Packet<'a> {
    pub fn new_checked(b: &'a [u8]) -> Result<Packet<'a>> {
        if b.len() < HEADER_LEN {
            return Err(Error);
        }
        Ok(Packet { b })
    }
    pub fn bytes(&self) -> &'a [u8] {
        self.b
    }
    pub fn htype(&self) -> u16 {
        u16::from_be_bytes([self.b[0], self.b[1]])
    }
    pub fn ptype(&self) -> u16 {
        u16::from_be_bytes([self.b[2], self.b[3]])
    }
    pub fn hlen(&self) -> usize {
        usize::from(self.b[field::HLEN])
    }
    pub fn plen(&self) -> usize {
        usize::from(self.b[field::PLEN])
    }
    pub fn op(&self) -> u16 {
        u16::from_be_bytes([self.b[6], self.b[7]])
    }
    /// Byte ranges of SHA, SPA, THA, TPA, in that order.
    pub fn addr_ranges(&self) -> [core::ops::Range<usize>; 4] {
        let (h, p) = (self.hlen(), self.plen());
        let s = field::SHA_START;
        [s..s + h, s + h..s + h + p, s + h + p..s + 2 * h + p, s + 2 * h + p..s + 2 * h + 2 * p]
    }
    /// The bytes of one address (0 = SHA … 3 = TPA), `None` when cut off.
    pub fn addr(&self, which: usize) -> Option<&'a [u8]> {
        self.b.get(self.addr_ranges()[which].clone())
    }
    pub fn total_len(&self) -> usize {
        self.addr_ranges()[3].end
    }
    /// Whether this is Ethernet/IPv4 ARP with the usual address lengths.
    pub fn is_ether_ipv4(&self) -> bool {
        self.htype() == 1 && self.ptype() == 0x0800 && self.hlen() == 6 && self.plen() == 4
    }
    /// The Ethernet/IPv4 fields, when the packet is that and complete.
    pub fn ether_ipv4(&self) -> Option<EtherIpv4> {
        if !self.is_ether_ipv4() || self.b.len() < self.total_len() {
            return None;
        }
        let mac = |i: usize| -> [u8; 6] { self.addr(i).and_then(|a| a.try_into().ok()).unwrap_or([0; 6]) };
        let ip = |i: usize| -> Ipv4Addr {
            Ipv4Addr::from(self.addr(i).and_then(|a| <[u8; 4]>::try_from(a).ok()).unwrap_or([0; 4]))
        };
        Some(EtherIpv4 { op: self.op(), sha: mac(0), spa: ip(1), tha: mac(2), tpa: ip(3) })
    }
}

/// An Ethernet/IPv4 ARP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EtherIpv4 {
    pub op: u16,
    pub sha: [u8; 6],
    pub spa: Ipv4Addr,
    pub tha: [u8; 6],
    pub tpa: Ipv4Addr,
}

/// What an ARP message means, in RFC 5227 / Wireshark terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Request,
    Reply,
    /// Sender = target address: the sender claims the address (keepalived's
    /// GARP is a request with THA ff:ff:ff:ff:ff:ff).
    Gratuitous,
    /// A gratuitous request with an all-zero THA (RFC 5227 announcement).
    Announcement,
    /// Sender address 0.0.0.0: address conflict detection (RFC 5227 probe).
    Probe,
    Other,
}

impl EtherIpv4 {
    pub fn kind(&self) -> Kind {
        match self.op {
            OP_REQUEST if self.spa.is_unspecified() => Kind::Probe,
            OP_REQUEST if self.spa == self.tpa && self.tha == [0; 6] => Kind::Announcement,
            OP_REQUEST | OP_REPLY if self.spa == self.tpa => Kind::Gratuitous,
            OP_REQUEST => Kind::Request,
            OP_REPLY => Kind::Reply,
            _ => Kind::Other,
        }
    }
    /// Whether the sender is claiming its address (gratuitous or announcement).
    pub fn is_gratuitous(&self) -> bool {
        matches!(self.kind(), Kind::Gratuitous | Kind::Announcement)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn arp(op: u16, spa: [u8; 4], tha: [u8; 6], tpa: [u8; 4]) -> Vec<u8> {
        let mut b = vec![0, 1, 8, 0, 6, 4];
        b.extend_from_slice(&op.to_be_bytes());
        b.extend_from_slice(&[2, 0, 0, 0, 0, 1]);
        b.extend_from_slice(&spa);
        b.extend_from_slice(&tha);
        b.extend_from_slice(&tpa);
        b
    }

    fn kind(b: &[u8]) -> Kind {
        Packet::new_checked(b).unwrap().ether_ipv4().unwrap().kind()
    }

    #[test]
    fn classification() {
        let vip = [192, 0, 2, 100];
        assert_eq!(kind(&arp(1, vip, [0xff; 6], vip)), Kind::Gratuitous);
        assert_eq!(kind(&arp(2, vip, [0xff; 6], vip)), Kind::Gratuitous);
        assert_eq!(kind(&arp(1, vip, [0; 6], vip)), Kind::Announcement);
        assert_eq!(kind(&arp(1, [0; 4], [0; 6], vip)), Kind::Probe);
        assert_eq!(kind(&arp(1, [192, 0, 2, 1], [0; 6], vip)), Kind::Request);
        assert_eq!(kind(&arp(2, [192, 0, 2, 1], [0; 6], vip)), Kind::Reply);
        assert_eq!(kind(&arp(9, [192, 0, 2, 1], [0; 6], vip)), Kind::Other);
    }

    #[test]
    fn odd_lengths_and_truncation() {
        let mut b = arp(1, [1, 2, 3, 4], [0; 6], [5, 6, 7, 8]);
        b[4] = 14; // a 14-byte hardware address, as in tcpdump's arp-too-long-tha test
        let p = Packet::new_checked(&b).unwrap();
        assert!(!p.is_ether_ipv4());
        assert!(p.ether_ipv4().is_none());
        assert_eq!(p.addr(3), None);
        assert!(Packet::new_checked(&b[..7]).is_err());
        let p = Packet::new_checked(&b[..22]).unwrap();
        assert!(p.addr(0).is_some());
    }
}

//! Just enough of IPv4, TCP and UDP to find a flow and rewrite it in place:
//! named field offsets (smoltcp style) over a byte buffer, plus full
//! checksum recomputation after a rewrite.

use crate::wire::checksum;
use std::net::{IpAddr, Ipv4Addr};

pub const PROTO_ICMP: u8 = 1;
pub const PROTO_IPIP: u8 = 4;
pub const PROTO_TCP: u8 = 6;
pub const PROTO_UDP: u8 = 17;

/// The IPv4 header's fields and, inside the transport header, the ports
/// and checksums, named once in [`crate::wire::layout`].
mod field {
    pub use crate::wire::layout::ipv4::{CHECKSUM, DST, FLAGS_FRAG, IDENT, PROTOCOL, SRC, TTL, VER_IHL};
    pub use crate::wire::layout::ipv4::{DSCP_ECN as TOS, TOTAL_LEN as LENGTH};
    pub use crate::wire::layout::ports::{DST as DST_PORT, SRC as SRC_PORT};
    pub use crate::wire::layout::tcp::{CHECKSUM as TCP_CHECKSUM, FLAGS as TCP_FLAGS};
    pub use crate::wire::layout::udp::CHECKSUM as UDP_CHECKSUM;
}

/// IPv4 "don't fragment".
pub const DF: u16 = 0x4000;

/// A checked IPv4 packet: version 4, header and total length inside the
/// buffer, header checksum right. Bytes past the total length are ignored.
#[derive(Debug, Clone, Copy)]
pub struct Ipv4<'a> {
    bytes: &'a [u8],
    ihl: usize,
}

impl<'a> Ipv4<'a> {
    /// `None` for anything the kernel's `ip_rcv` would drop.
    pub fn parse(bytes: &'a [u8]) -> Option<Ipv4<'a>> {
        let first = *bytes.first()?;
        let ihl = usize::from(first & 0x0f) * 4;
        if first >> 4 != 4 || ihl < 20 || bytes.len() < ihl {
            return None;
        }
        let total = usize::from(u16::from_be_bytes([bytes[2], bytes[3]]));
        if total < ihl || total > bytes.len() || checksum::combine(&[checksum::sum(&bytes[..ihl])]) != 0xffff {
            return None;
        }
        Some(Ipv4 { bytes: &bytes[..total], ihl })
    }

    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }
    pub fn header_len(&self) -> usize {
        self.ihl
    }
    pub fn tos(&self) -> u8 {
        self.bytes[field::TOS]
    }
    pub fn flags_frag(&self) -> u16 {
        u16::from_be_bytes([self.bytes[6], self.bytes[7]])
    }
    pub fn ttl(&self) -> u8 {
        self.bytes[field::TTL]
    }
    pub fn protocol(&self) -> u8 {
        self.bytes[field::PROTOCOL]
    }
    pub fn src(&self) -> Ipv4Addr {
        Ipv4Addr::from(<[u8; 4]>::try_from(&self.bytes[field::SRC]).expect("4 bytes"))
    }
    pub fn dst(&self) -> Ipv4Addr {
        Ipv4Addr::from(<[u8; 4]>::try_from(&self.bytes[field::DST]).expect("4 bytes"))
    }
    pub fn payload(&self) -> &'a [u8] {
        &self.bytes[self.ihl..]
    }
    /// Not the first fragment: no transport header here.
    pub fn later_fragment(&self) -> bool {
        self.flags_frag() & 0x1fff != 0
    }

    /// Source and destination ports, when the transport header holds them.
    pub fn ports(&self) -> Option<(u16, u16)> {
        let p = self.payload();
        let min = match self.protocol() {
            PROTO_TCP => 20,
            PROTO_UDP => 8,
            _ => return None,
        };
        if self.later_fragment() || p.len() < min {
            return None;
        }
        Some((u16::from_be_bytes([p[0], p[1]]), u16::from_be_bytes([p[2], p[3]])))
    }

    /// The TCP flag byte (TCP packets with a full header only).
    pub fn tcp_flags(&self) -> Option<u8> {
        (self.protocol() == PROTO_TCP && self.ports().is_some()).then(|| self.payload()[field::TCP_FLAGS])
    }
}

/// An owned copy being rewritten. Call [`Rewrite::finish`] to fix checksums.
pub struct Rewrite {
    buf: Vec<u8>,
    ihl: usize,
}

impl Rewrite {
    pub fn new(ip: &Ipv4<'_>) -> Rewrite {
        Rewrite { buf: ip.bytes().to_vec(), ihl: ip.header_len() }
    }

    pub fn ttl(&self) -> u8 {
        self.buf[field::TTL]
    }
    pub fn decrement_ttl(&mut self) {
        self.buf[field::TTL] = self.buf[field::TTL].saturating_sub(1);
    }
    pub fn set_src(&mut self, addr: Ipv4Addr, port: u16) {
        self.buf[field::SRC].copy_from_slice(&addr.octets());
        let o = self.ihl;
        self.buf[o + field::SRC_PORT.start..o + field::SRC_PORT.end].copy_from_slice(&port.to_be_bytes());
    }
    pub fn set_dst(&mut self, addr: Ipv4Addr, port: u16) {
        self.buf[field::DST].copy_from_slice(&addr.octets());
        let o = self.ihl;
        self.buf[o + field::DST_PORT.start..o + field::DST_PORT.end].copy_from_slice(&port.to_be_bytes());
    }

    /// Recomputes the IP header checksum and, if the addresses or ports
    /// changed, the TCP/UDP checksum (an unused UDP checksum stays 0).
    pub fn finish(mut self, transport_changed: bool) -> Vec<u8> {
        let ihl = self.ihl;
        if transport_changed {
            let proto = self.buf[field::PROTOCOL];
            let src = IpAddr::from(<[u8; 4]>::try_from(&self.buf[field::SRC]).expect("4 bytes"));
            let dst = IpAddr::from(<[u8; 4]>::try_from(&self.buf[field::DST]).expect("4 bytes"));
            let seg_len = self.buf.len() - ihl;
            let at = match proto {
                PROTO_TCP => Some(field::TCP_CHECKSUM),
                PROTO_UDP if self.buf[ihl + 6..ihl + 8] != [0, 0] => Some(field::UDP_CHECKSUM),
                _ => None,
            };
            if let Some(at) = at {
                let at = ihl + at.start..ihl + at.end;
                self.buf[at.clone()].fill(0);
                let pseudo = checksum::pseudo_header(src, dst, proto, seg_len as u32);
                let mut c = checksum::finish(&[pseudo, checksum::sum(&self.buf[ihl..])]);
                if proto == PROTO_UDP && c == 0 {
                    c = 0xffff;
                }
                self.buf[at].copy_from_slice(&c.to_be_bytes());
            }
        }
        set_header_checksum(&mut self.buf[..ihl]);
        self.buf
    }
}

fn set_header_checksum(header: &mut [u8]) {
    header[field::CHECKSUM].fill(0);
    let c = checksum::finish(&[checksum::sum(header)]);
    header[field::CHECKSUM].copy_from_slice(&c.to_be_bytes());
}

/// A 20-byte IPv4 header followed by `payload`.
pub struct Header {
    pub tos: u8,
    pub ident: u16,
    pub flags_frag: u16,
    pub ttl: u8,
    pub protocol: u8,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
}

impl Header {
    pub fn emit(&self, payload: &[u8]) -> Vec<u8> {
        let mut buf = vec![0u8; 20 + payload.len()];
        buf[field::VER_IHL] = 0x45;
        buf[field::TOS] = self.tos;
        buf[field::LENGTH].copy_from_slice(&((20 + payload.len()) as u16).to_be_bytes());
        buf[field::IDENT].copy_from_slice(&self.ident.to_be_bytes());
        buf[field::FLAGS_FRAG].copy_from_slice(&self.flags_frag.to_be_bytes());
        buf[field::TTL] = self.ttl;
        buf[field::PROTOCOL] = self.protocol;
        buf[field::SRC].copy_from_slice(&self.src.octets());
        buf[field::DST].copy_from_slice(&self.dst.octets());
        set_header_checksum(&mut buf[..20]);
        buf[20..].copy_from_slice(payload);
        buf
    }
}

/// An ICMP error about `original` (`icmp_send`): at most 576 bytes in all,
/// precedence "internetwork control" in the TOS.
pub fn icmp_error(original: &Ipv4<'_>, kind: u8, code: u8, from: Ipv4Addr, ident: u16) -> Vec<u8> {
    let quoted = &original.bytes()[..original.bytes().len().min(576 - 20 - 8)];
    let mut icmp = vec![0u8; 8 + quoted.len()];
    icmp[0] = kind;
    icmp[1] = code;
    icmp[8..].copy_from_slice(quoted);
    let c = checksum::finish(&[checksum::sum(&icmp)]);
    icmp[2..4].copy_from_slice(&c.to_be_bytes());
    Header {
        tos: (original.tos() & 0x1e) | 0xc0,
        ident,
        flags_frag: 0,
        ttl: 64,
        protocol: PROTO_ICMP,
        src: from,
        dst: original.src(),
    }
    .emit(&icmp)
}

#[cfg(test)]
pub(crate) mod testkit {
    //! TCP/UDP packets for tests, built with etherparse.
    use etherparse::PacketBuilder;
    use std::net::Ipv4Addr;

    pub fn tcp(src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16), flags: &str, payload: &[u8]) -> Vec<u8> {
        let mut b = PacketBuilder::ipv4(src.0.octets(), dst.0.octets(), 64).tcp(src.1, dst.1, 1000, 64240);
        for f in flags.chars() {
            b = match f {
                'S' => b.syn(),
                'A' => b.ack(1),
                'F' => b.fin(),
                'R' => b.rst(),
                'P' => b.psh(),
                _ => panic!("flag {f}"),
            };
        }
        let mut out = Vec::new();
        b.write(&mut out, payload).expect("write");
        out
    }

    /// `packet` with another TTL (and the header checksum to match).
    pub fn with_ttl(mut packet: Vec<u8>, ttl: u8) -> Vec<u8> {
        packet[8] = ttl;
        super::set_header_checksum(&mut packet[..20]);
        packet
    }

    pub fn udp(src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16), payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        PacketBuilder::ipv4(src.0.octets(), dst.0.octets(), 64).udp(src.1, dst.1).write(&mut out, payload).expect("write");
        out
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use etherparse::{NetSlice, SlicedPacket, TransportSlice};

    fn a(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_flow_and_flags() {
        let p = testkit::tcp((a("198.51.100.1"), 40000), (a("192.0.2.100"), 80), "S", b"");
        let ip = Ipv4::parse(&p).unwrap();
        assert_eq!((ip.src(), ip.dst(), ip.ttl()), (a("198.51.100.1"), a("192.0.2.100"), 64));
        assert_eq!(ip.ports(), Some((40000, 80)));
        assert_eq!(ip.tcp_flags(), Some(0x02));
    }

    #[test]
    fn rejects_what_ip_rcv_drops() {
        let mut p = testkit::udp((a("198.51.100.1"), 1), (a("192.0.2.100"), 53), b"x");
        assert!(Ipv4::parse(&p[..10]).is_none());
        p[10] ^= 1;
        assert!(Ipv4::parse(&p).is_none(), "bad header checksum");
        assert!(Ipv4::parse(&[0x65; 40]).is_none());
        assert!(Ipv4::parse(&[]).is_none());
    }

    #[test]
    fn rewrite_fixes_both_checksums() {
        let p = testkit::tcp((a("198.51.100.1"), 40000), (a("192.0.2.100"), 80), "PA", b"GET / HTTP/1.0\r\n\r\n");
        let ip = Ipv4::parse(&p).unwrap();
        let mut w = Rewrite::new(&ip);
        w.decrement_ttl();
        w.set_dst(a("192.0.2.21"), 8080);
        let out = w.finish(true);
        let sliced = SlicedPacket::from_ip(&out).unwrap();
        let Some(NetSlice::Ipv4(v4)) = sliced.net else { panic!() };
        assert_eq!(v4.header().ttl(), 63);
        assert_eq!(v4.header().destination(), [192, 0, 2, 21]);
        let Some(TransportSlice::Tcp(tcp)) = sliced.transport else { panic!() };
        assert_eq!(tcp.destination_port(), 8080);
        let want = tcp.to_header().calc_checksum_ipv4(&v4.header().to_header(), tcp.payload()).unwrap();
        assert_eq!(tcp.checksum(), want);
        assert!(Ipv4::parse(&out).is_some(), "header checksum valid");
    }

    #[test]
    fn icmp_error_quotes_the_packet() {
        let p = testkit::tcp((a("198.51.100.1"), 40000), (a("192.0.2.100"), 80), "S", b"");
        let ip = Ipv4::parse(&p).unwrap();
        let e = icmp_error(&ip, 3, 3, a("192.0.2.100"), 7);
        let icmp = Ipv4::parse(&e).unwrap();
        assert_eq!((icmp.src(), icmp.dst(), icmp.protocol(), icmp.tos()), (a("192.0.2.100"), a("198.51.100.1"), 1, 0xc0));
        assert_eq!(&icmp.payload()[..2], &[3, 3]);
        assert_eq!(&icmp.payload()[8..], &p[..]);
        assert_eq!(checksum::combine(&[checksum::sum(icmp.payload())]), 0xffff);
    }
}

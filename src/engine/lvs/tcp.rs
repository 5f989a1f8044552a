//! TCP segments as the LVS lab's endpoints send them: IPv4 with DF and
//! TTL 64, an MSS option on SYNs, checksums right, so tcpdump and tshark
//! decode every frame as a clean connection.

use crate::engine::ipvs::packet::{Header, Ipv4, DF, PROTO_TCP};
use crate::wire::checksum;
use std::net::{IpAddr, Ipv4Addr};

pub const FIN: u8 = 0x01;
pub const SYN: u8 = 0x02;
pub const RST: u8 = 0x04;
pub const PSH: u8 = 0x08;
pub const ACK: u8 = 0x10;

/// Linux's default receive window on a fresh connection.
pub const WINDOW: u16 = 64240;
pub const MSS: u16 = 1460;

/// A TCP segment over IPv4: parsed from a received packet, or emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment<'a> {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub payload: &'a [u8],
}

impl<'a> Segment<'a> {
    pub fn parse(ip: &Ipv4<'a>) -> Option<Segment<'a>> {
        if ip.protocol() != PROTO_TCP || ip.later_fragment() {
            return None;
        }
        let p = ip.payload();
        let off = usize::from(p.get(12)? >> 4) * 4;
        if p.len() < 20 || off < 20 || off > p.len() {
            return None;
        }
        let be32 = |i: usize| u32::from_be_bytes([p[i], p[i + 1], p[i + 2], p[i + 3]]);
        Some(Segment {
            src: ip.src(),
            dst: ip.dst(),
            sport: u16::from_be_bytes([p[0], p[1]]),
            dport: u16::from_be_bytes([p[2], p[3]]),
            seq: be32(4),
            ack: be32(8),
            flags: p[13],
            payload: &p[off..],
        })
    }

    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// Sequence space the segment occupies (SYN and FIN count one).
    pub fn seq_len(&self) -> u32 {
        self.payload.len() as u32 + u32::from(self.has(SYN)) + u32::from(self.has(FIN))
    }
}

impl Segment<'_> {
    /// The IPv4 packet. The IP ID is left 0 for the host stack to fill.
    pub fn emit(&self) -> Vec<u8> {
        let opts: &[u8] = if self.flags & SYN != 0 { &[2, 4, (MSS >> 8) as u8, MSS as u8] } else { &[] };
        let hlen = 20 + opts.len();
        let mut t = vec![0u8; hlen + self.payload.len()];
        t[0..2].copy_from_slice(&self.sport.to_be_bytes());
        t[2..4].copy_from_slice(&self.dport.to_be_bytes());
        t[4..8].copy_from_slice(&self.seq.to_be_bytes());
        t[8..12].copy_from_slice(&self.ack.to_be_bytes());
        t[12] = ((hlen / 4) as u8) << 4;
        t[13] = self.flags;
        t[14..16].copy_from_slice(&WINDOW.to_be_bytes());
        t[20..hlen].copy_from_slice(opts);
        t[hlen..].copy_from_slice(self.payload);
        let pseudo = checksum::pseudo_header(IpAddr::V4(self.src), IpAddr::V4(self.dst), PROTO_TCP, t.len() as u32);
        let c = checksum::finish(&[pseudo, checksum::sum(&t)]);
        t[16..18].copy_from_slice(&c.to_be_bytes());
        Header { tos: 0, ident: 0, flags_frag: DF, ttl: 64, protocol: PROTO_TCP, src: self.src, dst: self.dst }.emit(&t)
    }
}

/// The RST the kernel answers a segment with when no socket wants it
/// (`tcp_v4_send_reset`).
pub fn reset_for(s: &Segment<'_>) -> Vec<u8> {
    let (seq, ack, flags) = if s.has(ACK) { (s.ack, 0, RST) } else { (0, s.seq.wrapping_add(s.seq_len()), RST | ACK) };
    Segment { src: s.dst, dst: s.src, sport: s.dport, dport: s.sport, seq, ack, flags, payload: &[] }.emit()
}

/// A deterministic initial sequence number for a connection (the kernel's
/// is a keyed hash of the 4-tuple and a clock; here a hash of the tuple
/// and the node's seed).
pub fn isn(seed: u64, src: Ipv4Addr, sport: u16, dst: Ipv4Addr, dport: u16) -> u32 {
    let key = crate::engine::ipvs::hash::HsipKey([seed, seed.rotate_left(17)]);
    let mut data = [0u8; 12];
    data[0..4].copy_from_slice(&src.octets());
    data[4..6].copy_from_slice(&sport.to_be_bytes());
    data[6..10].copy_from_slice(&dst.octets());
    data[10..12].copy_from_slice(&dport.to_be_bytes());
    crate::engine::ipvs::hash::hsiphash(&data, key)
}

#[cfg(test)]
mod test {
    use super::*;
    use etherparse::{SlicedPacket, TransportSlice};

    fn a(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn emitted_segments_parse_and_checksum() {
        let out = Segment { src: a("198.51.100.1"), dst: a("192.0.2.100"), sport: 40000, dport: 80, seq: 7, ack: 0, flags: SYN, payload: &[] };
        let p = out.emit();
        let sliced = SlicedPacket::from_ip(&p).unwrap();
        let Some(TransportSlice::Tcp(t)) = sliced.transport else { panic!() };
        assert!(t.syn() && !t.ack());
        assert_eq!(t.options(), &[2, 4, 5, 180]);
        let ip = Ipv4::parse(&p).unwrap();
        let s = Segment::parse(&ip).unwrap();
        assert_eq!((s.seq, s.seq_len(), s.flags), (7, 1, SYN));
        let data = Segment { flags: PSH | ACK, payload: b"GET /", seq: 8, ack: 99, ..out }.emit();
        let ip = Ipv4::parse(&data).unwrap();
        assert_eq!(Segment::parse(&ip).unwrap().payload, b"GET /");
        let sum = checksum::combine(&[
            checksum::pseudo_header(IpAddr::V4(ip.src()), IpAddr::V4(ip.dst()), 6, ip.payload().len() as u32),
            checksum::sum(ip.payload()),
        ]);
        assert_eq!(sum, 0xffff);
    }

    #[test]
    fn resets_follow_rfc793() {
        let syn = Segment { src: a("198.51.100.1"), dst: a("192.0.2.21"), sport: 1, dport: 81, seq: 100, ack: 0, flags: SYN, payload: &[] }.emit();
        let ip = Ipv4::parse(&syn).unwrap();
        let r = reset_for(&Segment::parse(&ip).unwrap());
        let ip = Ipv4::parse(&r).unwrap();
        let s = Segment::parse(&ip).unwrap();
        assert_eq!((s.flags, s.seq, s.ack, s.src), (RST | ACK, 0, 101, a("192.0.2.21")));
    }

    #[test]
    fn isn_depends_on_the_tuple() {
        let x = isn(1, a("198.51.100.1"), 1, a("192.0.2.100"), 80);
        assert_eq!(x, isn(1, a("198.51.100.1"), 1, a("192.0.2.100"), 80));
        assert_ne!(x, isn(1, a("198.51.100.1"), 2, a("192.0.2.100"), 80));
    }
}

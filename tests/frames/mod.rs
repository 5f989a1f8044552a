//! Frames for the integration tests, built from parts, and the pcap files
//! that hold them. Documentation addresses only.
#![allow(dead_code)] // each test binary uses its own subset

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use vrrplab::capture::writer::PcapWriter;
use vrrplab::capture::{LinkType, Timestamp};
use vrrplab::wire::checksum;
use vrrplab::wire::vrrp::{Auth, AuthType, ChecksumVariant, Interval, Repr, MCAST_V4, MCAST_V6};

pub const VMAC_51: [u8; 6] = [0x00, 0x00, 0x5e, 0x00, 0x01, 51];
pub const MCAST_MAC_V4: [u8; 6] = [0x01, 0x00, 0x5e, 0x00, 0x00, 0x12];
pub const MCAST_MAC_V6: [u8; 6] = [0x33, 0x33, 0x00, 0x00, 0x00, 0x12];
pub const N1_MAC: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
pub const BROADCAST: [u8; 6] = [0xff; 6];

pub fn v4(s: &str) -> IpAddr {
    IpAddr::V4(s.parse::<Ipv4Addr>().unwrap())
}
pub fn v6(s: &str) -> IpAddr {
    IpAddr::V6(s.parse::<Ipv6Addr>().unwrap())
}
pub fn mcast4() -> IpAddr {
    IpAddr::V4(MCAST_V4)
}
pub fn mcast6() -> IpAddr {
    IpAddr::V6(MCAST_V6)
}

/// An Ethernet frame; `tags` are (TPID, TCI) pairs, outermost first.
pub fn eth(dst: [u8; 6], src: [u8; 6], tags: &[(u16, u16)], ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = dst.to_vec();
    f.extend_from_slice(&src);
    for (tpid, tci) in tags {
        f.extend_from_slice(&tpid.to_be_bytes());
        f.extend_from_slice(&tci.to_be_bytes());
    }
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// An IPv4 packet (ethertype 0x0800) or IPv6 packet (0x86dd), by the family of `src`.
pub fn ip(src: IpAddr, dst: IpAddr, ttl: u8, proto: u8, payload: &[u8]) -> (u16, Vec<u8>) {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let total = (20 + payload.len()) as u16;
            let mut h = vec![0x45, 0xc0];
            h.extend_from_slice(&total.to_be_bytes());
            h.extend_from_slice(&[0x12, 0x34, 0, 0, ttl, proto, 0, 0]);
            h.extend_from_slice(&s.octets());
            h.extend_from_slice(&d.octets());
            let c = checksum::finish(&[checksum::sum(&h)]);
            h[10..12].copy_from_slice(&c.to_be_bytes());
            h.extend_from_slice(payload);
            (0x0800, h)
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let mut h = vec![0x60, 0, 0, 0];
            h.extend_from_slice(&(payload.len() as u16).to_be_bytes());
            h.extend_from_slice(&[proto, ttl]);
            h.extend_from_slice(&s.octets());
            h.extend_from_slice(&d.octets());
            h.extend_from_slice(payload);
            (0x86dd, h)
        }
        _ => panic!("mixed families"),
    }
}

/// An Ethernet frame carrying an IP packet.
pub fn eth_ip(
    src_mac: [u8; 6],
    dst_mac: [u8; 6],
    src: IpAddr,
    dst: IpAddr,
    ttl: u8,
    proto: u8,
    payload: &[u8],
) -> Vec<u8> {
    let (et, p) = ip(src, dst, ttl, proto, payload);
    eth(dst_mac, src_mac, &[], et, &p)
}

pub fn v2_repr(vrid: u8, priority: u8, auth: Option<&[u8; 8]>, vips: &[&str]) -> Repr {
    Repr {
        msg_type: 1,
        vrid,
        priority,
        interval: Interval::Seconds(1),
        auth: Auth::V2 {
            auth_type: if auth.is_some() { AuthType::Simple } else { AuthType::None },
            data: Some(auth.copied().unwrap_or([0; 8])),
        },
        addrs: vips.iter().map(|a| a.parse().unwrap()).collect(),
    }
}

pub fn v3_repr(vrid: u8, priority: u8, centis: u16, vips: &[&str]) -> Repr {
    Repr {
        msg_type: 1,
        vrid,
        priority,
        interval: Interval::Centis(centis),
        auth: Auth::V3,
        addrs: vips.iter().map(|a| a.parse().unwrap()).collect(),
    }
}

/// A VRRP advert in an Ethernet frame, with the checksum `variant`.
pub fn advert(src_mac: [u8; 6], src: IpAddr, dst: IpAddr, ttl: u8, repr: &Repr, variant: ChecksumVariant) -> Vec<u8> {
    let dst_mac = if dst.is_ipv4() { MCAST_MAC_V4 } else { MCAST_MAC_V6 };
    eth_ip(src_mac, dst_mac, src, dst, ttl, 112, &repr.to_bytes(src, dst, variant))
}

/// An Ethernet/IPv4 ARP message in an Ethernet frame.
pub fn arp(dst_mac: [u8; 6], op: u16, sha: [u8; 6], spa: &str, tha: [u8; 6], tpa: &str) -> Vec<u8> {
    let mut b = vec![0, 1, 8, 0, 6, 4];
    b.extend_from_slice(&op.to_be_bytes());
    b.extend_from_slice(&sha);
    b.extend_from_slice(&spa.parse::<Ipv4Addr>().unwrap().octets());
    b.extend_from_slice(&tha);
    b.extend_from_slice(&tpa.parse::<Ipv4Addr>().unwrap().octets());
    b.extend_from_slice(&[0; 18]); // Ethernet padding to 60 bytes
    eth(dst_mac, sha, &[], 0x0806, &b)
}

/// Writes `frames` to a pcap file, one second apart from 2024-01-01, each
/// `(bytes, orig_len)`: an `orig_len` above the length means the capture cut it.
pub fn write_pcap(path: &Path, linktype: LinkType, frames: &[(Vec<u8>, u32)]) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = PcapWriter::new(std::io::BufWriter::new(file), linktype, 65535, false).unwrap();
    for (i, (data, orig)) in frames.iter().enumerate() {
        let ts = Timestamp::new(1_704_067_200 + i as i64, 123_456_000 + i as u32 * 1000);
        w.write(ts, (*orig).max(data.len() as u32), data).unwrap();
    }
    w.flush().unwrap();
}

/// Whole frames (orig_len = captured length).
pub fn whole(frames: Vec<Vec<u8>>) -> Vec<(Vec<u8>, u32)> {
    frames.into_iter().map(|f| (f, 0)).collect()
}

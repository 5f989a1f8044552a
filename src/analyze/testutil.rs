//! Frames for analyzer tests: adverts and ARPs on a 192.0.2.0/24 LAN.

use crate::capture::{Frame, LinkType, Timestamp};
use crate::wire::vrrp::{Auth, AuthType, ChecksumVariant, Interval, Repr, MCAST_V4};
use etherparse::{ArpHardwareId, ArpOperation, ArpPacket, EtherType, IpNumber, PacketBuilder};
use std::net::{IpAddr, Ipv4Addr};

pub const T0: i64 = 1_767_225_600_000_000;
pub const VIP: [u8; 4] = [192, 0, 2, 100];

pub fn mac(n: u8) -> [u8; 6] {
    [0x02, 0, 0, 0, 0, n]
}

pub fn ip(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, n))
}

fn frame(ts_us: i64, data: Vec<u8>) -> Frame {
    Frame {
        ts: Timestamp::from_micros(T0 + ts_us),
        orig_len: data.len() as u32,
        linktype: LinkType::Ethernet,
        interface: 0,
        data,
    }
}

/// A VRRPv2 advert for VRID 51 / VIP 192.0.2.100 from router 192.0.2.`n`.
pub fn advert(ts_us: i64, n: u8, prio: u8) -> Frame {
    advert_with(ts_us, n, prio, |_| {})
}

pub fn advert_with(ts_us: i64, n: u8, prio: u8, tweak: impl FnOnce(&mut Repr)) -> Frame {
    let mut repr = Repr {
        msg_type: 1,
        vrid: 51,
        priority: prio,
        interval: Interval::Seconds(1),
        auth: Auth::V2 {
            auth_type: AuthType::Simple,
            data: Some(*b"1111\0\0\0\0"),
        },
        addrs: vec![IpAddr::V4(VIP.into())],
    };
    tweak(&mut repr);
    let payload = repr.to_bytes(ip(n), IpAddr::V4(MCAST_V4), ChecksumVariant::Rfc);
    let mut out = Vec::new();
    PacketBuilder::ethernet2(mac(n), [0x01, 0, 0x5e, 0, 0, 0x12])
        .ipv4([192, 0, 2, n], MCAST_V4.octets(), 255)
        .write(&mut out, IpNumber(112), &payload)
        .expect("vec write");
    frame(ts_us, out)
}

/// keepalived's gratuitous ARP for the VIP from router `n`.
pub fn garp(ts_us: i64, n: u8) -> Frame {
    arp(ts_us, n, ArpOperation::REQUEST, VIP, [0xff; 6], VIP)
}

pub fn arp(ts_us: i64, n: u8, op: ArpOperation, spa: [u8; 4], tha: [u8; 6], tpa: [u8; 4]) -> Frame {
    let pkt = ArpPacket::new(
        ArpHardwareId::ETHERNET,
        EtherType::IPV4,
        op,
        &mac(n),
        &spa,
        &tha,
        &tpa,
    )
    .expect("arp");
    let mut out = Vec::new();
    PacketBuilder::ethernet2(mac(n), [0xff; 6])
        .arp(pkt)
        .write(&mut out)
        .expect("vec write");
    frame(ts_us, out)
}

/// Adverts from router `n` every second in [from, to) (µs).
pub fn every_second(n: u8, prio: u8, from: i64, to: i64) -> Vec<Frame> {
    (0..)
        .map(|i| from + i * 1_000_000)
        .take_while(|&t| t < to)
        .map(|t| advert(t, n, prio))
        .collect()
}

pub fn run(mut frames: Vec<Frame>) -> super::report::Report {
    frames.sort_by_key(|f| f.ts);
    let mut a = super::Analyzer::new();
    for f in &frames {
        a.feed(f);
    }
    a.finish()
}

/// Every capture file in the repository's fixtures (top level, `sim`, `real`).
pub fn fixture_captures() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out: Vec<_> = ["", "sim", "real"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).expect("fixtures directory"))
        .map(|entry| entry.expect("fixtures entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
        .collect();
    out.sort();
    out
}

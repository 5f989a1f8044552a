//! The frames an instance sends: adverts (one per unicast peer, or one to
//! the multicast group) and gratuitous ARPs / unsolicited neighbour adverts.
//! Advert bytes are cached per destination and rebuilt only when the
//! priority changes, so a master in steady state copies ~60 bytes per advert.

use super::config::InstanceConfig;
use crate::engine::frame::{self, Ipv4Frame, Ipv6Frame, Mac, Nd, UNRESOLVED};
use crate::engine::Outputs;
use crate::wire::vrrp::{self, Auth, AuthType, ChecksumVariant, Family, Interval, Repr};
use std::net::{IpAddr, Ipv6Addr};

/// IP TOS / traffic class of adverts: internet network control (`IP_TOS` 0xc0).
const TOS: u8 = 0xc0;
const TTL: u8 = 255;

#[derive(Debug, Clone, Default)]
struct Cached {
    priority: Option<u8>,
    bytes: Vec<u8>,
}

/// The advert frames of one instance from one source.
#[derive(Debug, Clone)]
pub struct Adverts {
    src: IpAddr,
    src_mac: Mac,
    /// One per destination: the multicast group, or each unicast peer in order.
    cache: Vec<Cached>,
}

impl Adverts {
    pub fn new(cfg: &InstanceConfig, src: IpAddr, src_mac: Mac) -> Adverts {
        let n = cfg.unicast_peers.len().max(1);
        Adverts { src, src_mac, cache: vec![Cached::default(); n] }
    }

    /// Queues one advert at `priority` to each destination.
    pub fn send(&mut self, cfg: &InstanceConfig, priority: u8, out: &mut Outputs) {
        for i in 0..self.cache.len() {
            let dst = destination(cfg, i);
            let c = &mut self.cache[i];
            if c.priority != Some(priority) {
                c.bytes.clear();
                build(cfg, self.src, self.src_mac, dst, priority, &mut c.bytes);
                c.priority = Some(priority);
            }
            let mut buf = out.buffer();
            buf.extend_from_slice(&c.bytes);
            if cfg.unicast() {
                out.send_via(buf, dst);
            } else {
                out.send(buf);
            }
        }
    }
}

fn destination(cfg: &InstanceConfig, i: usize) -> IpAddr {
    match cfg.unicast_peers.get(i) {
        Some(p) => *p,
        None if cfg.family == Family::Ipv6 => IpAddr::V6(vrrp::MCAST_V6),
        None => IpAddr::V4(vrrp::MCAST_V4),
    }
}

/// The VRRP message keepalived builds (`vrrp_build_vrrp_v2`/`_v3`).
pub fn repr(cfg: &InstanceConfig, priority: u8) -> Repr {
    let (interval, auth) = if cfg.version == 2 {
        let auth_type = if cfg.auth_pass.is_some() { AuthType::Simple } else { AuthType::None };
        let data = Some(cfg.auth_pass.unwrap_or([0; 8]));
        (Interval::Seconds((cfg.adver_int_us / 1_000_000) as u8), Auth::V2 { auth_type, data })
    } else {
        (Interval::Centis((cfg.adver_int_us / 10_000) as u16), Auth::V3)
    };
    Repr {
        msg_type: 1,
        vrid: cfg.vrid,
        priority,
        interval,
        auth,
        addrs: cfg.vips.iter().map(|v| v.addr).collect(),
    }
}

fn build(cfg: &InstanceConfig, src: IpAddr, src_mac: Mac, dst: IpAddr, priority: u8, buf: &mut Vec<u8>) {
    let payload = repr(cfg, priority).to_bytes(src, dst, ChecksumVariant::Rfc);
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let dst_mac = if d.is_multicast() { frame::ipv4_multicast_mac(d) } else { UNRESOLVED };
            Ipv4Frame { src_mac, dst_mac, tos: TOS, ttl: TTL, protocol: vrrp::PROTOCOL, src: s, dst: d, dont_fragment: false }
                .write(buf, &payload)
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let dst_mac = if d.is_multicast() { frame::ipv6_multicast_mac(d) } else { UNRESOLVED };
            Ipv6Frame { src_mac, dst_mac, traffic_class: TOS, hop_limit: TTL, next_header: vrrp::PROTOCOL, src: s, dst: d }
                .write(buf, &payload)
        }
        // The config rejects peers of the other family; nothing sensible to send.
        _ => {}
    }
}

/// Queues one gratuitous ARP (IPv4) or unsolicited neighbour advert (IPv6)
/// for `addr`, from `mac`.
pub fn announce(addr: IpAddr, mac: Mac, out: &mut Outputs) {
    let mut buf = out.buffer();
    match addr {
        IpAddr::V4(a) => frame::gratuitous_arp(&mut buf, mac, a),
        IpAddr::V6(a) => {
            let all_nodes = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
            let dst_mac = frame::ipv6_multicast_mac(all_nodes);
            frame::neighbour(&mut buf, Nd::Advert { solicited: false }, mac, a, all_nodes, dst_mac, a)
        }
    }
    out.send(buf);
}

#[cfg(test)]
pub(crate) mod test {
    use super::*;
    use crate::capture::LinkType;
    use crate::engine::vrrp::config::VipConfig;
    use crate::wire::decode::decode;
    use crate::wire::vrrp::Packet;

    pub(crate) fn cfg() -> InstanceConfig {
        InstanceConfig {
            name: "VI_1".into(),
            vrid: 51,
            family: Family::Ipv4,
            version: 2,
            want_master: false,
            base_priority: 100,
            adver_int_us: 1_000_000,
            nopreempt: false,
            preempt_delay_us: 0,
            use_vmac: false,
            src_ip: None,
            unicast_peers: vec![],
            auth_pass: Some(*b"1111\0\0\0\0"),
            vips: vec![VipConfig { addr: "192.168.30.254".parse().unwrap(), prefix: 32 }],
            evips: vec![],
            track_interfaces: vec![],
            track_scripts: vec![],
            garp_rep: 5,
            garp_delay_us: 5_000_000,
            garp_refresh_us: 0,
            garp_refresh_rep: 1,
            garp_lower_prio_rep: 5,
            garp_lower_prio_delay_us: 5_000_000,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            skip_check_adv_addr: false,
            accept: true,
            strict: false,
        }
    }

    #[test]
    fn v2_advert_matches_the_seed_capture() {
        // The article's capture (seed 000): 192.168.30.111 > 224.0.0.18, vrid 51,
        // prio 100, auth "1111": IP 45c0 0028 .... 0000 ff70, VRRP 2133 6401 0101 37c1.
        let mut out = Outputs::new();
        let mac = [0x00, 0x0c, 0x29, 0x01, 0x02, 0x03];
        let mut a = Adverts::new(&cfg(), "192.168.30.111".parse().unwrap(), mac);
        a.send(&cfg(), 100, &mut out);
        let f = &out.frames[0].frame;
        assert_eq!(out.frames[0].next_hop, None);
        assert_eq!(&f[0..6], &[1, 0, 0x5e, 0, 0, 0x12]);
        assert_eq!(&f[14..16], &[0x45, 0xc0]);
        assert_eq!(&f[16..18], &[0x00, 0x28]);
        assert_eq!(&f[20..24], &[0x00, 0x00, 0xff, 0x70], "no DF, TTL 255, proto 112");
        assert_eq!(&f[34..42], &[0x21, 0x33, 0x64, 0x01, 0x01, 0x01, 0x37, 0xc1]);
        assert_eq!(&f[42..54], &[0xc0, 0xa8, 0x1e, 0xfe, b'1', b'1', b'1', b'1', 0, 0, 0, 0]);
    }

    #[test]
    fn unicast_v3_checksum_differs_per_peer() {
        let mut c = cfg();
        c.version = 3;
        c.auth_pass = None;
        c.unicast_peers = vec!["192.0.2.12".parse().unwrap(), "192.0.2.13".parse().unwrap()];
        let src: IpAddr = "192.0.2.11".parse().unwrap();
        let mut out = Outputs::new();
        Adverts::new(&c, src, [2, 0, 0, 0, 0, 1]).send(&c, 100, &mut out);
        assert_eq!(out.frames.len(), 2);
        let sums: Vec<u16> = out
            .frames
            .iter()
            .zip(&c.unicast_peers)
            .map(|(tx, peer)| {
                assert_eq!(tx.next_hop, Some(*peer));
                let d = decode(LinkType::Ethernet, &tx.frame);
                let (ip, body) = d.vrrp().unwrap();
                assert_eq!((ip.dst, ip.ttl), (*peer, 255));
                let p = Packet::new_checked(body).unwrap();
                assert_eq!(p.verify_checksum(src, *peer), Some(ChecksumVariant::Rfc));
                p.checksum()
            })
            .collect();
        assert_ne!(sums[0], sums[1]);
    }

    #[test]
    fn priority_change_rebuilds_the_cached_advert() {
        let mut out = Outputs::new();
        let mut a = Adverts::new(&cfg(), "192.0.2.11".parse().unwrap(), [2, 0, 0, 0, 0, 1]);
        a.send(&cfg(), 100, &mut out);
        a.send(&cfg(), 0, &mut out);
        let prio = |i: usize| out.frames[i].frame[36];
        assert_eq!((prio(0), prio(1)), (100, 0));
        let d = decode(LinkType::Ethernet, &out.frames[1].frame);
        let p = Packet::new_checked(d.vrrp().unwrap().1).unwrap();
        assert!(p.verify_checksum(d.ip().unwrap().src, d.ip().unwrap().dst).is_some());
    }
}

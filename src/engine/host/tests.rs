//! The host stack on frames built by hand.

use super::*;
use crate::engine::frame::{Nd, BROADCAST};

const MAC: Mac = [2, 0, 0, 0, 0, 0x21];
const CLIENT: Mac = [2, 0, 0, 0, 0, 0x99];
const VMAC: Mac = [0, 0, 0x5e, 0, 1, 51];

fn v4(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn host(arp_ignore: Sysctl, arp_announce: Sysctl) -> Host {
    Host::new(HostConfig {
        ifname: "eth0".into(),
        mac: MAC,
        addrs: vec![IfAddr { addr: "192.0.2.21".parse().unwrap(), prefix: 24 }],
        lo: vec!["192.0.2.100".parse().unwrap()],
        arp_ignore,
        arp_announce,
        gateway: Some("192.0.2.1".parse().unwrap()),
    })
}

fn who_has(target: &str, from: &str) -> Vec<u8> {
    let mut b = vec![];
    frame::arp(&mut b, BROADCAST, arp::OP_REQUEST, CLIENT, v4(from), [0; 6], v4(target));
    b
}

fn arps(out: &Outputs) -> Vec<arp::EtherIpv4> {
    out.frames
        .iter()
        .filter_map(|t| decode(LinkType::Ethernet, &t.frame).arp().and_then(|a| arp::Packet::new_checked(a).ok()?.ether_ipv4()))
        .collect()
}

fn replies(h: &mut Host, target: &str, from: &str) -> Vec<arp::EtherIpv4> {
    let mut out = Outputs::new();
    assert_eq!(h.receive(0, &who_has(target, from), &mut out), Delivery::Consumed);
    arps(&out)
}

#[test]
fn answers_for_its_address_and_learns_the_asker() {
    let mut h = host(Sysctl::default(), Sysctl::default());
    let r = replies(&mut h, "192.0.2.21", "192.0.2.50");
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].op, r[0].sha, r[0].spa, r[0].tha, r[0].tpa), (2, MAC, v4("192.0.2.21"), CLIENT, v4("192.0.2.50")));
    assert_eq!(h.neighbor("192.0.2.50".parse().unwrap()), Some(CLIENT));
    assert!(replies(&mut h, "192.0.2.77", "192.0.2.50").is_empty());
}

#[test]
fn dr_real_server_vip_on_lo_and_arp_ignore() {
    // Default sysctls: the real server answers for the VIP on lo — the
    // classic DR mistake the seed articles warn about.
    let mut h = host(Sysctl::default(), Sysctl::default());
    assert_eq!(replies(&mut h, "192.0.2.100", "192.0.2.50").len(), 1);
    // arp_ignore=1 on all/ wins over 0 on the interface (max of the two).
    let mut h = host(Sysctl { all: 1, iface: 0 }, Sysctl::default());
    assert!(replies(&mut h, "192.0.2.100", "192.0.2.50").is_empty());
    assert_eq!(replies(&mut h, "192.0.2.21", "192.0.2.50").len(), 1, "its own address is still answered");
    let mut h = host(Sysctl { all: 0, iface: 2 }, Sysctl::default());
    assert!(replies(&mut h, "192.0.2.21", "198.51.100.7").is_empty(), "2: sender must be in the subnet");
    assert_eq!(replies(&mut h, "192.0.2.21", "192.0.2.50").len(), 1);
    let mut h = host(Sysctl { all: 3, iface: 0 }, Sysctl::default());
    assert_eq!(replies(&mut h, "192.0.2.100", "192.0.2.50").len(), 1, "3: lo VIPs are scope global");
    let mut h = host(Sysctl { all: 8, iface: 0 }, Sysctl::default());
    assert!(replies(&mut h, "192.0.2.21", "192.0.2.50").is_empty());
}

#[test]
fn another_holders_garp_is_not_answered() {
    let mut h = host(Sysctl::default(), Sysctl::default());
    h.add_addr("192.0.2.200".parse().unwrap(), 32, MAC, true);
    let mut g = vec![];
    frame::gratuitous_arp(&mut g, CLIENT, v4("192.0.2.200"));
    let mut out = Outputs::new();
    assert_eq!(h.receive(0, &g, &mut out), Delivery::Consumed);
    assert!(out.frames.is_empty());
}

#[test]
fn added_address_answers_with_its_own_mac() {
    let mut h = host(Sysctl::default(), Sysctl::default());
    h.add_addr("192.0.2.200".parse().unwrap(), 32, VMAC, true);
    let r = replies(&mut h, "192.0.2.200", "192.0.2.50");
    assert_eq!(r[0].sha, VMAC);
    let mut f = who_has("192.0.2.200", "192.0.2.50");
    f[0..6].copy_from_slice(&VMAC);
    assert!(h.accepts(&f));
    h.del_addr("192.0.2.200".parse().unwrap());
    assert!(replies(&mut h, "192.0.2.200", "192.0.2.50").is_empty());
    assert!(!h.accepts(&f));
}

fn udp_from(src: &str, dst: &str) -> Vec<u8> {
    let mut b = vec![];
    frame::Ipv4Frame { src_mac: MAC, dst_mac: frame::UNRESOLVED, tos: 0, ttl: 64, protocol: 17, src: v4(src), dst: v4(dst), dont_fragment: true }
        .write(&mut b, &[0; 8]);
    b
}

#[test]
fn resolution_queues_asks_and_flushes_on_reply() {
    let mut h = host(Sysctl::default(), Sysctl::default());
    let mut out = Outputs::new();
    let hop: IpAddr = "192.0.2.50".parse().unwrap();
    h.transmit(0, Tx { frame: udp_from("192.0.2.100", "192.0.2.50"), next_hop: Some(hop) }, &mut out);
    let a = arps(&out);
    assert_eq!(a.len(), 1);
    // arp_announce 0: the source of the packet, even the VIP on lo.
    assert_eq!((a[0].op, a[0].spa, a[0].tpa), (1, v4("192.0.2.100"), v4("192.0.2.50")));
    out.frames.clear();
    let mut reply = vec![];
    frame::arp(&mut reply, MAC, arp::OP_REPLY, CLIENT, v4("192.0.2.50"), MAC, v4("192.0.2.21"));
    h.receive(10, &reply, &mut out);
    assert_eq!(out.frames.len(), 1);
    assert_eq!(&out.frames[0].frame[0..6], &CLIENT);
    assert_eq!(&out.frames[0].frame[18..20], &[0, 1], "the host numbered it");
    // arp_announce 2: the best address on the interface instead.
    let mut h = host(Sysctl::default(), Sysctl { all: 2, iface: 0 });
    let mut out = Outputs::new();
    h.transmit(0, Tx { frame: udp_from("192.0.2.100", "192.0.2.50"), next_hop: Some(hop) }, &mut out);
    assert_eq!(arps(&out)[0].spa, v4("192.0.2.21"));
}

#[test]
fn unanswered_solicitations_give_up_after_three() {
    let mut h = host(Sysctl::default(), Sysctl::default());
    let mut out = Outputs::new();
    h.transmit(0, Tx { frame: udp_from("192.0.2.21", "192.0.2.60"), next_hop: Some("192.0.2.60".parse().unwrap()) }, &mut out);
    let mut t = 0;
    while let Some(at) = h.poll_at() {
        t = at;
        h.on_timer(at, &mut out);
    }
    assert_eq!(arps(&out).len(), 3);
    assert_eq!(t, 3_000_000);
    assert_eq!(out.frames.len(), 3, "the queued frame was dropped");
}

#[test]
fn garp_updates_but_does_not_create_entries_and_lock_time_holds() {
    let mut out = Outputs::new();
    let vip: IpAddr = "192.0.2.100".parse().unwrap();
    let mut g = vec![];
    frame::gratuitous_arp(&mut g, CLIENT, v4("192.0.2.100"));
    let mut h2 = host(Sysctl::default(), Sysctl::default());
    h2.cfg.lo.clear();
    h2.receive(0, &g, &mut out);
    assert_eq!(h2.neighbor(vip), None, "gratuitous ARP does not create");
    // Create via a request to us, then a GARP from another MAC overrides at once,
    h2.receive(0, &who_has("192.0.2.21", "192.0.2.100"), &mut out);
    assert_eq!(h2.neighbor(vip), Some(CLIENT));
    let mut g2 = vec![];
    frame::gratuitous_arp(&mut g2, VMAC, v4("192.0.2.100"));
    h2.receive(100, &g2, &mut out);
    assert_eq!(h2.neighbor(vip), Some(VMAC));
    // but a plain request from the old MAC within a second does not.
    h2.receive(200, &who_has("192.0.2.21", "192.0.2.100"), &mut out);
    assert_eq!(h2.neighbor(vip), Some(VMAC));
    h2.receive(1_200_000, &who_has("192.0.2.21", "192.0.2.100"), &mut out);
    assert_eq!(h2.neighbor(vip), Some(CLIENT));
}

#[test]
fn ping_is_answered_unless_no_accept() {
    let mut h = host(Sysctl::default(), Sysctl::default());
    h.add_addr("192.0.2.200".parse().unwrap(), 32, MAC, false);
    let echo = |dst: &str| {
        let mut b = vec![];
        let icmp = [8u8, 0, 0xf7, 0xff, 0, 0, 0, 0];
        frame::Ipv4Frame { src_mac: CLIENT, dst_mac: MAC, tos: 0, ttl: 64, protocol: 1, src: v4("192.0.2.50"), dst: v4(dst), dont_fragment: true }
            .write(&mut b, &icmp);
        b
    };
    let mut out = Outputs::new();
    h.receive(0, &who_has("192.0.2.21", "192.0.2.50"), &mut out);
    out.frames.clear();
    assert_eq!(h.receive(0, &echo("192.0.2.21"), &mut out), Delivery::Consumed);
    assert_eq!(out.frames.len(), 1);
    let d = decode(LinkType::Ethernet, &out.frames[0].frame);
    assert_eq!(d.ip().map(|i| (i.src, i.proto, i.payload[0])), Some(("192.0.2.21".parse().unwrap(), 1, 0)));
    out.frames.clear();
    h.receive(0, &echo("192.0.2.200"), &mut out);
    assert!(out.frames.is_empty(), "no_accept VIP does not answer ping");
}

#[test]
fn neighbour_solicitation_is_answered() {
    let mut h = host(Sysctl::default(), Sysctl::default());
    let vip: Ipv6Addr = "2001:db8::100".parse().unwrap();
    h.add_addr(IpAddr::V6(vip), 64, MAC, true);
    let asker: Ipv6Addr = "fe80::99".parse().unwrap();
    let group = frame::solicited_node(vip);
    let mut ns = vec![];
    frame::neighbour(&mut ns, Nd::Solicit, CLIENT, asker, group, frame::ipv6_multicast_mac(group), vip);
    let mut out = Outputs::new();
    assert_eq!(h.receive(0, &ns, &mut out), Delivery::Consumed);
    assert_eq!(out.frames.len(), 1);
    let f = &out.frames[0].frame;
    assert_eq!(&f[0..6], &CLIENT);
    assert_eq!(f[54], 136);
    assert_eq!(h.neighbor(IpAddr::V6(asker)), Some(CLIENT));
}

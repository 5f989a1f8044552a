//! Lines for packets built here byte by byte; the expected text is what
//! tcpdump 4.99.3 prints for the same bytes (the golden tests in
//! `tests/tcpdump_golden.rs` compare whole captures with the real tool).

use super::*;
use crate::capture::{LinkType, Timestamp};
use crate::wire::checksum;

const MCAST_MAC: [u8; 6] = [0x01, 0x00, 0x5e, 0x00, 0x00, 0x12];
const VMAC: [u8; 6] = [0x00, 0x00, 0x5e, 0x00, 0x01, 0x33];

fn eth(ethertype: u16, tags: &[(u16, u16)], payload: &[u8]) -> Vec<u8> {
    let mut f = MCAST_MAC.to_vec();
    f.extend_from_slice(&VMAC);
    for (tpid, tci) in tags {
        f.extend_from_slice(&tpid.to_be_bytes());
        f.extend_from_slice(&tci.to_be_bytes());
    }
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn ipv4(ttl: u8, proto: u8, payload: &[u8]) -> Vec<u8> {
    let len = (20 + payload.len()) as u16;
    let mut h = vec![0x45, 0xc0];
    h.extend_from_slice(&len.to_be_bytes());
    h.extend_from_slice(&[0, 1, 0, 0, ttl, proto, 0, 0, 192, 0, 2, 11, 224, 0, 0, 18]);
    let c = checksum::finish(&[checksum::sum(&h)]);
    h[10..12].copy_from_slice(&c.to_be_bytes());
    h.extend_from_slice(payload);
    h
}

fn vrrp_v2(auth: &[u8]) -> Vec<u8> {
    let mut v = vec![0x21, 51, 100, 1, 1, 1, 0, 0, 192, 0, 2, 254];
    let mut a = auth.to_vec();
    a.resize(8, 0);
    v.extend_from_slice(&a);
    let c = checksum::finish(&[checksum::sum(&v)]);
    v[6..8].copy_from_slice(&c.to_be_bytes());
    v
}

fn line_with(opts: Options, data: &[u8], linktype: LinkType) -> String {
    let frame = Frame {
        ts: Timestamp::new(1_394_056_506, 745_865_000),
        orig_len: data.len().max(60) as u32,
        linktype,
        interface: 0,
        data: data.to_vec(),
    };
    let mut p = Tcpdump::new(Options { time: TimeFormat::None, ..opts });
    let mut out = Vec::new();
    p.print(Numbers { printed: 7, in_file: 7 }, &FrameView::new(&frame), &mut out);
    String::from_utf8(out).unwrap()
}

fn line(verbose: u8, data: &[u8]) -> String {
    line_with(Options { verbose, ..Options::default() }, data, LinkType::Ethernet)
}

#[test]
fn vrrp_v2_default_and_verbose() {
    let f = eth(0x0800, &[], &ipv4(255, 112, &vrrp_v2(b"1111")));
    assert_eq!(
        line(0, &f),
        "IP 192.0.2.11 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 100, authtype simple, intvl 1s, length 20\n"
    );
    assert_eq!(
        line(1, &f),
        "IP (tos 0xc0, ttl 255, id 1, offset 0, flags [none], proto VRRP (112), length 40)\n    \
         192.0.2.11 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 100, authtype simple, intvl 1s, length 20, \
         addrs: 192.0.2.254 auth \"1111\"\n"
    );
    let old = line_with(Options { verbose: 1, compat: Compat::V4_9, ..Options::default() }, &f, LinkType::Ethernet);
    assert!(old.ends_with("addrs: 192.0.2.254 auth \"1111^@^@^@^@\"\n"), "{old}");
}

#[test]
fn vrrp_ttl_checksum_and_type() {
    let mut v = vrrp_v2(b"1111");
    v[6] ^= 0xff;
    let stored = u16::from_be_bytes([v[6], v[7]]);
    let f = eth(0x0800, &[], &ipv4(254, 112, &v));
    let l = line(1, &f);
    assert!(l.contains("VRRPv2, Advertisement, (ttl 254), vrid 51"), "{l}");
    assert!(l.contains(&format!("length 20, (bad vrrp cksum {stored:x}), addrs: 192.0.2.254")), "{l}");
    v[0] = 0x22;
    let l = line(1, &eth(0x0800, &[], &ipv4(255, 112, &v)));
    assert!(l.ends_with("VRRPv2, unknown type (2)\n"), "{l}");
}

#[test]
fn vrrp_truncated_where_tcpdump_stops() {
    let f = eth(0x0800, &[], &ipv4(255, 112, &vrrp_v2(b"secret")));
    let at = |n: usize| line(1, &f[..n]);
    assert!(at(34 + 2).ends_with("VRRPv2, Advertisement [|vrrp]\n"), "{}", at(36));
    assert!(at(34 + 5).ends_with("prio 100, authtype simple [|vrrp]\n"), "{}", at(39));
    assert!(at(34 + 12).ends_with("length 20, addrs: 192.0.2.254 auth \" [|vrrp]\n"), "{}", at(46));
    assert!(at(34 + 15).ends_with("auth \"sec [|vrrp]\n"), "{}", at(49));
    // A cut IP header: tcpdump notes it and keeps the link header for -x.
    let x = line_with(Options { hex: 1, ..Options::default() }, &f[..20], LinkType::Ethernet);
    assert_eq!(x, "IP  [|ip]\n\t0x0000:  45c0 0028 0001\n");
    assert_eq!(line(0, &f[..10]), " [|ether]\n");
}

#[test]
fn vrrp_v3_over_ipv6() {
    let src: [u8; 16] = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    let mut dst = [0u8; 16];
    dst[0] = 0xff;
    dst[1] = 0x02;
    dst[15] = 0x12;
    let mut v = vec![0x31, 61, 100, 1, 0, 100, 0, 0];
    v.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    let p = checksum::pseudo_header(src.into(), std::net::Ipv6Addr::from(dst).into(), 112, v.len() as u32);
    let c = checksum::finish(&[checksum::sum(&v), p]);
    v[6..8].copy_from_slice(&c.to_be_bytes());
    let mut ip = vec![0x60, 0, 0, 0, 0, v.len() as u8, 112, 255];
    ip.extend_from_slice(&src);
    ip.extend_from_slice(&dst);
    ip.extend_from_slice(&v);
    assert_eq!(
        line(1, &eth(0x86dd, &[], &ip)),
        "IP6 (hlim 255, next-header VRRP (112) payload length: 24) fe80::1 > ff02::12: VRRPv3, Advertisement, \
         vrid 61, prio 100, intvl 100cs, length 24, addrs: 2001:db8::1\n"
    );
}

fn arp(op: u16, spa: [u8; 4], tha: [u8; 6], tpa: [u8; 4]) -> Vec<u8> {
    let mut b = vec![0, 1, 8, 0, 6, 4];
    b.extend_from_slice(&op.to_be_bytes());
    b.extend_from_slice(&VMAC);
    b.extend_from_slice(&spa);
    b.extend_from_slice(&tha);
    b.extend_from_slice(&tpa);
    b
}

#[test]
fn arp_forms() {
    let vip = [192, 0, 2, 254];
    let garp = eth(0x0806, &[], &arp(1, vip, [0xff; 6], vip));
    assert_eq!(line(0, &garp), "ARP, Request who-has 192.0.2.254 (ff:ff:ff:ff:ff:ff) tell 192.0.2.254, length 46\n");
    let announce = eth(0x0806, &[], &arp(1, vip, [0; 6], vip));
    assert_eq!(line(0, &announce), "ARP, Request who-has 192.0.2.254 tell 192.0.2.254, length 46\n");
    let reply = eth(0x0806, &[], &arp(2, [192, 0, 2, 11], [2, 0, 0, 0, 0, 2], [192, 0, 2, 12]));
    assert_eq!(
        line(1, &reply),
        "ARP, Ethernet (len 6), IPv4 (len 4), Reply 192.0.2.11 is-at 00:00:5e:00:01:33, length 46\n"
    );
    let e = line_with(Options { link_header: true, ..Options::default() }, &reply, LinkType::Ethernet);
    assert_eq!(
        e,
        "00:00:5e:00:01:33 > 01:00:5e:00:00:12, ethertype ARP (0x0806), length 60: \
         Reply 192.0.2.11 is-at 00:00:5e:00:01:33, length 46\n"
    );
    let mut wrong = arp(1, vip, [0; 6], vip);
    wrong[2] = 0x86;
    wrong[3] = 0xdd;
    assert_eq!(line(0, &eth(0x0806, &[], &wrong)), "ARP, Ethernet (len 6), IPv6 (len 4), length 46\n");
    assert_eq!(line(0, &garp[..30]), " [|arp]\n");
}

#[test]
fn vlan_tags_with_e() {
    let f = eth(0x0800, &[(0x88a8, 10), (0x8100, 0xb000 | 200)], &ipv4(255, 112, &vrrp_v2(b"1111")));
    let e = line_with(Options { link_header: true, ..Options::default() }, &f, LinkType::Ethernet);
    assert!(
        e.starts_with(
            "00:00:5e:00:01:33 > 01:00:5e:00:00:12, ethertype 802.1Q-QinQ (0x88a8), length 62: vlan 10, p 0, \
             ethertype 802.1Q (0x8100), vlan 200, p 5, DEI, ethertype IPv4 (0x0800), 192.0.2.11 > 224.0.0.18: VRRPv2"
        ),
        "{e}"
    );
}

#[test]
fn invalid_record_lengths() {
    let frame = Frame { orig_len: 0, data: Vec::new(), ..Frame::default() };
    let mut out = Vec::new();
    Tcpdump::new(Options { number: true, ..Options::default() }).print(
        Numbers { printed: 3, in_file: 9 },
        &FrameView::new(&frame),
        &mut out,
    );
    assert_eq!(String::from_utf8(out).unwrap(), "    3  [Invalid header: caplen==0, len==0]\n");
}

/// A VRRP advert in Ethernet whose bytes the property test mutates, so that
/// the mutations reach deep into the printers.
fn seed_frames() -> Vec<(LinkType, Vec<u8>)> {
    let vrrp = eth(0x0800, &[(0x8100, 5)], &ipv4(255, 112, &vrrp_v2(b"1111")));
    let garp = eth(0x0806, &[], &arp(1, [192, 0, 2, 254], [0xff; 6], [192, 0, 2, 254]));
    let raw = ipv4(64, 112, &vrrp_v2(b"pw"));
    vec![(LinkType::Ethernet, vrrp), (LinkType::Ethernet, garp), (LinkType::Raw, raw)]
}

proptest::proptest! {
    #[test]
    fn no_input_makes_the_printer_panic(
        seed in 0usize..3,
        edits in proptest::collection::vec((0usize..80, proptest::prelude::any::<u8>()), 0..6),
        cut in 0usize..90,
        extra in 0u32..100,
        linktype in proptest::sample::select(vec![1u32, 101, 113, 276, 228, 229, 107]),
        flags in 0u8..8,
    ) {
        let (lt, mut data) = seed_frames().swap_remove(seed);
        for (at, b) in edits {
            if let Some(x) = data.get_mut(at) {
                *x = b;
            }
        }
        data.truncate(cut.max(1));
        let linktype = if flags & 4 == 0 { lt } else { LinkType::from_u32(linktype) };
        let opts = Options {
            verbose: flags & 3,
            link_header: flags & 1 != 0,
            hex: flags >> 2 & 1,
            hex_ascii: (flags >> 1) & 1,
            ..Options::default()
        };
        let frame = Frame { orig_len: data.len() as u32 + extra, data, linktype, ..Frame::default() };
        let mut out = Vec::new();
        Tcpdump::new(opts).print(Numbers { printed: 1, in_file: 1 }, &FrameView::new(&frame), &mut out);
        proptest::prop_assert!(out.ends_with(b"\n"));
    }
}

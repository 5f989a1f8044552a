//! The packet hooks end to end: scheduling, connection states and
//! counters, persistence, thresholds, NAT replies, the kernel's errors.

use super::control::DestSpec;
use super::dest::Forward;
use super::input::Verdict;
use super::kernel::{Ipvs, KernelConfig};
use super::packet::testkit::{tcp, udp, with_ttl};
use super::packet::Ipv4;
use super::service::{Persistence, Proto, ServiceKey, ServiceSpec};
use std::net::Ipv4Addr;

const S: u64 = 1_000_000;

fn a(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn vip() -> Ipv4Addr {
    a("192.0.2.100")
}

fn vs() -> ServiceKey {
    ServiceKey::Inet { proto: Proto::Tcp, addr: vip(), port: 80 }
}

fn director(sched: &str, forward: Forward, servers: &[&str]) -> Ipvs {
    let mut k = Ipvs::new(KernelConfig { hash: Default::default(), seed: 1, source: a("192.0.2.10") }, 0);
    let mut spec = ServiceSpec::new(vs());
    spec.scheduler = sched.into();
    k.add_service(spec, 0).unwrap();
    for s in servers {
        let mut d = DestSpec::new(a(s), 80);
        d.forward = forward;
        k.add_dest(&vs(), d).unwrap();
    }
    k
}

fn client(i: u8, port: u16) -> (Ipv4Addr, u16) {
    (Ipv4Addr::new(198, 51, 100, i), port)
}

fn send(k: &mut Ipvs, now: u64, from: (Ipv4Addr, u16), flags: &str) -> Verdict {
    k.local_in(now, &tcp(from, (vip(), 80), flags, b""), 0)
}

fn next_hop(v: &Verdict) -> Ipv4Addr {
    match v {
        Verdict::Send { next_hop, .. } => *next_hop,
        other => panic!("not sent: {other:?}"),
    }
}

fn counts(k: &Ipvs, rip: &str) -> (u32, u32, u32) {
    let d = k.service(&vs()).unwrap().dests.iter().find(|(_, d)| d.addr == a(rip)).unwrap().1;
    (d.active, d.inactive, d.persistent)
}

#[test]
fn rr_starts_with_the_last_added_server() {
    let mut k = director("rr", Forward::Route, &["192.0.2.21", "192.0.2.22"]);
    let hops: Vec<_> = (0..4).map(|i| next_hop(&send(&mut k, 0, client(1, 40000 + i), "S"))).collect();
    assert_eq!(hops, [a("192.0.2.22"), a("192.0.2.21"), a("192.0.2.22"), a("192.0.2.21")]);
}

#[test]
fn dr_connection_life_and_counters() {
    let mut k = director("rr", Forward::Route, &["192.0.2.21"]);
    let c = client(1, 40000);
    let v = send(&mut k, 0, c, "S");
    let Verdict::Send { packet, .. } = &v else { panic!() };
    assert_eq!(Ipv4::parse(packet).unwrap().ttl(), 63);
    assert_eq!(counts(&k, "192.0.2.21"), (0, 1, 0));
    assert_eq!(k.conns().next().unwrap().1.state.name(), "SYN_RECV");
    send(&mut k, S, c, "A");
    assert_eq!(counts(&k, "192.0.2.21"), (1, 0, 0));
    send(&mut k, 2 * S, c, "FA");
    let conn = k.conns().next().unwrap().1.clone();
    assert_eq!((conn.state.name(), conn.expires_in_s(2 * S)), ("FIN_WAIT", 120));
    assert_eq!(counts(&k, "192.0.2.21"), (0, 1, 0));
    k.on_timer(122 * S - 1);
    assert_eq!(k.conns().count(), 1);
    k.on_timer(122 * S);
    assert_eq!(k.conns().count(), 0);
    assert_eq!(counts(&k, "192.0.2.21"), (0, 0, 0));
    let stats = k.service(&vs()).unwrap().stats;
    assert_eq!((stats.conns, stats.inpkts, stats.outpkts), (1, 3, 0));
}

#[test]
fn only_a_syn_opens_a_connection() {
    let mut k = director("rr", Forward::Route, &["192.0.2.21"]);
    assert_eq!(send(&mut k, 0, client(1, 1), "A"), Verdict::Pass);
    assert_eq!(send(&mut k, 0, client(1, 1), "SR"), Verdict::Pass);
    assert_eq!(k.conns().count(), 0);
    k.sysctls.sloppy_tcp = true;
    assert!(matches!(send(&mut k, 0, client(1, 1), "A"), Verdict::Send { .. }));
    // Another port or address is not the service.
    assert_eq!(k.local_in(0, &tcp(client(1, 2), (vip(), 81), "S", b""), 0), Verdict::Pass);
}

#[test]
fn no_destination_answers_port_unreachable_and_logs() {
    let mut k = director("wlc", Forward::Route, &[]);
    let v = send(&mut k, 0, client(1, 40000), "S");
    let Verdict::Route(icmp) = v else { panic!("{v:?}") };
    let ip = Ipv4::parse(&icmp).unwrap();
    assert_eq!((ip.src(), ip.dst(), ip.protocol(), ip.payload()[0], ip.payload()[1]), (vip(), a("198.51.100.1"), 1, 3, 3));
    assert_eq!(k.take_log(), ["IPVS: wlc: TCP 192.0.2.100:80 - no destination available"]);
}

#[test]
fn nat_rewrites_both_ways() {
    let mut k = director("rr", Forward::Masq, &["192.0.2.21"]);
    let c = client(7, 40000);
    let v = send(&mut k, 0, c, "S");
    let Verdict::Send { packet, .. } = v else { panic!() };
    assert_eq!(Ipv4::parse(&packet).unwrap().dst(), a("192.0.2.21"));
    let reply = tcp((a("192.0.2.21"), 80), c, "SA", b"");
    let Verdict::Route(out) = k.forward(S, &reply) else { panic!() };
    let ip = Ipv4::parse(&out).unwrap();
    assert_eq!((ip.src(), ip.ports()), (vip(), Some((80, 40000))));
    send(&mut k, 2 * S, c, "A");
    assert_eq!(counts(&k, "192.0.2.21"), (1, 0, 0));
    // Server closes first: FIN_WAIT, then the client's FIN: TIME_WAIT.
    k.forward(3 * S, &tcp((a("192.0.2.21"), 80), c, "FA", b""));
    send(&mut k, 3 * S, c, "FA");
    assert_eq!(k.conns().next().unwrap().1.state.name(), "TIME_WAIT");
    let stats = k.service(&vs()).unwrap().stats;
    assert_eq!((stats.inpkts, stats.outpkts), (3, 2));
    // Unrelated forwarded traffic is not IPVS's.
    assert_eq!(k.forward(4 * S, &tcp((a("192.0.2.21"), 22), c, "A", b"")), Verdict::Pass);
}

#[test]
fn a_new_syn_on_a_closing_connection_starts_over() {
    let mut k = director("rr", Forward::Masq, &["192.0.2.21", "192.0.2.22"]);
    let c = client(1, 40000);
    let first = next_hop(&send(&mut k, 0, c, "S"));
    send(&mut k, 0, c, "R");
    // A RST in SYN_RECV is ignored (it could be spoofed); once established it closes.
    assert_eq!(k.conns().next().unwrap().1.state.name(), "SYN_RECV");
    send(&mut k, 0, c, "A");
    send(&mut k, 0, c, "R");
    assert_eq!(k.conns().next().unwrap().1.state.name(), "CLOSE");
    let second = next_hop(&send(&mut k, S, c, "S"));
    assert_ne!(first, second, "rescheduled, not reused");
    assert_eq!(k.conns().count(), 1);
}

#[test]
fn persistence_keeps_a_client_on_one_server() {
    let mut k = director("rr", Forward::Route, &["192.0.2.21", "192.0.2.22"]);
    let mut spec = ServiceSpec::new(vs());
    spec.scheduler = "rr".into();
    spec.persistence = Some(Persistence { timeout_s: 300, netmask: a("255.255.255.0") });
    k.edit_service(spec, 0).unwrap();
    let hops: Vec<_> = (0..3).map(|i| next_hop(&send(&mut k, 0, client(1, 40000 + i), "S"))).collect();
    assert!(hops.iter().all(|&h| h == hops[0]), "{hops:?}");
    // The same /24 shares the template.
    assert_eq!(next_hop(&send(&mut k, 0, client(9, 1), "S")), hops[0]);
    let tpl = k.conns().find(|(_, c)| c.template).unwrap().1.clone();
    assert_eq!((tpl.caddr, tpl.cport, tpl.vport, tpl.n_control, tpl.state.name()), (a("198.51.100.0"), 0, 80, 4, "NONE"));
    assert_eq!(counts(&k, &hops[0].to_string()).2, 1);
    // Connections gone (SYN_RECV times out in 60 s), the template lasts its 300 s.
    k.on_timer(61 * S);
    assert_eq!(k.conns().count(), 1);
    k.on_timer(300 * S);
    assert_eq!(k.conns().count(), 0);
    assert_ne!(next_hop(&send(&mut k, 301 * S, client(1, 50000), "S")), hops[0], "rr moved on");
}

#[test]
fn template_controlling_connections_waits() {
    let mut k = director("rr", Forward::Route, &["192.0.2.21"]);
    let mut spec = ServiceSpec::new(vs());
    spec.persistence = Some(Persistence { timeout_s: 10, netmask: Ipv4Addr::BROADCAST });
    k.edit_service(spec, 0).unwrap();
    let c = client(1, 40000);
    send(&mut k, 0, c, "S");
    send(&mut k, 0, c, "A");
    k.on_timer(10 * S);
    let tpl = k.conns().find(|(_, c)| c.template).unwrap().1.clone();
    assert_eq!((tpl.timeout_s, tpl.expires_in_s(10 * S)), (60, 60));
}

#[test]
fn upper_threshold_overloads_and_lower_clears() {
    let mut k = director("rr", Forward::Route, &[]);
    for rip in ["192.0.2.21", "192.0.2.22"] {
        let mut d = DestSpec::new(a(rip), 80);
        d.u_threshold = 2;
        d.l_threshold = 1;
        k.add_dest(&vs(), d).unwrap();
    }
    let hops: Vec<_> = (0..5).map(|i| next_hop_or_none(&send(&mut k, 0, client(1, 100 + i), "S"))).collect();
    assert_eq!(hops, [Some(a("192.0.2.22")), Some(a("192.0.2.21")), Some(a("192.0.2.22")), Some(a("192.0.2.21")), None]);
    let log = k.take_log();
    assert_eq!(log, ["IPVS: rr: TCP 192.0.2.100:80 - no destination available"]);
    // SYN_RECV connections time out after 60 s; below 1 connection OVERLOAD clears.
    k.on_timer(60 * S);
    assert!(matches!(send(&mut k, 61 * S, client(1, 200), "S"), Verdict::Send { .. }));
}

fn next_hop_or_none(v: &Verdict) -> Option<Ipv4Addr> {
    match v {
        Verdict::Send { next_hop, .. } => Some(*next_hop),
        _ => None,
    }
}

#[test]
fn deleted_server_connections_drop_or_expire() {
    let mut k = director("rr", Forward::Route, &["192.0.2.21", "192.0.2.22"]);
    let c = client(1, 40000);
    let first = next_hop(&send(&mut k, 0, c, "S"));
    k.del_dest(&vs(), first, 80).unwrap();
    assert_eq!(send(&mut k, S, c, "A"), Verdict::Drop);
    assert_eq!(k.conns().count(), 1, "kept, silently dropping");
    k.sysctls.expire_nodest_conn = true;
    // Expired; the ACK cannot open a new connection: it goes to the local stack.
    assert_eq!(send(&mut k, 2 * S, c, "A"), Verdict::Pass);
    assert_eq!(k.conns().count(), 0);
    let gone = k.pool.iter().find(|d| d.addr == first).unwrap();
    assert_eq!((gone.active, gone.inactive, gone.available), (0, 0, false));
}

#[test]
fn fwmark_service_matches_marked_packets() {
    let mut k = Ipvs::new(KernelConfig { hash: Default::default(), seed: 1, source: a("192.0.2.10") }, 0);
    let key = ServiceKey::Fwmark(3);
    k.add_service(ServiceSpec::new(key), 0).unwrap();
    k.add_dest(&key, DestSpec::new(a("192.0.2.21"), 0)).unwrap();
    let p = tcp(client(1, 40000), (vip(), 80), "S", b"");
    assert_eq!(k.local_in(0, &p, 0), Verdict::Pass, "unmarked");
    let v = k.local_in(0, &p, 3);
    assert_eq!(next_hop(&v), a("192.0.2.21"));
    assert_eq!(k.conns().next().unwrap().1.dport, 80, "port 0 server takes the packet's port");
}

#[test]
fn udp_connections_are_inactive_with_the_udp_timeout() {
    let mut k = Ipvs::new(KernelConfig { hash: Default::default(), seed: 1, source: a("192.0.2.10") }, 0);
    let key = ServiceKey::Inet { proto: Proto::Udp, addr: vip(), port: 53 };
    k.add_service(ServiceSpec::new(key), 0).unwrap();
    k.add_dest(&key, DestSpec::new(a("192.0.2.21"), 53)).unwrap();
    k.local_in(0, &udp(client(1, 5000), (vip(), 53), b"q"), 0);
    let (_, c) = k.conns().next().unwrap();
    assert_eq!((c.state.name(), c.timeout_s, c.inactive), ("UDP", 300, true));
}

#[test]
fn ttl_running_out_is_answered_with_time_exceeded() {
    let mut k = director("rr", Forward::Route, &["192.0.2.21"]);
    let p = with_ttl(tcp(client(1, 40000), (vip(), 80), "S", b""), 1);
    let Verdict::Route(icmp) = k.local_in(0, &p, 0) else { panic!() };
    let ip = Ipv4::parse(&icmp).unwrap();
    assert_eq!((ip.src(), ip.payload()[0], ip.payload()[1]), (a("192.0.2.10"), 11, 0));
}

#[test]
fn rates_follow_the_two_second_estimator() {
    let mut k = director("rr", Forward::Route, &["192.0.2.21"]);
    for i in 0..20u64 {
        send(&mut k, i * S / 10, client(1, 1000 + i as u16), "S");
    }
    k.on_timer(2 * S);
    // 20 connections in 2 s: 10/s, a quarter folded in after one sample:
    // (20 << 9 >> 2) = 2560, read as (2560 + 511) >> 10.
    assert_eq!(k.service(&vs()).unwrap().rates.cps, 2);
}

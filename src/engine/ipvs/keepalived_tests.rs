//! keepalived's defaults and corrections for `virtual_server` blocks.

use super::dest::Forward;
use super::keepalived::setup;
use super::service::{Proto, ServiceKey};
use crate::scenario::conf::{LbKind, Protocol, RealServer, Span, VirtualServer, VsAddr};

fn rs(addr: &str, port: Option<u16>) -> RealServer {
    RealServer { addr: addr.parse().unwrap(), port, weight: None, inhibit_on_failure: false, checkers: vec![], span: Span::default() }
}

fn vs(addr: VsAddr) -> VirtualServer {
    VirtualServer {
        addr,
        delay_loop_us: None,
        lb_algo: None,
        lb_kind: None,
        persistence_timeout_s: None,
        persistence_granularity: None,
        protocol: None,
        sorry_server: None,
        quorum: None,
        real_servers: vec![rs("192.0.2.21", Some(80))],
        span: Span::default(),
    }
}

fn ip(port: u16) -> VsAddr {
    VsAddr::Ip { addr: "192.0.2.100".parse().unwrap(), port }
}

#[test]
fn defaults_are_udp_wlc_nat_and_logged() {
    let s = setup(&[vs(ip(80))]).unwrap();
    assert_eq!(
        s.log,
        [
            "Virtual server [192.0.2.100]:none:80: no protocol set - defaulting to UDP",
            "Virtual server [192.0.2.100]:udp:80: no scheduler set, setting default 'wlc'",
            "Virtual server [192.0.2.100]:udp:80: no forwarding method set, setting default NAT",
        ]
    );
    let v = &s.services[0];
    assert_eq!(v.spec.key, ServiceKey::Inet { proto: Proto::Udp, addr: "192.0.2.100".parse().unwrap(), port: 80 });
    assert_eq!((v.spec.scheduler.as_str(), v.delay_loop_us), ("wlc", 60_000_000));
    assert_eq!((v.real_servers[0].dest.forward, v.real_servers[0].dest.weight), (Forward::Masq, 1));
}

#[test]
fn seed_fwmark_block() {
    // Seed 002: virtual_server fwmark 3 { lb_algo rr; lb_kind DR; persistence_timeout 0; protocol TCP; real_server … 80 }.
    let mut v = vs(VsAddr::Fwmark(3));
    v.lb_algo = Some("rr".into());
    v.lb_kind = Some(LbKind::Dr);
    v.persistence_timeout_s = Some(0);
    v.protocol = Some(Protocol::Tcp);
    v.real_servers.push(rs("192.0.2.22", Some(80)));
    let s = setup(&[v]).unwrap();
    assert_eq!(
        s.log,
        [
            "Warning: Virtual server FWM 3: protocol specified for fwmark - protocol will be ignored",
            "WARNING - fwmark virtual server FWM 3, real server [192.0.2.21]:none:80 has port specified - clearing",
            "WARNING - fwmark virtual server FWM 3, real server [192.0.2.22]:none:80 has port specified - clearing",
        ]
    );
    let v = &s.services[0];
    assert_eq!((v.spec.key, v.spec.persistence), (ServiceKey::Fwmark(3), None));
    assert_eq!(v.real_servers[1].dest.port, 0);
}

#[test]
fn dr_ports_follow_the_service_and_persistence_defaults() {
    let mut v = vs(ip(80));
    v.protocol = Some(Protocol::Tcp);
    v.lb_algo = Some("rr".into());
    v.lb_kind = Some(LbKind::Dr);
    v.persistence_timeout_s = Some(50);
    v.real_servers = vec![rs("192.0.2.21", Some(8080)), rs("192.0.2.22", None), rs("192.0.2.22", Some(80))];
    let s = setup(&[v]).unwrap();
    assert_eq!(
        s.log,
        [
            "WARNING - virtual server [192.0.2.100]:tcp:80 and real server [192.0.2.21]:tcp:8080 ports don't match - resetting",
            "VS [192.0.2.100]:tcp:80: real server [192.0.2.22]:tcp:80 is duplicated - removing second rs",
        ]
    );
    let v = &s.services[0];
    assert_eq!(v.spec.persistence.map(|p| p.timeout_s), Some(50));
    assert_eq!(v.real_servers.iter().map(|r| r.dest.port).collect::<Vec<_>>(), [80, 80]);
}

#[test]
fn zero_port_becomes_persistent() {
    let mut v = vs(ip(0));
    v.protocol = Some(Protocol::Tcp);
    v.lb_algo = Some("rr".into());
    v.lb_kind = Some(LbKind::Nat);
    let s = setup(&[v]).unwrap();
    assert_eq!(s.log, ["Virtual server [192.0.2.100]:tcp:0: zero port only valid for persistent services - setting"]);
    assert_eq!(s.services[0].spec.persistence.map(|p| p.timeout_s), Some(360));
}

#[test]
fn groups_and_ipv6_are_errors_sorry_server_a_note() {
    assert!(setup(&[vs(VsAddr::Group("g".into()))]).is_err());
    assert!(setup(&[vs(VsAddr::Ip { addr: "2001:db8::1".parse().unwrap(), port: 80 })]).is_err());
    let mut v = vs(ip(80));
    v.sorry_server = Some(("192.0.2.30".parse().unwrap(), 80));
    assert_eq!(setup(&[v]).unwrap().unsupported.len(), 1);
}

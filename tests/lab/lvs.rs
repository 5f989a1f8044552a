//! LVS-DR for real (interop test 4): the engine's director in userspace,
//! real servers whose kernels hold the VIP on lo under their own
//! arp_ignore/arp_announce, a client fetching through the router.

use super::*;
use vrrplab::analyze::report::{Finding, Severity};
use vrrplab::analyze::Analyzer;
use vrrplab::scenario::builtin;

const VIP: &str = "192.0.2.100";
const DIRECTOR_MAC: &str = "02:00:00:00:00:10";
const RS2_MAC: &str = "02:00:00:00:00:16";

/// A DR builtin with `count` requests, every 300 ms from 0.5 s.
fn dr(name: &str, count: u32) -> Scenario {
    let mut s = builtin::get(name).unwrap();
    let client = s.nodes.iter_mut().find(|n| n.name == "c1").unwrap();
    let r = client.requests.as_mut().unwrap();
    (r.count, r.start_us, r.interval_us) = (count, 500_000, 300_000);
    s.duration_us = 500_000 + u64::from(count) * 300_000 + 1_000_000;
    s
}

/// What each request of c1 got, in order: the body (the server's name) or
/// the end of curl's error.
fn answers(rec: &vrrplab::lab::run::Recording) -> Vec<String> {
    rec.log
        .iter()
        .filter(|l| l.node == "c1" && l.text.starts_with("curl: request "))
        .map(|l| l.text.rsplit(": ").next().unwrap().to_string())
        .collect()
}

fn findings(frames: &[Frame]) -> Vec<Finding> {
    let mut a = Analyzer::new();
    for f in frames {
        a.feed(f);
    }
    a.finish().findings
}

fn no_namespace_left(lab: &str) {
    let left: Vec<String> = ip_netns_list().into_iter().filter(|n| n == lab || n.starts_with(&format!("{lab}."))).collect();
    assert!(left.is_empty(), "namespaces left behind: {left:?}");
}

#[test]
fn ten_requests_through_the_dr_director_alternate_between_the_real_servers() {
    let Some(_serial) = lab_env(false) else { return };
    let rec = run(&dr("lvs-dr", 10), &capture_opts()).unwrap();
    no_namespace_left(&rec.lab);
    let got = answers(&rec);
    assert_eq!(got.len(), 10, "{:#?}", rec.log);
    assert!(got.iter().all(|b| b == "rs1" || b == "rs2"), "{got:?}");
    assert!(got.windows(2).all(|w| w[0] != w[1]), "rr alternates: {got:?}");
    // The servers' kernels answered from the VIP, to the client directly.
    assert!(logged(&rec, "rs1", "web: 198.51.100.10:") && logged(&rec, "rs2", "web: 198.51.100.10:"));

    let found = findings(&rec.frames);
    let dr = found.iter().find(|f| f.kind == "lvs_dr").unwrap_or_else(|| panic!("no DR forwarding seen: {found:#?}"));
    assert!(dr.message.contains(&format!("director {DIRECTOR_MAC}")), "{}", dr.message);
    assert!(dr.message.contains("02:00:00:00:00:15 ×5, 02:00:00:00:00:16 ×5"), "{}", dr.message);
    assert!(dr.message.contains("fit rr"), "{}", dr.message);
    // Only the director answered ARP for the VIP.
    assert!(found.iter().all(|f| f.severity < Severity::Warn), "{found:#?}");
}

#[test]
fn a_real_server_without_arp_ignore_answers_for_the_vip_and_the_analyzer_says_so() {
    let Some(_serial) = lab_env(false) else { return };
    let rec = run(&dr("lvs-dr-arp-unset", 4), &capture_opts()).unwrap();
    no_namespace_left(&rec.lab);
    let got = answers(&rec);
    assert_eq!(got.len(), 4, "{:#?}", rec.log);
    assert!(got.iter().all(|b| b == "rs1" || b == "rs2"), "{got:?}");
    // rs2's kernel answered the router's ARP for the VIP from its lo.
    let rs2_answered = rec.frames.iter().any(|f| {
        let d = decode(f.linktype, &f.data);
        d.arp().and_then(|a| vrrplab::wire::arp::Packet::new_checked(a).ok()?.ether_ipv4()).is_some_and(|p| {
            p.op == vrrplab::wire::arp::OP_REPLY && p.spa == VIP.parse::<std::net::Ipv4Addr>().unwrap() && p.sha == [2, 0, 0, 0, 0, 0x16]
        })
    });
    assert!(rs2_answered);
    let found = findings(&rec.frames);
    let flagged = found.iter().find(|f| {
        matches!(f.kind, "arp_conflict" | "vip_answered_by_other") && f.message.contains(RS2_MAC) && f.message.contains(VIP)
    });
    let flagged = flagged.unwrap_or_else(|| panic!("rs2 not flagged: {found:#?}"));
    assert!(flagged.severity >= Severity::Warn);
    assert!(flagged.cause.as_deref().is_some_and(|c| c.contains("arp_ignore")), "{flagged:?}");
}

#[test]
fn iptables_lines_become_the_real_servers_nftables_rules() {
    let Some(_serial) = lab_env(true) else { return };
    let mut s = dr("lvs-dr", 4);
    let rs1 = s.nodes.iter_mut().find(|n| n.name == "rs1").unwrap();
    rs1.iptables = vec!["iptables -A INPUT -d 192.0.2.100 -p tcp -m tcp --dport 80 -j REJECT".into()];
    let rec = run(&s, &capture_opts()).unwrap();
    let got = answers(&rec);
    // rr still alternates; rs1's kernel now refuses what it is sent.
    // (curl: (7) Failed to connect to 192.0.2.100 port 80: Connection refused)
    let refused = "Connection refused";
    assert_eq!(got, ["rs2", refused, "rs2", refused], "{:#?}", rec.log);
    assert!(!logged(&rec, "rs1", "web: "));
}

/// The DR cluster with keepalived's virtual_server on the director instead
/// of ipvsadm: TCP_CHECKs every second, and rs1's check fails at 0.5 s.
const CHECKED_DR: &str = r#"
[run]
duration = "6s"

[[node]]
name = "gw"
ip = ["198.51.100.1/24", "192.0.2.1/24"]
mac = "02:00:00:00:00:01"
role = "router"
ip_forward = true

[[node]]
name = "c1"
ip = "198.51.100.10/24"
mac = "02:00:00:00:00:0a"
role = "client"
gateway = "198.51.100.1"

[node.requests]
to = "192.0.2.100:80"
count = 4
start = "4s"
interval = "300ms"

[[node]]
name = "d1"
ip = ["192.0.2.10/24", "192.0.2.100/32"]
mac = "02:00:00:00:00:10"
role = "director"
gateway = "192.0.2.1"
keepalived_conf = """
virtual_server 192.0.2.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 192.0.2.21 80 {
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
    real_server 192.0.2.22 80 {
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
}
"""

[[node]]
name = "rs1"
ip = "192.0.2.21/24"
mac = "02:00:00:00:00:15"
role = "real_server"
gateway = "192.0.2.1"
vip_on_lo = "192.0.2.100"
arp_ignore = 1
arp_announce = 2

[[node]]
name = "rs2"
ip = "192.0.2.22/24"
mac = "02:00:00:00:00:16"
role = "real_server"
gateway = "192.0.2.1"
vip_on_lo = "192.0.2.100"
arp_ignore = 1
arp_announce = 2

[[event]]
at = "500ms"
action = "check_fail"
node = "d1"
real_server = "192.0.2.21:80"
"#;

#[test]
fn check_fail_takes_the_real_server_out_of_the_engine_directors_table() {
    let Some(_serial) = lab_env(false) else { return };
    let s = vrrplab::scenario::toml::parse(CHECKED_DR, std::path::Path::new("checked-dr.toml")).unwrap();
    let rec = run(&s, &capture_opts()).unwrap();
    assert!(logged(&rec, "d1", "Removing service [192.0.2.21]:tcp:80 from VS [192.0.2.100]:tcp:80"), "{:#?}", rec.log);
    assert_eq!(answers(&rec), ["rs2"; 4], "{:#?}", rec.log);
}

//! The built-in LVS scenarios end to end: who answered each request, what
//! the directors' tables say, and what the wire carried.

use vrrplab::engine::ipvs::ipvsadm::{format, Format, ListWhat};
use vrrplab::engine::ipvs::packet::Ipv4;
use vrrplab::scenario::builtin;
use vrrplab::sim::build::build;
use vrrplab::sim::log::Kind;
use vrrplab::sim::World;

struct Run {
    world: World,
    names: Vec<String>,
}

fn run(name: &str) -> Run {
    let s = builtin::get(name).unwrap_or_else(|e| panic!("builtin {name}: {e}"));
    let mut world = build(&s, None).expect("builds").world;
    world.keep_frames();
    world.run_until(s.duration_us).unwrap();
    let names = world.node_names();
    Run { world, names }
}

impl Run {
    /// `(node, daemon, line)` of every log line.
    fn lines(&self) -> Vec<(String, String, String)> {
        self.world
            .log()
            .iter()
            .filter_map(|e| match &e.kind {
                Kind::Log { daemon, line } => Some((self.names[e.node?].clone(), daemon.clone(), line.clone())),
                _ => None,
            })
            .collect()
    }

    /// What each of `client`'s requests returned, by request number.
    fn answers(&self, client: &str) -> Vec<(u32, String)> {
        let mut v: Vec<(u32, String)> = self
            .lines()
            .into_iter()
            .filter(|(n, d, _)| n == client && d == "curl")
            .filter_map(|(_, _, l)| {
                let rest = l.strip_prefix("request ")?;
                let (num, tail) = rest.split_once(' ')?;
                Some((num.parse().ok()?, tail.split_once(": ")?.1.to_string()))
            })
            .collect();
        v.sort();
        v
    }

    fn ln(&self, node: &str) -> String {
        let n = self.names.iter().position(|x| x == node).unwrap();
        let (_, ipvs) = self.world.ipvs_tables().into_iter().find(|(i, _)| *i == n).expect("a director");
        format::list(ipvs, ListWhat::All, &Format { numeric: true, ..Format::default() }, self.world.now()).unwrap()
    }

    /// The IPv4 packets on the wire with their Ethernet source and destination.
    fn ip_frames(&self) -> Vec<([u8; 6], [u8; 6], Vec<u8>)> {
        self.world
            .frames()
            .iter()
            .filter(|f| f.data.len() > 14 && f.data[12..14] == [8, 0])
            .map(|f| (f.data[0..6].try_into().unwrap(), f.data[6..12].try_into().unwrap(), f.data[14..].to_vec()))
            .collect()
    }
}

fn names(answers: &[(u32, String)]) -> Vec<&str> {
    answers.iter().map(|(_, a)| a.as_str()).collect()
}

#[test]
fn dr_alternates_and_only_the_mac_changes() {
    let r = run("lvs-dr");
    assert_eq!(names(&r.answers("c1")), ["rs2", "rs1", "rs2", "rs1", "rs2", "rs1"]);
    let ln = r.ln("d1");
    assert!(ln.contains("TCP  192.0.2.100:80 rr\n"), "{ln}");
    assert!(ln.contains("  -> 192.0.2.21:80                Route   1      0          3         \n"), "{ln}");
    // Every SYN the director forwards keeps CIP→VIP and goes to a real server's MAC.
    let dir = [2, 0, 0, 0, 0, 0x10];
    let forwarded: Vec<_> = r.ip_frames().into_iter().filter(|(_, src, p)| *src == dir && Ipv4::parse(p).is_some_and(|ip| ip.protocol() == 6)).collect();
    assert!(!forwarded.is_empty());
    for (dst, _, p) in &forwarded {
        let ip = Ipv4::parse(p).unwrap();
        assert_eq!((ip.src().to_string(), ip.dst().to_string()), ("198.51.100.10".into(), "192.0.2.100".into()));
        assert!(*dst == [2, 0, 0, 0, 0, 21] || *dst == [2, 0, 0, 0, 0, 22]);
    }
    // Replies go straight from the real servers to the router, from the VIP.
    let replies = r.ip_frames().into_iter().filter(|(_, src, _)| src[5] == 21 || src[5] == 22).count();
    assert!(replies > 0);
}

#[test]
fn rs_without_arp_ignore_steals_the_vip() {
    let r = run("lvs-dr-arp-unset");
    assert_eq!(names(&r.answers("c1")), ["rs2"; 6]);
    assert!(r.ln("d1").contains("  -> 192.0.2.22:80                Route   1      0          0         \n"));
    // Two MACs answered ARP for the VIP.
    let answered: std::collections::BTreeSet<[u8; 6]> = r
        .world
        .frames()
        .iter()
        .filter(|f| f.data.len() >= 42 && f.data[12..14] == [8, 6] && f.data[21] == 2 && f.data[28..32] == [192, 0, 2, 100])
        .map(|f| f.data[22..28].try_into().unwrap())
        .collect();
    assert_eq!(answered.len(), 2, "{answered:?}");
}

#[test]
fn nat_rewrites_and_snats() {
    let r = run("lvs-nat");
    assert_eq!(names(&r.answers("c1")), ["rs2", "rs1", "rs2", "rs1", "rs2", "rs1"]);
    let frames = r.ip_frames();
    let inside = frames.iter().filter_map(|(_, _, p)| Ipv4::parse(p)).filter(|ip| ip.ports().is_some_and(|(_, d)| d == 8080));
    assert!(inside.clone().all(|ip| ip.src().to_string() == "198.51.100.10"));
    assert!(inside.count() > 0, "CIP → RIP:8080 inside");
    let outside = frames.iter().filter_map(|(_, _, p)| Ipv4::parse(p)).filter(|ip| ip.dst().to_string() == "198.51.100.10" && ip.ports().is_some());
    assert!(outside.clone().all(|ip| ip.src().to_string() == "192.0.2.100" || ip.src().to_string().starts_with("192.0.2.2")));
    assert!(outside.filter(|ip| ip.src().to_string() == "192.0.2.100").count() > 0, "VIP → CIP after SNAT");
    assert!(r.ln("d1").contains("Masq"));
}

#[test]
fn tun_wraps_and_real_servers_unwrap() {
    let r = run("lvs-tun");
    assert_eq!(r.answers("c1").len(), 6);
    let ipip: Vec<_> = r.ip_frames().into_iter().filter_map(|(_, _, p)| Ipv4::parse(&p).map(|ip| (ip.protocol(), ip.src(), ip.payload().to_vec()))).filter(|x| x.0 == 4).collect();
    assert!(!ipip.is_empty());
    for (_, src, inner) in &ipip {
        assert_eq!(src.to_string(), "192.0.2.10");
        assert_eq!(Ipv4::parse(inner).unwrap().dst().to_string(), "192.0.2.100");
    }
}

#[test]
fn persistence_keeps_each_client_on_one_server() {
    let r = run("lvs-persistence");
    let c1 = names(&r.answers("c1")).into_iter().map(String::from).collect::<Vec<_>>();
    let c2 = names(&r.answers("c2")).into_iter().map(String::from).collect::<Vec<_>>();
    assert_eq!(c1.len(), 4);
    assert!(c1.iter().all(|a| *a == c1[0]) && c2.iter().all(|a| *a == c2[0]));
    assert_ne!(c1[0], c2[0], "rr gave the second client the other server");
    assert!(r.ln("d1").contains("rr persistent 50"));
}

#[test]
fn keepalived_failover_resets_connections_in_flight() {
    let r = run("lvs-failover");
    let answers = r.answers("c1");
    let ok = answers.iter().filter(|(_, a)| a.starts_with("rs")).count();
    let reset = answers.iter().filter(|(_, a)| a.contains("Connection reset by peer")).count();
    assert!(ok >= 90 && reset >= 1, "{ok} ok, {reset} reset: {answers:?}");
    let lines = r.lines();
    assert!(lines.iter().any(|(n, d, l)| n == "d2" && d == "Keepalived_vrrp" && l == "(VI_1) Entering MASTER STATE"));
    assert!(lines.iter().any(|(n, _, l)| n == "d1" && l == "Activating healthchecker for service [192.0.2.21]:tcp:80 for VS [192.0.2.100]:tcp:80"));
}

#[test]
fn two_boxes_loop_until_the_ttl_runs_out() {
    let r = run("lvs-two-box-loop");
    let answers = r.answers("c1");
    assert!(answers.iter().any(|(_, a)| a.ends_with("No route to host")), "{answers:?}");
    // A SYN bounced between a and b with a falling TTL, ending in ICMP time exceeded.
    let frames = r.ip_frames();
    let ttls: std::collections::BTreeSet<u8> = frames
        .iter()
        .filter_map(|(_, _, p)| Ipv4::parse(p))
        .filter(|ip| ip.dst().to_string() == "192.0.2.100" && ip.tcp_flags() == Some(0x02))
        .map(|ip| ip.ttl())
        .collect();
    assert!(ttls.contains(&1) && ttls.len() > 50, "{ttls:?}");
    assert!(frames.iter().filter_map(|(_, _, p)| Ipv4::parse(p)).any(|ip| ip.protocol() == 1 && ip.payload()[0] == 11));
}

#[test]
fn both_fixes_serve_every_request_from_both_boxes() {
    for name in ["lvs-two-box-fwmark", "lvs-two-box-bypass"] {
        let r = run(name);
        let answers = r.answers("c1");
        assert_eq!(answers.len(), 6, "{name}: {answers:?}");
        let set: std::collections::BTreeSet<&str> = names(&answers).into_iter().collect();
        assert_eq!(set, ["a", "b"].into_iter().collect(), "{name}");
    }
}

#[test]
fn sim_prints_the_directors_ipvsadm_tables() {
    let out = assert_cmd::Command::cargo_bin("vrrplab").unwrap().args(["sim", "builtin:lvs-nat", "--ipvsadm"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let at = text.find("== d1 ==\n# ipvsadm -Ln\n").expect("d1's tables");
    let tables = &text[at..];
    for header in ["# ipvsadm -Ln --stats\n", "# ipvsadm -Ln --rate\n", "# ipvsadm -Lnc\n"] {
        assert!(tables.contains(header), "{header}");
    }
    assert!(tables.contains("  -> 192.0.2.21:8080              Masq    1      0          3         \n"), "{tables}");
    assert!(tables.contains("IPVS connection entries\npro expire state       source             virtual            destination\n"));
    // Routers and real servers have no table.
    assert!(!tables.contains("== rs1 ==") && !tables.contains("== gw =="));
}

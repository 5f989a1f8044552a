//! Built-in LVS scenarios: the seed articles' LVS-DR cluster, LVS-NAT and
//! LVS-TUN, keepalived directors failing over, the two-box cluster and its
//! two fixes, persistence. All on one LAN with documentation addresses:
//! the client 198.51.100.10 reaches 192.0.2.0/24 through the router `gw`
//! (198.51.100.1 / 192.0.2.1); directors are 192.0.2.10/.11, real servers
//! 192.0.2.21/.22, the VIP is 192.0.2.100.

use super::conf::{
    Auth, AuthKind, Checker, CheckerKind, CheckerOpts, GlobalDefs, InitialState, KeepalivedConf, LbKind, Protocol, RealServer,
    Vip, VirtualServer, VrrpInstance, VsAddr,
};
use super::model::{Action, Event, IfAddr, Node, Requests, Role, Scenario};
use std::net::{IpAddr, Ipv4Addr};

const S: u64 = 1_000_000;
const VIP: &str = "192.0.2.100";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

fn addr(s: &str, prefix: u8) -> IfAddr {
    IfAddr { addr: ip(s), prefix }
}

fn mac(last: u8) -> [u8; 6] {
    [0x02, 0, 0, 0, 0, last]
}

/// The router between the client's network and the LVS LAN.
fn gw() -> Node {
    Node {
        name: "gw".into(),
        addrs: vec![addr("198.51.100.1", 24), addr("192.0.2.1", 24)],
        mac: mac(0x01),
        role: Role::Router,
        ip_forward: true,
        ..Default::default()
    }
}

fn client(name: &str, last: u8, count: u32, start: f64, interval_ms: u64) -> Node {
    Node {
        name: name.into(),
        addrs: vec![addr(&format!("198.51.100.{last}"), 24)],
        mac: mac(last),
        role: Role::Client,
        gateway: Some(ip("198.51.100.1")),
        requests: Some(Requests {
            to: format!("{VIP}:80").parse().unwrap_or_else(|_| std::net::SocketAddr::from(([0, 0, 0, 0], 80))),
            count,
            start_us: (start * S as f64) as u64,
            interval_us: interval_ms * 1000,
        }),
        ..Default::default()
    }
}

/// A DR real server: VIP on lo, arp_ignore 1, arp_announce 2 (the seed's lvs_rs.sh).
fn dr_rs(name: &str, last: u8) -> Node {
    Node {
        name: name.into(),
        addrs: vec![addr(&format!("192.0.2.{last}"), 24)],
        mac: mac(last),
        role: Role::RealServer,
        vip_on_lo: vec![ip(VIP)],
        arp_ignore: 1,
        arp_announce: 2,
        gateway: Some(ip("192.0.2.1")),
        ..Default::default()
    }
}

/// A director with the VIP configured by hand (`ifconfig eth0:0 $vip`).
fn director(ipvsadm: &[&str], ip_forward: bool) -> Node {
    Node {
        name: "d1".into(),
        addrs: vec![addr("192.0.2.10", 24), addr(VIP, 32)],
        mac: mac(0x10),
        role: Role::Director,
        ipvsadm: ipvsadm.iter().map(|s| s.to_string()).collect(),
        gateway: Some(ip("192.0.2.1")),
        ip_forward,
        ..Default::default()
    }
}

fn scenario(description: &str, secs: u64, nodes: Vec<Node>, events: Vec<Event>) -> Scenario {
    Scenario { name: String::new(), description: description.into(), duration_us: secs * S, seed: 1, loss: 0.0, jitter_us: 0, nodes, events }
}

const DR_SCRIPT: [&str; 4] = [
    "-C",
    "-A -t 192.0.2.100:80 -s rr",
    "-a -t 192.0.2.100:80 -r 192.0.2.21:80 -g -w 1",
    "-a -t 192.0.2.100:80 -r 192.0.2.22:80 -g -w 1",
];

pub fn dr() -> Scenario {
    scenario(
        "LVS-DR (the seed's lvs_dr.sh): the director d1 holds the VIP and changes only the destination MAC; \
         rs1 and rs2 hold the VIP on lo with arp_ignore=1/arp_announce=2 and answer the client directly. \
         Six requests alternate between the two (rs2 first: the kernel lists the last added server first).",
        10,
        vec![gw(), client("c1", 10, 6, 1.0, 1000), director(&DR_SCRIPT, false), dr_rs("rs1", 21), dr_rs("rs2", 22)],
        vec![],
    )
}

pub fn dr_arp_unset() -> Scenario {
    let mut rs2 = dr_rs("rs2", 22);
    rs2.arp_ignore = 0;
    rs2.arp_announce = 0;
    scenario(
        "The same DR cluster with arp_ignore/arp_announce left at 0 on rs2: rs2 answers the router's ARP \
         request for the VIP (before the director does), so every request goes straight to rs2 and the \
         director sees nothing.",
        10,
        vec![gw(), client("c1", 10, 6, 1.0, 1000), rs2, director(&DR_SCRIPT, false), dr_rs("rs1", 21)],
        vec![],
    )
}

/// A NAT real server: no VIP, the director as its gateway.
fn nat_rs(name: &str, last: u8) -> Node {
    Node {
        name: name.into(),
        addrs: vec![addr(&format!("192.0.2.{last}"), 24)],
        mac: mac(last),
        role: Role::RealServer,
        gateway: Some(ip("192.0.2.10")),
        ..Default::default()
    }
}

pub fn nat() -> Scenario {
    scenario(
        "LVS-NAT: the director rewrites CIP→VIP:80 to CIP→RIP:8080 and is the real servers' gateway, so \
         their replies come back through it and leave as VIP:80→CIP.",
        10,
        vec![
            gw(),
            client("c1", 10, 6, 1.0, 1000),
            director(
                &["-A -t 192.0.2.100:80 -s rr", "-a -t 192.0.2.100:80 -r 192.0.2.21:8080 -m", "-a -t 192.0.2.100:80 -r 192.0.2.22:8080 -m"],
                true,
            ),
            nat_rs("rs1", 21),
            nat_rs("rs2", 22),
        ],
        vec![],
    )
}

pub fn tun() -> Scenario {
    scenario(
        "LVS-TUN: the director wraps each client packet in IPIP (192.0.2.10→RIP); the real servers \
         unwrap it (VIP on tunl0/lo) and answer the client directly.",
        10,
        vec![
            gw(),
            client("c1", 10, 6, 1.0, 1000),
            director(&["-A -t 192.0.2.100:80 -s wrr", "-a -t 192.0.2.100:80 -r 192.0.2.21 -i -w 2", "-a -t 192.0.2.100:80 -r 192.0.2.22 -i -w 1"], false),
            dr_rs("rs1", 21),
            dr_rs("rs2", 22),
        ],
        vec![],
    )
}

pub fn persistence() -> Scenario {
    let mut d = director(&["-A -t 192.0.2.100:80 -s rr -p 50", "-a -t 192.0.2.100:80 -r 192.0.2.21 -g", "-a -t 192.0.2.100:80 -r 192.0.2.22 -g"], false);
    d.name = "d1".into();
    scenario(
        "Persistence (the seed's persistence_timeout 50): each client sticks to the real server its first \
         connection got, through a template that -Lnc shows with client port 0.",
        10,
        vec![gw(), client("c1", 10, 4, 1.0, 1000), client("c2", 11, 4, 1.5, 1000), d, dr_rs("rs1", 21), dr_rs("rs2", 22)],
        vec![],
    )
}

fn tcp_check() -> Checker {
    Checker {
        kind: CheckerKind::TcpCheck,
        opts: CheckerOpts { connect_timeout_us: Some(3 * S), ..Default::default() },
        span: Default::default(),
    }
}

fn real_server(a: &str) -> RealServer {
    RealServer { addr: ip(a), port: Some(80), weight: Some(1), inhibit_on_failure: false, checkers: vec![tcp_check()], span: Default::default() }
}

fn virtual_server(target: VsAddr, servers: &[&str]) -> VirtualServer {
    VirtualServer {
        addr: target,
        delay_loop_us: Some(6 * S),
        lb_algo: Some("rr".into()),
        lb_kind: Some(LbKind::Dr),
        persistence_timeout_s: Some(0),
        persistence_granularity: None,
        protocol: Some(Protocol::Tcp),
        sorry_server: None,
        quorum: None,
        real_servers: servers.iter().map(|a| real_server(a)).collect(),
        span: Default::default(),
    }
}

fn instance(state: InitialState, priority: u8) -> VrrpInstance {
    VrrpInstance {
        name: "VI_1".into(),
        state: Some(state),
        interface: Some("eth0".into()),
        vrid: 51,
        priority: Some(priority),
        advert_int_us: Some(S),
        auth: Some(Auth { kind: AuthKind::Pass, pass: "1111".into() }),
        vips: vec![Vip { addr: ip(VIP), prefix: 32, dev: None, label: None }],
        ..Default::default()
    }
}

fn keepalived(router_id: &str, inst: VrrpInstance, vs: VirtualServer) -> KeepalivedConf {
    KeepalivedConf {
        global: GlobalDefs { router_id: Some(router_id.into()), ..Default::default() },
        instances: vec![inst],
        virtual_servers: vec![vs],
        ..Default::default()
    }
}

fn keepalived_director(name: &str, last: u8, state: InitialState, priority: u8, vs: VirtualServer) -> Node {
    Node {
        name: name.into(),
        addrs: vec![addr(&format!("192.0.2.{last}"), 24)],
        mac: mac(0x10 + last - 10),
        role: Role::Director,
        keepalived: Some(keepalived(name, instance(state, priority), vs)),
        gateway: Some(ip("192.0.2.1")),
        ..Default::default()
    }
}

pub fn failover() -> Scenario {
    let vs = || virtual_server(VsAddr::Ip { addr: ip(VIP), port: 80 }, &["192.0.2.21", "192.0.2.22"]);
    scenario(
        "keepalived directors in DR mode (the seed's lvs+keepalived): d1 MASTER 100, d2 BACKUP 80, both with \
         the virtual_server and TCP_CHECKs. d1's link goes down at 8 s: d2 takes over after \
         Master_Down_Interval and its GARPs move the router; SYNs sent meanwhile are retransmitted. d1's \
         link comes back at 16 s and it preempts a Master_Down_Interval later: connections in flight through \
         d2 reach d1, which has no entry for them, and are reset (no connection sync).",
        24,
        vec![
            gw(),
            client("c1", 10, 100, 5.0, 150),
            keepalived_director("d1", 10, InitialState::Master, 100, vs()),
            keepalived_director("d2", 11, InitialState::Backup, 80, vs()),
            dr_rs("rs1", 21),
            dr_rs("rs2", 22),
        ],
        vec![
            Event { at_us: 8 * S, action: Action::LinkDown { node: "d1".into() } },
            Event { at_us: 16 * S, action: Action::LinkUp { node: "d1".into() } },
        ],
    )
}

/// The two-box article's nodes a (192.0.2.31) and b (192.0.2.32): each a
/// keepalived director and a real server of the same service.
fn two_box(state: InitialState, priority: u8, name: &str, last: u8, target: VsAddr) -> Node {
    let vs = virtual_server(target, &["192.0.2.31", "192.0.2.32"]);
    Node {
        name: name.into(),
        addrs: vec![addr(&format!("192.0.2.{last}"), 24)],
        mac: mac(last),
        role: Role::Director,
        keepalived: Some(keepalived(name, instance(state, priority), vs)),
        vip_on_lo: vec![ip(VIP)],
        arp_ignore: 1,
        arp_announce: 2,
        gateway: Some(ip("192.0.2.1")),
        ..Default::default()
    }
}

fn vip_80() -> VsAddr {
    VsAddr::Ip { addr: ip(VIP), port: 80 }
}

pub fn two_box_loop() -> Scenario {
    scenario(
        "Two boxes, each director and real server (keepalived loads the virtual_server on both). a is master; \
         when it schedules a request to b, b's IPVS catches it too (the VIP is on b's lo) and may send it \
         back: the SYN bounces between the boxes until its TTL runs out (ICMP time exceeded), and the \
         client's retries loop the same way.",
        140,
        vec![
            gw(),
            client("c1", 10, 6, 5.0, 1000),
            two_box(InitialState::Master, 100, "a", 31, vip_80()),
            two_box(InitialState::Backup, 50, "b", 32, vip_80()),
        ],
        vec![],
    )
}

pub fn two_box_fwmark() -> Scenario {
    let mark = |other: u8, m: u32| {
        format!(
            "iptables -t mangle -I PREROUTING -d {VIP} -p tcp -m tcp --dport 80 -m mac ! --mac-source 02:00:00:00:00:{other:02x} -j MARK --set-mark 0x{m}"
        )
    };
    let mut a = two_box(InitialState::Master, 100, "a", 31, VsAddr::Fwmark(3));
    a.iptables = vec![mark(32, 3)];
    let mut b = two_box(InitialState::Backup, 50, "b", 32, VsAddr::Fwmark(4));
    b.iptables = vec![mark(31, 4)];
    scenario(
        "Fix 1 of the two-box article: each box marks packets for the VIP unless they come from the other \
         box's MAC, and its virtual_server is that fwmark. What a forwards to b is unmarked on b, so b serves \
         it instead of scheduling it again.",
        12,
        vec![gw(), client("c1", 10, 6, 5.0, 1000), a, b],
        vec![],
    )
}

pub fn two_box_bypass() -> Scenario {
    let bypass = |n: &mut Node| {
        n.vip_on_lo.clear();
        if let Some(inst) = n.keepalived.as_mut().and_then(|k| k.instances.first_mut()) {
            inst.notify = vec![
                ("notify_master".into(), format!("/etc/keepalived/bypass_ipvs.sh del {VIP}")),
                ("notify_backup".into(), format!("/etc/keepalived/bypass_ipvs.sh add {VIP}")),
                ("notify_fault".into(), format!("/etc/keepalived/bypass_ipvs.sh add {VIP}")),
            ];
        }
    };
    let mut a = two_box(InitialState::Master, 100, "a", 31, vip_80());
    let mut b = two_box(InitialState::Backup, 50, "b", 32, vip_80());
    bypass(&mut a);
    bypass(&mut b);
    scenario(
        "Fix 2 of the two-box article: keepalived's notify_backup runs bypass_ipvs.sh, a nat PREROUTING \
         REDIRECT of the VIP, so the backup box serves what reaches it instead of scheduling it; \
         notify_master removes it again.",
        12,
        vec![gw(), client("c1", 10, 6, 5.0, 1000), a, b],
        vec![],
    )
}

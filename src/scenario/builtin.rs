//! Built-in scenarios (`vrrplab sim builtin:NAME`): every case the source
//! articles discuss, on documentation addresses. n1 is 192.0.2.11, n2
//! 192.0.2.12, n3 192.0.2.13; the VIP is 192.0.2.100.

use super::conf::{Auth, AuthKind, GlobalDefs, InitialState, KeepalivedConf, Track, Vip, VrrpInstance, VrrpScript};
use super::model::{Action, Event, IfAddr, Node, Scenario};
use std::net::IpAddr;

pub struct Builtin {
    pub name: &'static str,
    /// One line for `sim --list`.
    pub summary: &'static str,
    build: fn() -> Scenario,
}

impl Builtin {
    pub fn scenario(&self) -> Scenario {
        let mut s = (self.build)();
        s.name = format!("builtin:{}", self.name);
        s
    }
}

const S: u64 = 1_000_000;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

fn vip(a: &str) -> Vip {
    let addr = ip(a);
    Vip { addr, prefix: if addr.is_ipv4() { 32 } else { 64 }, dev: None, label: None }
}

/// The article's instance: VI_1, VRID 51, eth0, 1 s adverts, PASS 1111.
fn inst(state: InitialState, priority: u8) -> VrrpInstance {
    VrrpInstance {
        name: "VI_1".into(),
        state: Some(state),
        interface: Some("eth0".into()),
        vrid: 51,
        priority: Some(priority),
        advert_int_us: Some(S),
        auth: Some(Auth { kind: AuthKind::Pass, pass: "1111".into() }),
        vips: vec![vip("192.0.2.100")],
        ..Default::default()
    }
}

fn conf(router_id: &str, instances: Vec<VrrpInstance>) -> KeepalivedConf {
    KeepalivedConf {
        global: GlobalDefs { router_id: Some(router_id.into()), ..Default::default() },
        instances,
        ..Default::default()
    }
}

fn node(n: u8, k: KeepalivedConf) -> Node {
    Node {
        name: format!("n{n}"),
        addrs: vec![IfAddr { addr: ip(&format!("192.0.2.{}", 10 + n)), prefix: 24 }],
        mac: [0x02, 0, 0, 0, 0, n],
        keepalived: Some(k),
        ..Default::default()
    }
}

fn pair(first: VrrpInstance, second: VrrpInstance) -> Vec<Node> {
    vec![node(1, conf("n1", vec![first])), node(2, conf("n2", vec![second]))]
}

/// The classic pair: n1 `state MASTER` priority 100, n2 `state BACKUP` priority 80.
fn classic() -> Vec<Node> {
    pair(inst(InitialState::Master, 100), inst(InitialState::Backup, 80))
}

fn at(secs: f64, action: Action) -> Event {
    Event { at_us: (secs * S as f64).round() as u64, action }
}

fn n(i: u8) -> String {
    format!("n{i}")
}

fn scenario(description: &str, secs: u64, nodes: Vec<Node>, events: Vec<Event>) -> Scenario {
    Scenario {
        name: String::new(),
        description: description.into(),
        duration_us: secs * S,
        seed: 1,
        loss: 0.0,
        jitter_us: 0,
        nodes,
        events,
    }
}

fn election() -> Scenario {
    scenario(
        "Who becomes master? n1 (priority 100) and n2 (priority 80) start together; both wait a \
         Master_Down_Interval as BACKUP, n1's runs out first (3.609375 s) and its advert keeps n2 backup.",
        20,
        classic(),
        vec![],
    )
}

fn master_stop() -> Scenario {
    scenario(
        "How does the backup take over? n1 is stopped at 10 s and sends one priority-0 advert; n2 takes \
         over Skew_Time later (0.6875 s at priority 80).",
        20,
        classic(),
        vec![at(10.0, Action::Stop { node: n(1) })],
    )
}

fn master_crash() -> Scenario {
    scenario(
        "The master dies silently at 10 s: n2 takes over a Master_Down_Interval (3.6875 s) after the last \
         advert it heard. n1's VIP stays configured on n1.",
        20,
        classic(),
        vec![at(10.0, Action::Crash { node: n(1) })],
    )
}

fn both_master() -> Scenario {
    scenario(
        "Both configured `state MASTER` (100 and 80): keepalived 2.2.7 starts both as BACKUP; the higher \
         priority times out first and the other hears it and stays backup. `state` is only a start hint.",
        20,
        pair(inst(InitialState::Master, 100), inst(InitialState::Master, 80)),
        vec![],
    )
}

fn equal_priority() -> Scenario {
    scenario(
        "Equal priorities (100, 100). n2 starts 2 s after n1 and stays backup: a BACKUP accepts an equal \
         priority without comparing addresses. A partition from 10 s to 20 s makes both master; when it \
         heals, n1 yields to n2's higher address.",
        30,
        pair(inst(InitialState::Master, 100), inst(InitialState::Master, 100)),
        vec![
            at(10.0, Action::Partition { groups: vec![vec![n(1)], vec![n(2)]] }),
            at(20.0, Action::Heal),
        ],
    )
    .with_start(2, 2.0)
}

fn recovered_master_preempts() -> Scenario {
    scenario(
        "Does the old master take the VIP back? n1 crashes at 10 s, n2 takes over; n1 restarts at 20 s as \
         BACKUP, discards n2's lower-priority adverts and preempts when its own Master_Down_Interval runs \
         out, 3.609375 s after its start.",
        30,
        classic(),
        vec![at(10.0, Action::Crash { node: n(1) }), at(20.0, Action::Start { node: n(1) })],
    )
}

fn nopreempt() -> Scenario {
    let mut a = inst(InitialState::Backup, 100);
    a.nopreempt = true;
    let mut b = inst(InitialState::Backup, 80);
    b.nopreempt = true;
    scenario(
        "nopreempt needs both routers in `state BACKUP`. n1 crashes at 10 s, n2 takes over; n1 comes back \
         at 20 s and stays backup although its priority is higher.",
        30,
        pair(a, b),
        vec![at(10.0, Action::Crash { node: n(1) }), at(20.0, Action::Start { node: n(1) })],
    )
}

fn split_brain_oneway() -> Scenario {
    scenario(
        "Split brain from a one-way firewall: from 10 s n2 drops inbound VRRP (the packets are still on \
         the wire). n2 becomes master too; n1 keeps winning every advert it hears and re-GARPs, n2 hears \
         nothing. Unblocked at 30 s, n2 yields.",
        40,
        classic(),
        vec![at(10.0, Action::BlockVrrp { node: n(2) }), at(30.0, Action::UnblockVrrp { node: n(2) })],
    )
}

fn split_brain_both() -> Scenario {
    scenario(
        "Split brain from firewalls on both routers (the fourth article: firewalld left on). Both are master \
         from 13.3 s; both unblock at 30 s and the lower priority yields on the first advert it hears.",
        40,
        classic(),
        vec![
            at(10.0, Action::BlockVrrp { node: n(1) }),
            at(10.0, Action::BlockVrrp { node: n(2) }),
            at(30.0, Action::UnblockVrrp { node: n(1) }),
            at(30.0, Action::UnblockVrrp { node: n(2) }),
        ],
    )
}

fn auth_mismatch() -> Scenario {
    let mut b = inst(InitialState::Backup, 80);
    b.auth = Some(Auth { kind: AuthKind::Pass, pass: "2222".into() });
    scenario(
        "Different auth_pass: each side logs \"received an invalid passwd!\" and ignores the other, so both \
         become master: a split brain that lasts.",
        20,
        pair(inst(InitialState::Master, 100), b),
        vec![],
    )
}

fn interval_mismatch() -> Scenario {
    let mut b = inst(InitialState::Backup, 80);
    b.advert_int_us = Some(3 * S);
    scenario(
        "advert_int 1 on n1 and 3 on n2: VRRPv2 drops adverts with another interval (\"advertisement \
         interval mismatch mine=3 sec rcv'd=1 sec\"), so both become master.",
        30,
        pair(inst(InitialState::Master, 100), b),
        vec![],
    )
}

fn track_script() -> Scenario {
    let mut nodes = classic();
    if let Some(k) = nodes[0].keepalived.as_mut() {
        k.scripts.push(VrrpScript {
            name: "chk_nginx".into(),
            script: "killall -0 nginx".into(),
            interval_us: Some(S),
            weight: Some(-30),
            ..Default::default()
        });
        k.instances[0].track_scripts.push(Track { name: "chk_nginx".into(), weight: None, reverse: false });
    }
    scenario(
        "track_script with weight -30: n1's check fails at 10 s, its priority drops to 70 below n2's 80. \
         n1 keeps advertising at 70; n2 discards those adverts and takes over when its timer runs out. The \
         check recovers at 20 s and n1 preempts the same way.",
        30,
        nodes,
        vec![
            at(10.0, Action::ScriptFail { node: n(1), script: "chk_nginx".into() }),
            at(20.0, Action::ScriptOk { node: n(1), script: "chk_nginx".into() }),
        ],
    )
}

fn three_routers() -> Scenario {
    let nodes = vec![
        node(1, conf("n1", vec![inst(InitialState::Master, 100)])),
        node(2, conf("n2", vec![inst(InitialState::Backup, 90)])),
        node(3, conf("n3", vec![inst(InitialState::Backup, 80)])),
    ];
    scenario(
        "Three routers (100, 90, 80). When the master dies the highest backup wins because its \
         Master_Down_Interval is the shortest (skew is smaller at higher priority).",
        30,
        nodes,
        vec![at(10.0, Action::Crash { node: n(1) }), at(20.0, Action::Crash { node: n(2) })],
    )
}

fn v3(state: InitialState, priority: u8, interval_us: u64) -> VrrpInstance {
    VrrpInstance { version: Some(3), advert_int_us: Some(interval_us), auth: None, ..inst(state, priority) }
}

fn v3_fast() -> Scenario {
    scenario(
        "VRRPv3 with 10 cs adverts: Master_Down_Interval shrinks to 0.369 s at priority 80 and a graceful \
         stop hands over in 69 ms.",
        8,
        pair(v3(InitialState::Master, 100, 100_000), v3(InitialState::Backup, 80, 100_000)),
        vec![at(5.0, Action::Stop { node: n(1) })],
    )
}

fn v3_ipv6() -> Scenario {
    let six = |state, prio| VrrpInstance { vips: vec![vip("fe80::100"), vip("2001:db8::100")], ..v3(state, prio, S) };
    let mut nodes = pair(six(InitialState::Master, 100), six(InitialState::Backup, 80));
    for (i, nd) in nodes.iter_mut().enumerate() {
        nd.addrs.push(IfAddr { addr: ip(&format!("2001:db8::{}", 11 + i)), prefix: 64 });
    }
    scenario(
        "VRRPv3 over IPv6: adverts from the link-local address to ff02::12, unsolicited neighbour \
         adverts instead of GARPs. n1 is stopped at 10 s.",
        20,
        nodes,
        vec![at(10.0, Action::Stop { node: n(1) })],
    )
}

fn unicast() -> Scenario {
    let mut a = inst(InitialState::Master, 100);
    a.unicast_peers = vec![ip("192.0.2.12")];
    let mut b = inst(InitialState::Backup, 80);
    b.unicast_peers = vec![ip("192.0.2.11")];
    scenario(
        "unicast_peer instead of multicast (clouds without multicast): adverts go to the peer's address \
         after an ARP exchange. n1 crashes at 10 s.",
        20,
        pair(a, b),
        vec![at(10.0, Action::Crash { node: n(1) })],
    )
}

fn load_sharing() -> Scenario {
    let second = |state, prio| VrrpInstance {
        name: "VI_2".into(),
        vrid: 52,
        vips: vec![vip("192.0.2.101")],
        ..inst(state, prio)
    };
    let nodes = vec![
        node(1, conf("n1", vec![inst(InitialState::Master, 100), second(InitialState::Backup, 80)])),
        node(2, conf("n2", vec![inst(InitialState::Backup, 80), second(InitialState::Master, 100)])),
    ];
    scenario(
        "Load sharing (the third article): VRID 51 (VIP .100) prefers n1, VRID 52 (VIP .101) prefers n2, \
         so each box is master of one. n1 crashes at 10 s and n2 carries both.",
        20,
        nodes,
        vec![at(10.0, Action::Crash { node: n(1) })],
    )
}

trait WithStart {
    fn with_start(self, node: u8, secs: f64) -> Self;
}

impl WithStart for Scenario {
    fn with_start(mut self, node: u8, secs: f64) -> Scenario {
        if let Some(nd) = self.nodes.iter_mut().find(|x| x.name == n(node)) {
            nd.start_at_us = Some((secs * S as f64).round() as u64);
        }
        self
    }
}

static ALL: &[Builtin] = &[
    Builtin { name: "election", summary: "who becomes master (priority 100 vs 80)", build: election },
    Builtin { name: "master-stop", summary: "graceful stop: priority 0, takeover after Skew_Time", build: master_stop },
    Builtin { name: "master-crash", summary: "silent crash: takeover after Master_Down_Interval", build: master_crash },
    Builtin { name: "both-master", summary: "both configured state MASTER", build: both_master },
    Builtin { name: "equal-priority", summary: "equal priorities: no tie-break at a backup, higher IP wins at a master", build: equal_priority },
    Builtin { name: "recovered-master-preempts", summary: "the old master comes back and takes the VIP back", build: recovered_master_preempts },
    Builtin { name: "nopreempt", summary: "two BACKUPs with nopreempt: the old master does not come back", build: nopreempt },
    Builtin { name: "split-brain-firewall-oneway", summary: "one router drops inbound VRRP: both masters", build: split_brain_oneway },
    Builtin { name: "split-brain-firewall-both", summary: "both routers drop inbound VRRP: both masters until unblocked", build: split_brain_both },
    Builtin { name: "auth-mismatch", summary: "different auth_pass: split brain", build: auth_mismatch },
    Builtin { name: "interval-mismatch", summary: "different advert_int (VRRPv2): split brain", build: interval_mismatch },
    Builtin { name: "track-script", summary: "track_script weight -30 moves the master and back", build: track_script },
    Builtin { name: "three-routers", summary: "three routers: the next highest priority takes over", build: three_routers },
    Builtin { name: "v3-fast", summary: "VRRPv3 with 10 cs adverts: sub-second failover", build: v3_fast },
    Builtin { name: "v3-ipv6", summary: "VRRPv3 over IPv6 with neighbour adverts", build: v3_ipv6 },
    Builtin { name: "unicast", summary: "unicast_peer adverts", build: unicast },
    Builtin { name: "load-sharing", summary: "two VRIDs, each box master of one", build: load_sharing },
    Builtin { name: "lvs-dr", summary: "LVS-DR: two real servers, requests alternate", build: super::builtin_lvs::dr },
    Builtin { name: "lvs-dr-arp-unset", summary: "LVS-DR, arp_ignore unset on rs2: rs2 steals the VIP", build: super::builtin_lvs::dr_arp_unset },
    Builtin { name: "lvs-nat", summary: "LVS-NAT: the director rewrites and is the gateway", build: super::builtin_lvs::nat },
    Builtin { name: "lvs-tun", summary: "LVS-TUN: IPIP to the real servers", build: super::builtin_lvs::tun },
    Builtin { name: "lvs-persistence", summary: "persistence keeps each client on one server", build: super::builtin_lvs::persistence },
    Builtin { name: "lvs-failover", summary: "keepalived DR directors fail over with connections in flight", build: super::builtin_lvs::failover },
    Builtin { name: "lvs-two-box-loop", summary: "two boxes, each director and real server: requests loop", build: super::builtin_lvs::two_box_loop },
    Builtin { name: "lvs-two-box-fwmark", summary: "two boxes, fix 1: fwmark on the directors", build: super::builtin_lvs::two_box_fwmark },
    Builtin { name: "lvs-two-box-bypass", summary: "two boxes, fix 2: the backup bypasses IPVS", build: super::builtin_lvs::two_box_bypass },
];

/// Every built-in scenario, in `sim --list` order.
pub fn all() -> &'static [Builtin] {
    ALL
}

/// The built-in scenario `name` (without the `builtin:` prefix).
pub fn get(name: &str) -> Option<Scenario> {
    ALL.iter().find(|b| b.name == name).map(Builtin::scenario)
}

//! The simulator end to end: every built-in scenario's sequence of masters,
//! determinism, the taps, and the explorer.

use super::build::build;
use super::explore;
use super::summary::{master_spans, masters, split_brain};
use super::World;
use crate::capture::LinkType;
use crate::scenario::builtin;
use crate::scenario::model::Scenario;
use crate::wire::decode::decode;
use crate::wire::vrrp::Family;
use proptest::prelude::*;
use std::io::Write;
use std::sync::{Arc, Mutex};

fn run(s: &Scenario, seed: Option<u64>) -> World {
    let mut w = build(s, seed).unwrap().world;
    w.keep_frames();
    w.run_until(s.duration_us).unwrap();
    w
}

/// (VRID, µs, node) of every takeover.
fn takeovers(w: &World) -> Vec<(u8, u64, String)> {
    let names = w.node_names();
    let mut v: Vec<(u8, u64, String)> = [51, 52]
        .iter()
        .flat_map(|&vrid| masters(w.log(), vrid).into_iter().map(move |(t, n)| (vrid, t, n)))
        .map(|(vrid, t, n)| (vrid, t, names[n].clone()))
        .collect();
    v.sort();
    v
}

fn expect(name: &str, want: &[(u8, u64, &str)]) {
    let s = builtin::get(name).unwrap();
    let w = run(&s, None);
    let want: Vec<(u8, u64, String)> = want.iter().map(|&(v, t, n)| (v, t, n.to_string())).collect();
    assert_eq!(takeovers(&w), want, "{name}");
}

// The numbers: Master_Down_Interval 3.609375 s at priority 100, 3.6875 s at
// 80; Skew_Time 0.6875 s at 80; a new master's adverts come every second
// from 1 ms after its first (VIP setup); the wire takes 1 µs.

#[test]
fn election_and_both_master() {
    expect("election", &[(51, 3_609_375, "n1")]);
    expect("both-master", &[(51, 3_609_375, "n1")]);
}

#[test]
fn stop_and_crash() {
    expect("master-stop", &[(51, 3_609_375, "n1"), (51, 10_000_001 + 687_500, "n2")]);
    // Last advert heard: 9.610375 s + 1 µs.
    expect("master-crash", &[(51, 3_609_375, "n1"), (51, 9_610_376 + 3_687_500, "n2")]);
    expect("unicast", &[(51, 3_609_375, "n1"), (51, 9_610_376 + 3_687_500, "n2")]);
}

#[test]
fn preemption() {
    expect(
        "recovered-master-preempts",
        &[(51, 3_609_375, "n1"), (51, 13_297_876, "n2"), (51, 20_000_000 + 3_609_375, "n1")],
    );
    expect("nopreempt", &[(51, 3_609_375, "n1"), (51, 13_297_876, "n2")]);
    // Priority 70 from 10 s: n2 takes over 3.6875 s after the last advert it
    // accepted; at 20 s n1 is back at 100 and its deadline moves by
    // MDI(100) - MDI(70) = -117 187 µs.
    expect(
        "track-script",
        &[(51, 3_609_375, "n1"), (51, 13_297_876, "n2"), (51, 19_298_877 + 3_726_562 - 117_187, "n1")],
    );
    expect("three-routers", &[(51, 3_609_375, "n1"), (51, 9_610_376 + 3_648_437, "n2"), (51, 19_259_814 + 3_687_500, "n3")]);
}

#[test]
fn split_brains() {
    for name in ["split-brain-firewall-oneway", "split-brain-firewall-both"] {
        expect(name, &[(51, 3_609_375, "n1"), (51, 13_297_876, "n2")]);
        let w = run(&builtin::get(name).unwrap(), None);
        let spans = master_spans(w.log());
        // n1 answers each advert of n2 it hears with its own (forcing a new
        // election), so once n2 hears again it yields 2 µs after its own advert.
        assert_eq!(split_brain(&spans, 51, Family::Ipv4, w.now()), [(13_297_876, 30_298_878)], "{name}");
    }
    expect("auth-mismatch", &[(51, 3_609_375, "n1"), (51, 3_687_500, "n2")]);
    expect("interval-mismatch", &[(51, 3_609_375, "n1"), (51, 9_687_500, "n2")]);
    let w = run(&builtin::get("interval-mismatch").unwrap(), None);
    assert!(w.log().iter().any(|e| e.text(&w.node_names()).ends_with("(VI_1) advertisement interval mismatch mine=3 sec rcv'd=1 sec")));
}

#[test]
fn equal_priority() {
    // n2 (later, higher address) stays backup; after the partition both are
    // master and n1 yields to the higher address on the first advert it hears.
    // n2 never has to force an election: n1 is silent by then.
    expect("equal-priority", &[(51, 3_609_375, "n1"), (51, 9_610_376 + 3_609_375, "n2")]);
    let w = run(&builtin::get("equal-priority").unwrap(), None);
    let names = w.node_names();
    let lines: Vec<String> = w.log().iter().map(|e| e.text(&names)).collect();
    assert!(lines.iter().any(|l| l.ends_with(
        "n1 Keepalived_vrrp: (VI_1) Master received advert from 192.0.2.12 with same priority 100 but higher IP address than ours"
    )));
}

#[test]
fn fast_v3_ipv6_and_load_sharing() {
    expect("v3-fast", &[(51, 360_937, "n1"), (51, 5_000_001 + 68_750, "n2")]);
    expect("v3-ipv6", &[(51, 3_609_375, "n1"), (51, 10_000_001 + 687_500, "n2")]);
    expect("load-sharing", &[(51, 3_609_375, "n1"), (51, 13_297_876, "n2"), (52, 3_609_375, "n2")]);
}

#[test]
fn every_builtin_runs_and_puts_vrrp_on_the_wire() {
    for b in builtin::all() {
        let s = b.scenario().unwrap();
        let w = run(&s, None);
        assert!(w.frames().iter().all(|f| decode(LinkType::Ethernet, &f.data).macs().is_some()));
        // The LVS scenarios without keepalived (hand-made directors) have no VRRP.
        if !s.nodes.iter().any(|n| n.keepalived.as_ref().is_some_and(|k| !k.instances.is_empty())) {
            continue;
        }
        assert!(w.stats().vrrp > 0, "{}", b.name);
        assert!(w.frames().iter().all(|f| decode(LinkType::Ethernet, &f.data).macs().is_some()));
        assert!(!master_spans(w.log()).is_empty(), "{}", b.name);
    }
}

#[test]
fn v3_ipv6_uses_link_local_sources_and_neighbour_adverts() {
    let w = run(&builtin::get("v3-ipv6").unwrap(), None);
    let first = w.frames().iter().find_map(|f| {
        let d = decode(LinkType::Ethernet, &f.data);
        d.vrrp().map(|(ip, _)| (ip.src, ip.dst, ip.ttl))
    });
    assert_eq!(first, Some(("fe80::ff:fe00:1".parse().unwrap(), "ff02::12".parse().unwrap(), 255)));
    assert!(w.stats().arp >= 20, "unsolicited NAs for two VIPs, 5 + 5 each");
}

#[test]
fn a_crash_leaves_the_vip_behind_a_stop_does_not() {
    let vip: std::net::IpAddr = "192.0.2.100".parse().unwrap();
    let w = run(&builtin::get("master-crash").unwrap(), None);
    assert_eq!(w.host(0).added_addrs(), [vip], "the dead master's VIP stays configured");
    assert_eq!(w.host(1).added_addrs(), [vip]);
    let w = run(&builtin::get("master-stop").unwrap(), None);
    assert!(w.host(0).added_addrs().is_empty());
}

#[test]
fn blocked_vrrp_is_still_on_the_wire() {
    let w = run(&builtin::get("split-brain-firewall-oneway").unwrap(), None);
    let from_n1_while_blocked = w
        .frames()
        .iter()
        .filter(|f| (1_767_225_611..1_767_225_629).contains(&f.ts.secs))
        .filter(|f| decode(LinkType::Ethernet, &f.data).vrrp().is_some_and(|(ip, _)| ip.src == "192.0.2.11".parse::<std::net::IpAddr>().unwrap()))
        .count();
    assert!(from_n1_while_blocked >= 18, "{from_n1_while_blocked}");
}

/// A `Write` the test can read back after the world is done with it.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);
impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The pcap and the JSON event log of one run.
fn outputs(s: &Scenario, seed: u64) -> (Vec<u8>, String) {
    let buf = Shared::default();
    let mut w = build(s, Some(seed)).unwrap().world;
    w.capture(Box::new(buf.clone())).unwrap();
    w.run_until(s.duration_us).unwrap();
    w.finish().unwrap();
    let names = w.node_names();
    let log: Vec<String> = w.log().iter().map(|e| e.json(&names)).collect();
    let pcap = buf.0.lock().unwrap().clone();
    (pcap, log.join("\n"))
}

fn lossy(name: &str, loss: f64, jitter_us: u64) -> Scenario {
    let mut s = builtin::get(name).unwrap();
    s.loss = loss;
    s.jitter_us = jitter_us;
    s
}

#[test]
fn same_scenario_and_seed_give_identical_pcap_and_log() {
    let s = lossy("split-brain-firewall-both", 0.2, 3_000);
    let a = outputs(&s, 7);
    assert_eq!(a, outputs(&s, 7));
    assert_ne!(a.0, outputs(&s, 8).0, "the seed drives loss and jitter");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn deterministic_for_any_seed(seed in any::<u64>(), loss in 0.0f64..0.3, jitter in 0u64..20_000) {
        let s = lossy("recovered-master-preempts", loss, jitter);
        prop_assert_eq!(outputs(&s, seed), outputs(&s, seed));
    }

    #[test]
    fn without_loss_one_master_at_the_end(seed in any::<u64>(), jitter in 0u64..50_000) {
        let s = lossy("three-routers", 0.0, jitter);
        let w = run(&s, Some(seed));
        let open = master_spans(w.log()).into_iter().filter(|sp| sp.to.is_none()).count();
        prop_assert_eq!(open, 1);
    }
}

#[test]
fn pcap_reads_back_with_tcpdump() {
    let Ok(out) = std::process::Command::new("tcpdump").arg("--version").output() else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "tcpdump is required in CI");
        eprintln!("note: tcpdump not installed, pcap check skipped");
        return;
    };
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    for name in ["master-stop", "v3-ipv6", "unicast"] {
        let (pcap, _) = outputs(&builtin::get(name).unwrap(), 1);
        let path = dir.path().join(format!("{name}.pcap"));
        std::fs::write(&path, &pcap).unwrap();
        let r = std::process::Command::new("tcpdump").args(["-nn", "-v", "-r"]).arg(&path).env("TZ", "GMT0").output().unwrap();
        let stdout = String::from_utf8_lossy(&r.stdout);
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert!(r.status.success(), "{name}: {stderr}");
        assert!(!stdout.contains("[|") && !stdout.contains("bad cksum") && !stdout.contains("wrong"), "{name}: {stdout}");
        assert!(stdout.contains("VRRPv"), "{name}");
    }
    let (pcap, _) = outputs(&builtin::get("master-stop").unwrap(), 1);
    let path = dir.path().join("stop.pcap");
    std::fs::write(&path, &pcap).unwrap();
    let r = std::process::Command::new("tcpdump").args(["-nn", "-r"]).arg(&path).env("TZ", "GMT0").output().unwrap();
    let text = String::from_utf8_lossy(&r.stdout);
    assert!(text.contains("00:00:10.000000 IP 192.0.2.11 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 0, authtype simple, intvl 1s, length 20"), "{text}");
    assert!(text.contains("00:00:10.687501 IP 192.0.2.12 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 80"), "{text}");
}

#[test]
fn explorer_finds_lasting_split_brain_and_passes_sane_configs() {
    let good = builtin::get("three-routers").unwrap();
    for seed in 0..25 {
        assert_eq!(explore::run(&good, seed).unwrap(), None, "seed {seed}");
    }
    let bad = builtin::get("auth-mismatch").unwrap();
    let v = (0..20).find_map(|seed| explore::run(&bad, seed).unwrap()).expect("a password mismatch never converges");
    assert_eq!(v.masters, ["n1", "n2"]);
    // A seed replays its plan.
    assert_eq!(explore::plan(&good, 11).0.events, explore::plan(&good, 11).0.events);
}

#[test]
fn link_down_is_fault_and_frees_the_vrid() {
    use crate::scenario::model::{Action, Event};
    let mut s = builtin::get("election").unwrap();
    s.duration_us = 30_000_000;
    s.events = vec![
        Event { at_us: 10_000_000, action: Action::LinkDown { node: "n1".into() } },
        Event { at_us: 20_000_000, action: Action::LinkUp { node: "n1".into() } },
    ];
    let w = run(&s, None);
    let names = w.node_names();
    let t = takeovers(&w);
    // n2 times out after the last advert; n1 comes back as BACKUP at 20 s and
    // preempts a Master_Down_Interval later (n2's 80 is lower).
    assert_eq!(t, [(51, 3_609_375, "n1".into()), (51, 13_297_876, "n2".into()), (51, 23_609_375, "n1".into())]);
    let lines: Vec<String> = w.log().iter().map(|e| e.text(&names)).collect();
    assert!(lines.contains(&"00:00:10.000000 n1 Keepalived_vrrp: Netlink reports eth0 down".to_string()));
    assert!(lines.contains(&"00:00:10.000000 n1 Keepalived_vrrp: (VI_1) Entering FAULT STATE".to_string()));
    assert!(lines.contains(&"00:00:20.000000 n1 Keepalived_vrrp: (VI_1) Entering BACKUP STATE".to_string()));
    // Nothing left n1 while its link was down (the two priority-0 adverts included).
    let from_n1_down = w
        .frames()
        .iter()
        .filter(|f| (1_767_225_610..1_767_225_620).contains(&f.ts.secs) && f.data[6..12] == [2, 0, 0, 0, 0, 1])
        .count();
    assert_eq!(from_n1_down, 0);
}

/// A scenario of `prios.len()` routers of one VRID (all configured BACKUP,
/// preempting unless `nopreempt`) and `events` (second, router, action).
fn router_set(prios: &[u8], nopreempt: bool, events: &[(u64, usize, u8)]) -> Scenario {
    let mut toml = String::from("[run]\nname = \"generated\"\nduration = \"80s\"\n");
    for (i, prio) in prios.iter().enumerate() {
        let n = i + 1;
        toml += &format!(
            "[[node]]\nname = \"n{n}\"\nip = \"192.0.2.{}/24\"\nmac = \"02:00:00:00:00:{n:02x}\"\nkeepalived_conf = \"\"\"\n\
             vrrp_instance VI_1 {{\n state BACKUP\n interface eth0\n virtual_router_id 51\n priority {prio}\n advert_int 1\n {}\n\
             authentication {{\n auth_type PASS\n auth_pass 1111\n }}\n virtual_ipaddress {{\n 192.0.2.100\n }}\n}}\n\"\"\"\n",
            10 + n,
            if nopreempt { "nopreempt" } else { "" },
        );
    }
    for &(at, router, action) in events {
        let action = ["stop", "crash", "start"][usize::from(action % 3)];
        toml += &format!("[[event]]\nat = \"{at}s\"\naction = \"{action}\"\nnode = \"n{}\"\n", router % prios.len() + 1);
    }
    crate::scenario::toml::parse(&toml, std::path::Path::new("generated.toml")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Routers that agree on their configuration and hear each other are
    /// never master together, whatever starts, stops and crashes: the
    /// analyzer must not call any of it split brain.
    #[test]
    fn the_analyzer_never_sees_two_masters_in_a_well_behaved_set(
        prios in proptest::collection::vec(1u8..=254, 2..=4),
        nopreempt in any::<bool>(),
        mut events in proptest::collection::vec((5u64..70, 0usize..4, 0u8..3), 0..8),
        seed in any::<u64>(),
    ) {
        events.sort();
        let s = router_set(&prios, nopreempt, &events);
        let (pcap, _) = outputs(&s, seed);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.pcap");
        std::fs::write(&path, pcap).unwrap();
        let report = crate::analyze::analyze_files(&[path], crate::analyze::Analyzer::new()).unwrap();
        let split: Vec<_> = report
            .timeline
            .iter()
            .filter(|e| matches!(e, crate::analyze::report::TimelineEvent::SplitBrainStart { .. }))
            .collect();
        prop_assert!(split.is_empty(), "{split:?}");
        prop_assert!(report.findings.iter().all(|f| !f.kind.starts_with("split_brain")), "{:?}", report.findings);
    }
}

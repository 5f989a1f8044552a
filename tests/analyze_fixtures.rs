//! The analyzer's reading of captures this project makes: the simulator's
//! built-in scenarios (fixtures/sim, from scripts/make-sim-fixtures.sh) and
//! real keepalived 2.2.7 recorded on network namespaces (fixtures/real).

use assert_cmd::Command;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use vrrplab::analyze::{analyze_files, Analyzer};
use vrrplab::analyze::report::{Cause, Report, TimelineEvent};
use vrrplab::capture::{file, Frame};
use vrrplab::wire::decode::decode;
use vrrplab::wire::vrrp;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

fn report(name: &str) -> Report {
    analyze_files(&[fixture(name)], Analyzer::new()).unwrap_or_else(|e| panic!("{name}: {e:#}"))
}

fn masters(r: &Report) -> Vec<(String, Cause)> {
    r.timeline
        .iter()
        .filter_map(|e| match e {
            TimelineEvent::Master { router, cause, .. } => Some((router.to_string(), *cause)),
            _ => None,
        })
        .collect()
}

fn m(list: &[(&str, Cause)]) -> Vec<(String, Cause)> {
    list.iter().map(|(r, c)| (r.to_string(), *c)).collect()
}

fn kinds(r: &Report) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.kind).collect()
}

fn split_cause(r: &Report) -> String {
    r.findings.iter().find(|f| f.kind == "split_brain").and_then(|f| f.cause.clone()).expect("a split brain")
}

/// Every advert in a capture: (time in µs, source, priority).
fn adverts(path: &Path) -> Vec<(i64, IpAddr, u8)> {
    let mut src = file::open(path).unwrap();
    let mut f = Frame::default();
    let mut out = Vec::new();
    while src.next_frame(&mut f).unwrap() {
        let d = decode(f.linktype, &f.data);
        if let Some((ip, bytes)) = d.vrrp() {
            if let Ok(p) = vrrp::Packet::new_checked(bytes) {
                out.push((f.ts.as_micros(), ip.src, p.priority()));
            }
        }
    }
    out
}

/// takeover_s is the time from the trigger to the new master's first advert,
/// to the microsecond of the packet timestamps.
fn assert_takeovers_match_packets(name: &str) {
    let path = fixture(name);
    let ads = adverts(&path);
    let r = report(name);
    let mut checked = 0;
    for e in &r.timeline {
        let TimelineEvent::Master { ts, cause, takeover_s: Some(took), previous: Some(prev), .. } = e else { continue };
        let at = (ts * 1e6).round() as i64;
        let trigger = ads
            .iter()
            .filter(|(t, src, p)| *t < at && src == prev && (*cause != Cause::Resign || *p == 0))
            .map(|(t, _, _)| *t)
            .next_back();
        if matches!(cause, Cause::Resign | Cause::Timeout) {
            let want = at - trigger.expect("a trigger advert");
            assert_eq!((took * 1e6).round() as i64, want, "{name}: {e:?}");
            checked += 1;
        }
    }
    assert!(checked > 0, "{name}: no resign/timeout takeover to check");
}

#[test]
fn sim_elections() {
    use Cause::*;
    let a = "192.0.2.11";
    let b = "192.0.2.12";
    assert_eq!(masters(&report("sim/election.pcap")), m(&[(a, Initial)]));
    assert_eq!(masters(&report("sim/both-master.pcap")), m(&[(a, Initial)]));
    assert_eq!(masters(&report("sim/master-stop.pcap")), m(&[(a, Initial), (b, Resign)]));
    assert_eq!(masters(&report("sim/master-crash.pcap")), m(&[(a, Initial), (b, Timeout)]));
    assert_eq!(masters(&report("sim/recovered-master-preempts.pcap")), m(&[(a, Initial), (b, Timeout), (a, Preempt)]));
    assert_eq!(masters(&report("sim/nopreempt.pcap")), m(&[(a, Initial), (b, Timeout)]));
    assert_eq!(masters(&report("sim/track-script.pcap")), m(&[(a, Initial), (b, Preempt), (a, Preempt)]));
    assert_eq!(masters(&report("sim/three-routers.pcap")), m(&[(a, Initial), (b, Timeout), ("192.0.2.13", Timeout)]));
    assert_eq!(masters(&report("sim/v3-fast.pcap")), m(&[(a, Initial), (b, Resign)]));
    assert_eq!(masters(&report("sim/unicast.pcap")), m(&[(a, Initial), (b, Timeout)]));
    let v6 = masters(&report("sim/v3-ipv6.pcap"));
    assert_eq!(v6.iter().map(|(_, c)| *c).collect::<Vec<_>>(), vec![Initial, Resign]);
    for r in ["election", "master-stop", "master-crash", "nopreempt", "track-script", "v3-fast", "unicast"] {
        let rep = report(&format!("sim/{r}.pcap"));
        assert!(!kinds(&rep).contains(&"split_brain"), "{r}: {:?}", kinds(&rep));
    }
}

#[test]
fn sim_takeover_times_match_packets() {
    for name in ["master-stop", "master-crash", "three-routers", "v3-fast", "v3-ipv6", "unicast"] {
        assert_takeovers_match_packets(&format!("sim/{name}.pcap"));
    }
}

#[test]
fn sim_failovers_meet_keepalived_timing() {
    for name in ["master-stop", "master-crash", "v3-fast"] {
        let r = report(&format!("sim/{name}.pcap"));
        let f = r.findings.iter().find(|f| f.kind == "failover").unwrap();
        assert_eq!(f.severity, vrrplab::analyze::report::Severity::Info, "{name}: {f:?}");
    }
}

#[test]
fn sim_split_brains_and_their_causes() {
    assert!(split_cause(&report("sim/split-brain-firewall-oneway.pcap")).starts_with("192.0.2.12 did not hear 192.0.2.11"));
    assert!(split_cause(&report("sim/split-brain-firewall-both.pcap")).contains("did not hear each other"));
    let auth = report("sim/auth-mismatch.pcap");
    assert!(split_cause(&auth).contains("different passwords"));
    assert!(kinds(&auth).contains(&"auth_mismatch"));
    let int = report("sim/interval-mismatch.pcap");
    assert!(split_cause(&int).contains("every 3 s"));
    let eq = report("sim/equal-priority.pcap");
    let end = eq.timeline.iter().find_map(|e| match e {
        TimelineEvent::SplitBrainEnd { winner, .. } => *winner,
        _ => None,
    });
    assert_eq!(end, Some("192.0.2.12".parse().unwrap()), "the higher address wins at equal priority");
}

#[test]
fn sim_garps_follow_takeovers() {
    let r = report("sim/master-crash.pcap");
    let g = r.findings.iter().find(|f| f.kind == "garp_after_takeover" && f.data["router"] == "192.0.2.12").unwrap();
    assert_eq!(g.data["first_burst"], 5, "{g:?}");
    assert_eq!(g.data["count"], 10, "5 at once and 5 more after 5 s: {g:?}");
    assert!(!kinds(&r).contains(&"garp_missing"));
}

#[test]
fn sim_load_sharing_has_two_virtual_routers() {
    let r = report("sim/load-sharing.pcap");
    let vrids: std::collections::BTreeSet<u8> = r.timeline.iter().map(|e| e.key().vrid).collect();
    assert_eq!(vrids.len(), 2);
    assert_eq!(r.final_masters.len(), 2);
}

#[test]
fn fail_on_sets_the_exit_code() {
    let ok = fixture("sim/master-stop.pcap");
    let bad = fixture("sim/auth-mismatch.pcap");
    Command::cargo_bin("vrrplab").unwrap().args(["analyze", "--fail-on", "error"]).arg(&ok).assert().code(0);
    Command::cargo_bin("vrrplab").unwrap().args(["analyze", "--fail-on", "error"]).arg(&bad).assert().code(1);
    Command::cargo_bin("vrrplab").unwrap().args(["analyze"]).arg(&bad).assert().code(0);
    Command::cargo_bin("vrrplab").unwrap().args(["analyze", "/nonexistent.pcap"]).assert().code(2);
}

#[test]
fn timeline_json_follows_the_contract() {
    let out = Command::cargo_bin("vrrplab").unwrap().args(["timeline", "--json"]).arg(fixture("sim/master-stop.pcap")).output().unwrap();
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    let e = &lines[1];
    for k in ["ts", "vrid", "family", "version", "event", "router", "mac", "prio", "cause", "takeover_s"] {
        assert!(e.get(k).is_some(), "missing {k} in {e}");
    }
    assert_eq!(e["event"], "master");
    assert_eq!(e["cause"], "resign");
    assert_eq!(e["family"], "ipv4");
    assert_eq!(e["version"], 2);
    assert_eq!(e["mac"], "02:00:00:00:00:02");
}

fn finding<'a>(r: &'a Report, kind: &str) -> Option<&'a vrrplab::analyze::report::Finding> {
    r.findings.iter().find(|f| f.kind == kind)
}

#[test]
fn lvs_forwarding_methods_are_recognised() {
    // lvs-tun's director weighs rs1 2 and rs2 1 (wrr): the fit must see it.
    for (name, kind, director, fit) in [
        ("lvs-dr", "lvs_dr", "02:00:00:00:00:10", "rr"),
        ("lvs-nat", "lvs_nat", "02:00:00:00:00:10", "rr"),
        ("lvs-tun", "lvs_tun", "02:00:00:00:00:10", "wrr"),
    ] {
        let r = report(&format!("sim/{name}.pcap"));
        let f = finding(&r, kind).unwrap_or_else(|| panic!("{name}: no {kind} in {:?}", kinds(&r)));
        assert_eq!(f.data["director"], director, "{name}");
        assert_eq!(f.data["vip"], "192.0.2.100");
        assert!(f.data["scheduler_fit"].as_str().unwrap().starts_with(fit), "{name}: {f:?}");
        for other in ["lvs_dr", "lvs_nat", "lvs_tun"].iter().filter(|k| **k != kind) {
            assert!(finding(&r, other).is_none(), "{name} is not {other}");
        }
        assert!(finding(&r, "lvs_loop").is_none(), "{name}");
    }
}

#[test]
fn lvs_two_box_loop_and_its_fixes() {
    let lp = report("sim/lvs-two-box-loop.pcap");
    let f = finding(&lp, "lvs_loop").expect("the loop");
    assert!(f.message.contains("02:00:00:00:00:1f") && f.message.contains("02:00:00:00:00:20"), "{f:?}");
    for fixed in ["lvs-two-box-fwmark", "lvs-two-box-bypass"] {
        let r = report(&format!("sim/{fixed}.pcap"));
        assert!(finding(&r, "lvs_loop").is_none(), "{fixed}");
        assert!(finding(&r, "lvs_dr").is_some(), "{fixed}");
    }
}

#[test]
fn lvs_real_server_answering_arp_for_the_vip() {
    let r = report("sim/lvs-dr-arp-unset.pcap");
    let f = finding(&r, "arp_conflict").expect("two MACs for the VIP");
    assert_eq!(f.data["address"], "192.0.2.100");
    assert!(f.cause.as_deref().unwrap().contains("arp_ignore"));
    // With arp_ignore set, only the director answers.
    assert!(finding(&report("sim/lvs-dr.pcap"), "arp_conflict").is_none());
    // A keepalived director taking the VIP over is a failover, not a conflict.
    let fo = report("sim/lvs-failover.pcap");
    assert!(finding(&fo, "vip_answered_by_other").is_none(), "{:?}", kinds(&fo));
}

//! The keepalived 2.2.7 recordings in fixtures/real/ (made by
//! scripts/record-keepalived.sh) show the behaviour the simulator is held
//! to: these tests read them back and check each case's facts, so that a
//! re-recording that went wrong (a fault not applied, a timing off) is
//! caught before the simulator is compared with it.
//!
//! Times are seconds from the lab's start (the log's `t0` line); the pcap's
//! kernel timestamps are converted with it.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use vrrplab::capture::{self, Frame};
use vrrplab::wire::arp;
use vrrplab::wire::decode::decode;
use vrrplab::wire::vrrp::Packet;

const N1: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11));
const N2: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 12));
const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);
/// keepalived's Skew_Time and Master_Down_Interval at priority 90 (n2),
/// 1 s adverts: (256 - 90) / 256 s, and 3 s more.
const SKEW_90: f64 = 0.648_437_5;
const MDI_90: f64 = 3.0 + SKEW_90;
const MDI_100: f64 = 3.0 + 0.609_375;
/// Scheduling and reading delays on a shared machine.
const SLACK: f64 = 0.05;

#[derive(Debug, Clone, Copy)]
struct Advert {
    t: f64,
    src: IpAddr,
    prio: u8,
}

struct Recording {
    adverts: Vec<Advert>,
    /// Gratuitous ARPs for the VIP: (time, sender MAC).
    garps: Vec<(f64, [u8; 6])>,
    log: Vec<(f64, String, String)>,
}

fn load(case: &str) -> Recording {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/real");
    let text = std::fs::read_to_string(dir.join(format!("{case}.log"))).unwrap();
    let mut log = Vec::new();
    for line in text.lines() {
        let mut parts = line.splitn(3, ' ');
        let (t, node, rest) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap_or(""));
        log.push((t.parse::<f64>().unwrap(), node.to_string(), rest.to_string()));
    }
    let t0: f64 = log[0].2.strip_prefix("t0 ").expect("the log starts with t0").parse().unwrap();

    let mut source = capture::open(&dir.join(format!("{case}.pcap"))).unwrap();
    let mut frame = Frame::default();
    let (mut adverts, mut garps) = (Vec::new(), Vec::new());
    while source.next_frame(&mut frame).unwrap() {
        let t = frame.ts.as_secs_f64() - t0;
        let d = decode(frame.linktype, &frame.data);
        if let Some((ip, payload)) = d.vrrp() {
            let p = Packet::new_checked(payload).unwrap();
            assert_eq!(ip.ttl, 255);
            adverts.push(Advert { t, src: ip.src, prio: p.priority() });
        } else if let Some(m) = d.arp().and_then(|b| arp::Packet::new_checked(b).ok()?.ether_ipv4()) {
            if m.kind() == arp::Kind::Gratuitous && m.spa == VIP {
                assert_eq!((m.op, m.tha), (1, [0xff; 6]), "keepalived's GARP is a request to ff:ff:ff:ff:ff:ff");
                garps.push((t, m.sha));
            }
        }
    }
    assert!(!adverts.is_empty(), "{case}: no adverts");
    Recording { adverts, garps, log }
}

impl Recording {
    fn from(&self, who: IpAddr) -> impl Iterator<Item = &Advert> {
        self.adverts.iter().filter(move |a| a.src == who)
    }
    fn first_from(&self, who: IpAddr, after: f64) -> Advert {
        *self.from(who).find(|a| a.t >= after).unwrap_or_else(|| panic!("no advert from {who} after {after}"))
    }
    fn last_from(&self, who: IpAddr, before: f64) -> Advert {
        *self.from(who).filter(|a| a.t < before).last().unwrap_or_else(|| panic!("no advert from {who} before {before}"))
    }
    /// When `node` logged `text` first (after `after`).
    fn logged(&self, node: &str, text: &str, after: f64) -> f64 {
        self.log
            .iter()
            .find(|(t, n, l)| *t >= after && n == node && l.contains(text))
            .unwrap_or_else(|| panic!("{node} never logged {text:?} after {after}"))
            .0
    }
    /// Both routers advertise within [from, to): split brain.
    fn both_advertise(&self, from: f64, to: f64) -> bool {
        [N1, N2].iter().all(|w| self.from(*w).any(|a| a.t >= from && a.t < to))
    }
}

fn near(got: f64, want: f64) -> bool {
    (got - want).abs() <= SLACK
}

#[test]
fn a_configured_master_waits_the_full_master_down_interval() {
    let r = load("graceful_stop");
    let init = r.logged("n1", "Entering BACKUP STATE (init)", 0.0);
    let first = r.first_from(N1, 0.0);
    assert!(near(first.t - init, MDI_100), "n1 became master {:.3} s after init", first.t - init);
    assert_eq!(first.prio, 100);
}

#[test]
fn graceful_stop_sends_priority_zero_and_the_backup_takes_over_after_skew_time() {
    let r = load("graceful_stop");
    let resign = *r.from(N1).find(|a| a.prio == 0).expect("a priority-0 advert");
    assert!((6.0..6.1).contains(&resign.t), "resigned at {:.3}", resign.t);
    assert!(r.from(N2).all(|a| a.t > resign.t), "n2 advertised before n1 resigned");
    let first = r.first_from(N2, resign.t);
    assert!(near(first.t - resign.t, SKEW_90), "took over {:.3} s after the resignation", first.t - resign.t);
    assert!(r.from(N1).all(|a| a.t <= resign.t), "n1 advertised after stopping");
    r.logged("n1", "sent 0 priority", 6.0);
    r.logged("n2", "Backup received priority 0 advertisement", 6.0);
}

#[test]
fn a_crash_leaves_the_backup_waiting_master_down_interval() {
    let r = load("crash");
    assert!(r.adverts.iter().all(|a| a.prio != 0), "a crash sends no priority 0");
    let last = r.last_from(N1, 100.0);
    assert!((5.0..6.1).contains(&last.t));
    let first = r.first_from(N2, 0.0);
    assert!(near(first.t - last.t, MDI_90), "took over {:.3} s after the last advert", first.t - last.t);
}

#[test]
fn nopreempt_keeps_the_restarted_higher_priority_router_backup() {
    let r = load("nopreempt");
    assert_eq!(r.first_from(N1, 0.0).prio, 100, "n1 is elected first");
    let resign = *r.from(N1).find(|a| a.prio == 0).expect("n1 resigns at 5 s");
    let takeover = r.first_from(N2, 0.0);
    assert!(near(takeover.t - resign.t, SKEW_90));
    let restart = r.logged("lab", "start n1", 6.0);
    r.logged("n1", "Entering BACKUP STATE (init)", restart);
    // Well past n1's own Master_Down_Interval after its restart: n2 is
    // still master and n1 has said nothing.
    assert!(r.from(N1).all(|a| a.t < restart));
    assert!(r.last_from(N2, 100.0).t > restart + MDI_100 + 1.0);
}

#[test]
fn a_firewall_on_both_makes_split_brain_that_ends_when_it_goes() {
    let r = load("split_brain_both");
    let block = r.logged("lab", "block_vrrp n2", 0.0);
    let last_heard = r.last_from(N1, block);
    let first = r.first_from(N2, 0.0);
    assert!(near(first.t - last_heard.t, MDI_90), "n2 went master {:.3} s after the last advert", first.t - last_heard.t);
    let unblock = r.logged("lab", "unblock_vrrp n2", 0.0);
    assert!(r.both_advertise(first.t, unblock), "split brain while blocked");
    let yielded = r.logged("n2", "Entering BACKUP STATE", unblock);
    r.logged("n2", "Master received advert from 192.0.2.11 with higher priority 100, ours 90", unblock);
    assert!(r.from(N2).all(|a| a.t <= yielded), "n2 advertised after yielding");
    assert!(r.last_from(N1, 100.0).t > yielded + 1.0, "n1 stays master");
}

#[test]
fn a_deaf_backup_makes_split_brain_that_lasts() {
    let r = load("split_brain_one_way");
    let block = r.logged("lab", "block_vrrp n2", 0.0);
    let first = r.first_from(N2, 0.0);
    assert!(near(first.t - r.last_from(N1, block).t, MDI_90));
    let end = r.adverts.last().unwrap().t;
    assert!(r.both_advertise(end - 2.0, end + 1.0), "split brain to the end");
    // n1 hears n2 and answers each lower advert with a new election.
    r.logged("n1", "Received advert from 192.0.2.12 with lower priority 90, ours 100, forcing new election", block);
}

#[test]
fn an_auth_mismatch_makes_both_master() {
    let r = load("auth_mismatch");
    for (node, who, mdi) in [("n1", N1, MDI_100), ("n2", N2, MDI_90)] {
        let init = r.logged(node, "Entering BACKUP STATE (init)", 0.0);
        let first = r.first_from(who, 0.0);
        assert!(near(first.t - init, mdi), "{node} became master {:.3} s after init", first.t - init);
        r.logged(node, "received an invalid passwd!", 0.0);
    }
    let end = r.adverts.last().unwrap().t;
    assert!(r.both_advertise(4.0, end + 1.0));
}

#[test]
fn an_interval_mismatch_makes_both_master() {
    let r = load("interval_mismatch");
    let init = r.logged("n2", "Entering BACKUP STATE (init)", 0.0);
    let first = r.first_from(N2, 0.0);
    // n2 advertises every 3 s: its Master_Down_Interval is 3 x 3 s + skew.
    assert!(near(first.t - init, 9.0 + SKEW_90), "n2 became master {:.3} s after init", first.t - init);
    r.logged("n2", "advertisement interval mismatch mine=3 sec rcv'd=1 sec", 0.0);
    r.logged("n1", "advertisement interval mismatch mine=1 sec rcv'd=3 sec", first.t);
    assert!(r.both_advertise(first.t, first.t + 3.1));
}

#[test]
fn a_failing_track_script_hands_over_when_the_backup_timer_runs_out() {
    let r = load("track_script");
    let fail = r.logged("lab", "script_fail n1 chk", 0.0);
    let lowered = r.logged("n1", "Changing effective priority from 100 to 70", fail);
    let last_100 = *r.from(N1).filter(|a| a.prio == 100).last().unwrap();
    assert!(last_100.t < lowered + SLACK);
    assert!(r.from(N1).any(|a| a.prio == 70 && a.t > lowered), "n1 keeps advertising at 70");
    r.logged("n2", "received lower priority (70) advert from 192.0.2.11 - discarding", fail);
    let first = r.first_from(N2, 0.0);
    assert!(near(first.t - last_100.t, MDI_90), "n2 took over {:.3} s after the last 100", first.t - last_100.t);
    r.logged("n1", "Master received advert from 192.0.2.12 with higher priority 90, ours 70", first.t);
}

#[test]
fn a_new_master_sends_five_garps_at_once_and_five_more_five_seconds_later() {
    let r = load("interval_mismatch");
    let master = r.first_from(N1, 0.0).t;
    let n1_mac = [2, 0, 0, 0, 0, 1];
    let burst = |from: f64| r.garps.iter().filter(|(t, mac)| *mac == n1_mac && *t >= from && *t < from + 0.1).count();
    assert_eq!(burst(master - 0.01), 5);
    assert_eq!(burst(master + 5.0 - 0.01), 5);
}

/// `vrrplab check` on a recording: the CI assertions hold on real keepalived.
fn check(case: &str, expects: &[&str]) -> (Option<i32>, String) {
    let pcap = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/real/{case}.pcap"));
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_vrrplab"));
    cmd.arg("check").arg(&pcap);
    for e in expects {
        cmd.args(["--expect", e]);
    }
    let out = cmd.output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn vrrplab_check_passes_on_the_recordings_what_keepalived_did() {
    let cases: [(&str, &[&str]); 6] = [
        (
            "graceful_stop",
            &[
                "master vrid=51 initial=192.0.2.11",
                "failover vrid=51 to=192.0.2.12 within=1s",
                "garp-after-takeover within=1s count>=5",
                "no-split-brain",
                "final-master vrid=51 is=192.0.2.12",
            ],
        ),
        ("crash", &["failover vrid=51 to=192.0.2.12 within=4s", "no-split-brain"]),
        ("nopreempt", &["failover vrid=51 to=192.0.2.12 within=1s", "final-master vrid=51 is=192.0.2.12"]),
        // n2 yields silently 3 s before the end, less than a
        // Master_Down_Interval: from the wire it may still be master.
        ("split_brain_both", &["split-brain vrid=51"]),
        ("split_brain_one_way", &["split-brain vrid=51"]),
        ("auth_mismatch", &["split-brain vrid=51"]),
    ];
    for (case, expects) in cases {
        let (code, out) = check(case, expects);
        assert_eq!(code, Some(0), "{case}: {out}");
    }
    // And fails when the recording says otherwise: a crash takes longer than 3 s.
    let (code, out) = check("crash", &["failover vrid=51 to=192.0.2.12 within=3s"]);
    assert_eq!(code, Some(1), "{out}");
}

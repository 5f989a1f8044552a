//! Election and finding reconstruction on synthetic captures.

use super::report::{Cause, Severity, TimelineEvent};
use super::testutil::*;
use etherparse::ArpOperation;

const SKEW_90: i64 = 648_437;
const MDI_90: i64 = 3_648_437;

fn masters(r: &super::report::Report) -> Vec<(String, Cause, Option<f64>)> {
    r.timeline
        .iter()
        .filter_map(|e| match e {
            TimelineEvent::Master {
                router,
                cause,
                takeover_s,
                ..
            } => Some((router.to_string(), *cause, *takeover_s)),
            _ => None,
        })
        .collect()
}

fn kinds(r: &super::report::Report) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.kind).collect()
}

#[test]
fn resign_takes_skew_time() {
    let mut f = every_second(11, 100, 0, 5_000_001);
    f.push(advert(5_000_100, 11, 0));
    f.extend(every_second(12, 90, 5_000_100 + SKEW_90, 12_000_000));
    let r = run(f);
    assert_eq!(
        masters(&r),
        vec![
            ("192.0.2.11".into(), Cause::Initial, None),
            ("192.0.2.12".into(), Cause::Resign, Some(0.648437))
        ]
    );
    let fo = r.findings.iter().find(|f| f.kind == "failover").unwrap();
    assert_eq!(fo.severity, Severity::Info, "{fo:?}");
    assert!(fo.message.contains("resigned"));
    assert!(!kinds(&r).contains(&"split_brain"));
}

#[test]
fn crash_takes_master_down_interval() {
    let mut f = every_second(11, 100, 0, 4_500_000);
    f.extend(every_second(12, 90, 4_000_000 + MDI_90, 12_000_000));
    let r = run(f);
    let m = masters(&r);
    assert_eq!(m[1], ("192.0.2.12".into(), Cause::Timeout, Some(3.648437)));
    let fo = r.findings.iter().find(|f| f.kind == "failover").unwrap();
    assert_eq!(fo.severity, Severity::Info);
    assert_eq!(fo.data["expected_s"], serde_json::json!(3.648437));
}

#[test]
fn slow_takeover_is_flagged() {
    let mut f = every_second(11, 100, 0, 4_500_000);
    f.extend(every_second(12, 90, 4_000_000 + 2 * MDI_90, 14_000_000));
    let r = run(f);
    let fo = r.findings.iter().find(|f| f.kind == "failover").unwrap();
    assert_eq!(fo.severity, Severity::Warn);
    assert!(fo.cause.as_deref().unwrap().contains("slower"));
}

#[test]
fn recovered_master_preempts() {
    let mut f = every_second(12, 90, 0, 10_000_000);
    f.extend(every_second(11, 100, 10_000_000, 15_000_000));
    let r = run(f);
    assert_eq!(masters(&r)[1], ("192.0.2.11".into(), Cause::Preempt, None));
    assert!(!kinds(&r).contains(&"split_brain"));
}

#[test]
fn track_script_priority_drop_then_preempt() {
    let mut f = every_second(11, 100, 0, 5_000_000);
    f.extend(every_second(11, 70, 5_000_000, 9_000_000));
    // The backup (90) discards the lower adverts and takes over
    // Master_Down_Interval after the last advert it accepted (at 4 s).
    f.extend(every_second(12, 90, 4_000_000 + MDI_90, 14_000_000));
    let r = run(f);
    let (router, cause, took) = masters(&r)[1].clone();
    assert_eq!((router.as_str(), cause), ("192.0.2.12", Cause::Preempt));
    assert_eq!(
        took,
        Some(3.648437),
        "measured from the last advert at the old priority"
    );
    assert!(!kinds(&r).contains(&"split_brain"));
}

#[test]
fn split_brain_both_ways() {
    let mut f = every_second(11, 100, 0, 20_000_000);
    f.extend(every_second(12, 90, 5_500_000, 15_000_000));
    let r = run(f);
    let starts: Vec<_> = r
        .timeline
        .iter()
        .filter(|e| matches!(e, TimelineEvent::SplitBrainStart { .. }))
        .collect();
    assert_eq!(starts.len(), 1);
    assert!((starts[0].ts() - (T0 as f64 / 1e6 + 5.5)).abs() < 1e-6);
    let end = r.timeline.iter().find_map(|e| match e {
        TimelineEvent::SplitBrainEnd { winner, ts, .. } => Some((*winner, *ts)),
        _ => None,
    });
    let (winner, ts) = end.unwrap();
    assert_eq!(winner, Some(ip(11)));
    assert!((ts - (T0 as f64 / 1e6 + 14.5)).abs() < 1e-6);
    let sb = r.findings.iter().find(|f| f.kind == "split_brain").unwrap();
    assert_eq!(sb.severity, Severity::Error);
    assert!(sb.cause.as_deref().unwrap().contains("both ways"), "{sb:?}");
}

#[test]
fn split_brain_one_way_names_the_deaf_router() {
    let mut f = every_second(11, 100, 0, 20_000_000);
    let b = every_second(12, 90, 5_500_000, 15_000_000);
    // The master hears the lower advert and answers at once.
    for ad in &b {
        let t = ad.ts.as_micros() - T0 + 1_000;
        f.push(advert(t, 11, 100));
    }
    f.extend(b);
    let r = run(f);
    let sb = r.findings.iter().find(|f| f.kind == "split_brain").unwrap();
    assert!(
        sb.cause
            .as_deref()
            .unwrap()
            .starts_with("192.0.2.12 did not hear 192.0.2.11"),
        "{sb:?}"
    );
}

#[test]
fn auth_mismatch_explains_split_brain() {
    let mut f = every_second(11, 100, 0, 20_000_000);
    let other = |t| {
        advert_with(t, 12, 90, |r| {
            r.auth = crate::wire::vrrp::Auth::V2 {
                auth_type: crate::wire::vrrp::AuthType::Simple,
                data: Some(*b"2222\0\0\0\0"),
            }
        })
    };
    f.extend((0..10).map(|i| other(5_500_000 + i * 1_000_000)));
    let r = run(f);
    let sb = r.findings.iter().find(|f| f.kind == "split_brain").unwrap();
    assert!(
        sb.cause.as_deref().unwrap().contains("different passwords"),
        "{sb:?}"
    );
    assert!(kinds(&r).contains(&"auth_mismatch"));
}

#[test]
fn garps_after_takeover_are_counted() {
    let mut f = every_second(11, 100, 0, 4_500_000);
    let t = 4_000_000 + MDI_90;
    f.extend(every_second(12, 90, t, 16_000_000));
    f.extend((0..5).map(|i| garp(t + 100 + i, 12)));
    f.extend((0..5).map(|i| garp(t + 5_000_000 + i, 12)));
    let r = run(f);
    let g = r
        .findings
        .iter()
        .find(|f| f.kind == "garp_after_takeover")
        .unwrap();
    assert_eq!(g.data["count"], 10);
    assert_eq!(g.data["first_burst"], 5);
    assert!(!kinds(&r).contains(&"garp_missing"));
}

#[test]
fn missing_garps_are_flagged() {
    let mut f = every_second(11, 100, 0, 4_500_000);
    f.extend(every_second(12, 90, 4_000_000 + MDI_90, 16_000_000));
    let r = run(f);
    assert!(kinds(&r).contains(&"garp_missing"));
}

#[test]
fn garp_from_the_loser_is_flagged() {
    let mut f = every_second(11, 100, 0, 4_500_000);
    let t = 4_000_000 + MDI_90;
    f.extend(every_second(12, 90, t, 16_000_000));
    f.push(garp(t + 10, 12));
    f.push(garp(t + 2_000_000, 11));
    let r = run(f);
    assert!(kinds(&r).contains(&"garp_wrong_mac"));
}

#[test]
fn real_server_answering_for_the_vip() {
    let mut f = every_second(11, 100, 0, 5_000_000);
    f.push(arp(
        2_500_000,
        21,
        ArpOperation::REPLY,
        VIP,
        mac(99),
        [192, 0, 2, 99],
    ));
    let r = run(f);
    let v = r
        .findings
        .iter()
        .find(|f| f.kind == "vip_answered_by_other")
        .unwrap();
    assert!(v.cause.as_deref().unwrap().contains("arp_ignore"));
    assert_eq!(v.frames, vec![4]);
}

#[test]
fn ordinary_arp_conflict() {
    let f = vec![
        arp(
            0,
            31,
            ArpOperation::REPLY,
            [192, 0, 2, 50],
            mac(1),
            [192, 0, 2, 1],
        ),
        arp(
            1_000,
            32,
            ArpOperation::REPLY,
            [192, 0, 2, 50],
            mac(1),
            [192, 0, 2, 1],
        ),
    ];
    let r = run(f);
    let c = r
        .findings
        .iter()
        .find(|f| f.kind == "arp_conflict")
        .unwrap();
    assert_eq!(c.frames, vec![1, 2]);
}

#[test]
fn conformance_lints_are_aggregated() {
    let mut f: Vec<_> = (0..3).map(|i| advert(i * 1_000_000, 11, 255)).collect();
    let mut bad = advert(3_000_000, 11, 100);
    bad.data[14 + 8] = 254; // TTL
    f.push(bad);
    let r = run(f);
    let p = r
        .findings
        .iter()
        .find(|f| f.kind == "priority_255_non_owner")
        .unwrap();
    assert_eq!(p.data["count"], 3);
    assert_eq!(p.frames, vec![1, 2, 3]);
    assert!(kinds(&r).contains(&"ttl"));
}

#[test]
fn bad_checksum_names_the_expected_value() {
    let mut ad = advert(0, 11, 100);
    ad.data[14 + 20 + 6] ^= 0xff;
    let r = run(vec![ad]);
    let c = r
        .findings
        .iter()
        .find(|f| f.kind == "bad_checksum")
        .unwrap();
    assert!(c.message.contains("expected 0x"), "{c:?}");
}

#[test]
fn without_the_timeline_the_findings_are_the_same() {
    let mut f = every_second(11, 100, 0, 5_000_001);
    f.push(advert(5_000_100, 11, 0));
    f.extend(every_second(12, 90, 5_000_100 + SKEW_90, 12_000_000));
    f.extend(every_second(11, 100, 8_000_000, 12_000_000));
    f.push(garp(8_000_100, 11));
    f.sort_by_key(|f| f.ts);
    let mut lean = super::Analyzer::without_timeline();
    for frame in &f {
        lean.feed(frame);
    }
    let (full, lean) = (run(f), lean.finish());
    assert!(full.timeline.len() >= 3, "{:?}", full.timeline);
    assert!(lean.timeline.is_empty());
    assert_eq!(lean.findings, full.findings);
    assert_eq!(lean.final_masters, full.final_masters);
    assert_eq!(lean.frames, full.frames);
}

#[test]
fn timeline_events_serialize_as_the_contract_says() {
    use super::report::{KeyFields, Mac};
    let key = KeyFields { vrid: 51, family: super::report::Family::Ipv4, version: 2, vlan: 7, interface: 1 };
    let master = TimelineEvent::Master {
        ts: 1.5,
        key,
        router: ip(12),
        mac: Mac(mac(12)),
        prio: 90,
        cause: Cause::Resign,
        takeover_s: Some(0.648437),
        previous: Some(ip(11)),
        frame: 9,
    };
    assert_eq!(
        serde_json::to_string(&master).unwrap(),
        r#"{"event":"master","ts":1.5,"vrid":51,"family":"ipv4","version":2,"vlan":7,"interface":1,"router":"192.0.2.12","mac":"02:00:00:00:00:0c","prio":90,"cause":"resign","takeover_s":0.648437,"previous":"192.0.2.11","frame":9}"#
    );
    let start = TimelineEvent::SplitBrainStart { ts: 2.0, key, routers: vec![ip(11), ip(12)], frame: 10 };
    assert_eq!(
        serde_json::to_string(&start).unwrap(),
        r#"{"event":"split_brain_start","ts":2.0,"vrid":51,"family":"ipv4","version":2,"vlan":7,"interface":1,"routers":["192.0.2.11","192.0.2.12"],"frame":10}"#
    );
    let end = TimelineEvent::SplitBrainEnd { ts: 3.0, key, winner: None, frame: 11 };
    assert_eq!(
        serde_json::to_string(&end).unwrap(),
        r#"{"event":"split_brain_end","ts":3.0,"vrid":51,"family":"ipv4","version":2,"vlan":7,"interface":1,"winner":null,"frame":11}"#
    );
}

/// The report of `short`, fed `frames` as `analyze` reads them (adverts
/// seen before take short paths: no lints, the election's time only), and
/// of an analyzer to which every advert is new.
fn short_and_general<'a>(frames: impl Iterator<Item = &'a crate::capture::Frame>) -> (String, String) {
    let (mut short, mut general) = (super::Analyzer::new(), super::Analyzer::new());
    let mut s = super::Sighting::default();
    for f in frames {
        short.feed(f);
        // Not remembered: every advert is new content.
        s.read(&f.view());
        general.apply(f.ts.as_micros().clamp(-super::MAX_TS, super::MAX_TS), &s);
    }
    (format!("{:?}", short.finish()), format!("{:?}", general.finish()))
}

/// On every capture of the repository the short paths make the report the
/// general path makes.
#[test]
fn recognised_adverts_analyse_as_new_ones() {
    use crate::capture::{file, Frame};
    for path in fixture_captures() {
        let (mut src, mut frames) = (file::open(&path).unwrap(), Vec::new());
        let mut f = Frame::default();
        while let Ok(true) = src.next_frame(&mut f) {
            frames.push(f.clone());
        }
        let (short, general) = short_and_general(frames.iter());
        assert_eq!(short, general, "{}", path.display());
    }
}

/// A router whose adverts go back and forth (priority, resignation,
/// interval, an interval of 0 that the lints flag) skips the lints for an
/// advert they already found to hold its configuration, and only while it
/// does: a change of interval and its return are still seen.
#[test]
fn adverts_back_and_forth_analyse_as_new_ones() {
    let interval = |s| move |r: &mut crate::wire::vrrp::Repr| r.interval = crate::wire::vrrp::Interval::Seconds(s);
    let mut frames = Vec::new();
    let mut t = 0;
    for round in 0..4 {
        for (prio, secs) in [(100, 1), (100, 1), (90, 1), (0, 1), (100, 1), (100, 3), (100, 1), (100, 3), (90, 1), (100, 1), (100, 3), (100, 1), (100, 0), (100, 1)] {
            t += 1_000_000;
            frames.push(advert_with(t, 11, prio, interval(secs)));
            if round % 2 == 1 {
                frames.push(advert_with(t + 500_000, 12, 50, interval(1)));
            }
        }
    }
    let (short, general) = short_and_general(frames.iter());
    assert_eq!(short, general);
    // Both end on one interval: a lint that missed the way back would
    // leave 192.0.2.11 at 3 s.
    assert!(short.contains("split_brain") && !short.contains("interval_mismatch"), "{short}");
}

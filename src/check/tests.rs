//! Every kind, passing and failing, on hand-built reports.

use super::{evaluate, Expectation, Verdict};
use crate::analyze::report::{
    Cause, Family, FinalMaster, Finding, FrameNo, KeyFields, Mac, Report, Severity, TimelineEvent,
};
use serde_json::json;
use std::net::IpAddr;

const T0: f64 = 1_700_000_000.0;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn key(vrid: u8, family: Family, version: u8) -> KeyFields {
    KeyFields {
        vrid,
        family,
        version,
        vlan: 0,
        interface: 0,
    }
}

fn v4(vrid: u8) -> KeyFields {
    key(vrid, Family::Ipv4, 2)
}

fn master(
    key: KeyFields,
    ts: f64,
    router: &str,
    cause: Cause,
    previous: Option<&str>,
    takeover_s: Option<f64>,
    frame: FrameNo,
) -> TimelineEvent {
    TimelineEvent::Master {
        ts: T0 + ts,
        key,
        router: ip(router),
        mac: Mac([0, 0, 0x5e, 0, 1, 0x33]),
        prio: if router.ends_with('1') { 150 } else { 100 },
        cause,
        takeover_s,
        previous: previous.map(ip),
        frame,
    }
}

fn finding(
    severity: Severity,
    kind: &'static str,
    vrid: Option<u8>,
    frames: &[FrameNo],
    data: serde_json::Value,
) -> Finding {
    Finding {
        severity,
        kind,
        ts: T0,
        vrid,
        family: vrid.map(|_| Family::Ipv4),
        frames: frames.to_vec(),
        message: format!("{kind} happened"),
        cause: None,
        data: data.as_object().cloned().unwrap_or_default(),
    }
}

/// A crash of 192.0.2.11 (VRID 51, IPv4, v2): 192.0.2.12 takes over
/// 3.609 s after the last advert (frame 12) with its first advert (frame 47)
/// and sends 5 GARPs at once and 5 more 5 s later, as keepalived does (the
/// first master's GARPs, frames 3 and 4, are no takeover's); beside it,
/// IPv6 VRID 51 (v3) with one master.
fn failover() -> Report {
    Report {
        timeline: vec![
            master(v4(51), 0.0, "192.0.2.11", Cause::Initial, None, None, 1),
            master(
                key(51, Family::Ipv6, 3),
                0.1,
                "fe80::1",
                Cause::Initial,
                None,
                None,
                2,
            ),
            // The analyzer subtracts epoch floats: not exactly 3.609.
            master(
                v4(51),
                8.609,
                "192.0.2.12",
                Cause::Timeout,
                Some("192.0.2.11"),
                Some((T0 + 8.609) - (T0 + 5.0)),
                47,
            ),
        ],
        findings: vec![
            finding(
                Severity::Info,
                "failover",
                Some(51),
                &[12, 47],
                json!({"takeover_s": 3.609}),
            ),
            finding(
                Severity::Info,
                "garp_after_takeover",
                Some(51),
                &[1, 3, 4],
                json!({"count": 2, "first_s": 0.5, "offsets_s": [0.5, 0.6], "router": "192.0.2.11", "within_s": 10.0}),
            ),
            finding(
                Severity::Info,
                "garp_after_takeover",
                Some(51),
                &[47, 48, 49, 50, 51, 52],
                json!({
                    "count": 10,
                    "first_s": 0.0012,
                    "offsets_s": [0.0012, 0.0015, 0.0018, 0.0021, 0.0024, 5.0012, 5.0015, 5.0018, 5.0021, 5.0024],
                    "router": "192.0.2.12",
                    "within_s": 10.0,
                }),
            ),
        ],
        final_masters: vec![
            FinalMaster {
                key: v4(51),
                router: Some(ip("192.0.2.12")),
            },
            FinalMaster {
                key: key(51, Family::Ipv6, 3),
                router: Some(ip("fe80::1")),
            },
        ],
        frames: 60,
    }
}

/// Both routers master at once from frame 20 until frame 31 (.11 wins), the
/// cause an auth mismatch; a stale-owner warning without a VRID.
fn split_brain() -> Report {
    Report {
        timeline: vec![
            master(v4(51), 0.0, "192.0.2.11", Cause::Initial, None, None, 1),
            TimelineEvent::SplitBrainStart {
                ts: T0 + 3.0,
                key: v4(51),
                routers: vec![ip("192.0.2.11"), ip("192.0.2.12")],
                frame: 20,
            },
            TimelineEvent::SplitBrainEnd {
                ts: T0 + 9.0,
                key: v4(51),
                winner: Some(ip("192.0.2.11")),
                frame: 31,
            },
        ],
        findings: vec![
            Finding {
                cause: Some("different auth strings (\"1111\" and \"2222\")".into()),
                ..finding(
                    Severity::Error,
                    "split_brain",
                    Some(51),
                    &[20, 21],
                    json!({}),
                )
            },
            finding(Severity::Warn, "arp_conflict", None, &[25], json!({})),
        ],
        final_masters: vec![FinalMaster {
            key: v4(51),
            router: Some(ip("192.0.2.11")),
        }],
        frames: 40,
    }
}

fn check(report: &Report, text: &str) -> Verdict {
    let e: Expectation = text.parse().unwrap_or_else(|e| panic!("{e}"));
    evaluate(report, &[e]).remove(0)
}

#[track_caller]
fn pass(report: &Report, text: &str, seen: &str, frames: &[FrameNo]) {
    let v = check(report, text);
    assert_eq!(
        (v.passed, v.seen.as_str(), v.frames.as_slice()),
        (true, seen, frames),
        "{text}"
    );
}

#[track_caller]
fn fail(report: &Report, text: &str, seen: &str, frames: &[FrameNo]) {
    let v = check(report, text);
    assert_eq!(
        (v.passed, v.seen.as_str(), v.frames.as_slice()),
        (false, seen, frames),
        "{text}"
    );
}

#[test]
fn master_initial() {
    let r = failover();
    pass(
        &r,
        "master vrid=51 initial=192.0.2.11",
        "saw 192.0.2.11 master first (priority 150)",
        &[1],
    );
    pass(
        &r,
        "master initial=fe80::1",
        "saw fe80::1 master first (priority 150)",
        &[2],
    );
    fail(
        &r,
        "master vrid=51 initial=192.0.2.12",
        "saw 192.0.2.11 master first (priority 150)",
        &[1],
    );
    fail(
        &r,
        "master vrid=52 initial=192.0.2.11",
        "saw no master for vrid 52/ipv4",
        &[],
    );
    fail(
        &Report::default(),
        "master initial=192.0.2.11",
        "saw no master for ipv4",
        &[],
    );
}

#[test]
fn master_must_hold_on_every_selected_router() {
    let mut r = failover();
    r.timeline.push(master(
        KeyFields { vlan: 10, ..v4(51) },
        0.0,
        "192.0.2.12",
        Cause::Initial,
        None,
        None,
        5,
    ));
    fail(
        &r,
        "master vrid=51 initial=192.0.2.11",
        "vrid 51/ipv4: saw 192.0.2.11 master first (priority 150); \
         vrid 51/ipv4/vlan 10: saw 192.0.2.12 master first (priority 100)",
        &[1, 5],
    );
}

#[test]
fn failover_within() {
    let r = failover();
    let seen = "saw 192.0.2.12 take over from 192.0.2.11 after 3.609s (timeout)";
    pass(
        &r,
        "failover vrid=51 to=192.0.2.12 within=4s",
        seen,
        &[12, 47],
    );
    pass(
        &r,
        "failover vrid=51 to=192.0.2.12 within=3609ms",
        seen,
        &[12, 47],
    );
    fail(
        &r,
        "failover vrid=51 to=192.0.2.12 within=3608ms",
        seen,
        &[12, 47],
    );
    fail(
        &r,
        "failover vrid=51 to=192.0.2.12 within=3s",
        seen,
        &[12, 47],
    );
    pass(&r, "failover", seen, &[12, 47]);
    pass(
        &r,
        "failover from=192.0.2.11 cause=timeout",
        seen,
        &[12, 47],
    );
}

#[test]
fn failover_not_seen() {
    let r = failover();
    let only =
        "saw no such failover, only: 192.0.2.12 take over from 192.0.2.11 after 3.609s (timeout)";
    fail(&r, "failover vrid=51 to=192.0.2.13", only, &[12, 47]);
    fail(&r, "failover vrid=51 cause=resign", only, &[12, 47]);
    fail(&r, "failover vrid=51 from=192.0.2.12", only, &[12, 47]);
    fail(&r, "failover vrid=52", "saw no failover for vrid 52", &[]);
    fail(&r, "failover to=fe80::2", "saw no failover for ipv6", &[]);
    fail(&r, "failover version=3", "saw no failover for v3", &[]);
}

#[test]
fn failover_without_a_measured_time() {
    let r = Report {
        timeline: vec![
            master(v4(51), 0.0, "192.0.2.12", Cause::Initial, None, None, 1),
            master(
                v4(51),
                4.0,
                "192.0.2.11",
                Cause::Preempt,
                Some("192.0.2.12"),
                None,
                30,
            ),
        ],
        ..Report::default()
    };
    let seen = "saw 192.0.2.11 take over from 192.0.2.12 (preempt)";
    pass(&r, "failover to=192.0.2.11 cause=preempt", seen, &[30]);
    fail(
        &r,
        "failover to=192.0.2.11 within=1s",
        &format!("{seen}, but its takeover time is unknown"),
        &[30],
    );
    fail(
        &r,
        "takeover max=1s",
        "saw 1 takeover, none with a measurable time",
        &[],
    );
}

#[test]
fn takeover_max() {
    let mut r = failover();
    pass(
        &r,
        "takeover vrid=51 max=4s",
        "saw 1 takeover, the slowest: 192.0.2.12 take over from 192.0.2.11 after 3.609s (timeout)",
        &[12, 47],
    );
    fail(
        &r,
        "takeover vrid=51 max=1s",
        "saw 192.0.2.12 take over from 192.0.2.11 after 3.609s (timeout)",
        &[12, 47],
    );
    fail(
        &r,
        "takeover family=ipv6 max=1s",
        "saw no takeover for ipv6",
        &[],
    );
    r.timeline.push(master(
        v4(51),
        20.0,
        "192.0.2.11",
        Cause::Resign,
        Some("192.0.2.12"),
        Some(0.609),
        80,
    ));
    r.timeline.push(master(
        v4(51),
        30.0,
        "192.0.2.12",
        Cause::Preempt,
        Some("192.0.2.11"),
        None,
        90,
    ));
    fail(
        &r,
        "takeover max=1s",
        "saw 1 of 3 takeovers slower than 1s, the slowest: \
         192.0.2.12 take over from 192.0.2.11 after 3.609s (timeout); 1 without a measurable time",
        &[12, 47],
    );
    pass(
        &r,
        "takeover max=3700ms",
        "saw 3 takeovers, the slowest: 192.0.2.12 take over from 192.0.2.11 after 3.609s (timeout); \
         1 without a measurable time",
        &[12, 47],
    );
}

#[test]
fn split_brain_kinds() {
    let r = split_brain();
    let seen = "saw split brain between 192.0.2.11 and 192.0.2.12 from frame 20 to frame 31 (winner 192.0.2.11), \
                likely cause: different auth strings (\"1111\" and \"2222\")";
    pass(&r, "split-brain vrid=51", seen, &[20, 31]);
    fail(&r, "no-split-brain", seen, &[20, 31]);
    pass(
        &r,
        "no-split-brain vrid=52",
        "saw no split brain for vrid 52",
        &[],
    );
    pass(
        &r,
        "no-split-brain version=3",
        "saw no split brain for v3",
        &[],
    );
    let calm = failover();
    pass(&calm, "no-split-brain", "saw no split brain", &[]);
    fail(
        &calm,
        "split-brain vrid=51",
        "saw no split brain for vrid 51",
        &[],
    );
}

#[test]
fn split_brain_to_the_end() {
    let mut r = split_brain();
    r.timeline.pop();
    r.findings.clear();
    fail(
        &r,
        "no-split-brain",
        "saw split brain between 192.0.2.11 and 192.0.2.12 from frame 20 to the end",
        &[20],
    );
    fail(
        &r,
        "final-master is=192.0.2.11",
        "saw split brain at the end between 192.0.2.11 and 192.0.2.12",
        &[20],
    );
}

#[test]
fn final_master() {
    let r = failover();
    pass(
        &r,
        "final-master vrid=51 is=192.0.2.12",
        "saw 192.0.2.12 master at the end",
        &[47],
    );
    fail(
        &r,
        "final-master vrid=51 is=192.0.2.11",
        "saw 192.0.2.12 master at the end",
        &[47],
    );
    pass(
        &r,
        "final-master vrid=51 is=fe80::1",
        "saw fe80::1 master at the end",
        &[2],
    );
    pass(
        &split_brain(),
        "final-master is=192.0.2.11",
        "saw 192.0.2.11 master at the end",
        &[31],
    );
    let mut silent = failover();
    silent.final_masters[0].router = None;
    fail(
        &silent,
        "final-master vrid=51 is=192.0.2.12",
        "saw no master at the end: every router went silent",
        &[],
    );
    fail(
        &Report::default(),
        "final-master is=192.0.2.12",
        "saw no master for ipv4",
        &[],
    );
}

#[test]
fn timeline_order_does_not_depend_on_report_order() {
    let mut r = failover();
    r.timeline.reverse();
    pass(
        &r,
        "final-master vrid=51 is=192.0.2.12",
        "saw 192.0.2.12 master at the end",
        &[47],
    );
    pass(
        &r,
        "master vrid=51 initial=192.0.2.11",
        "saw 192.0.2.11 master first (priority 150)",
        &[1],
    );
}

const GARPS: [FrameNo; 6] = [47, 48, 49, 50, 51, 52];

#[test]
fn garp_after_takeover() {
    let r = failover();
    let in_1s = "saw 5 GARPs from 192.0.2.12 within 1s of its takeover (10 in all), the first after 0.0012s";
    pass(
        &r,
        "garp-after-takeover vrid=51 within=1s count>=5",
        in_1s,
        &GARPS,
    );
    pass(
        &r,
        "garp-after-takeover router=192.0.2.12 within=1s count=5",
        in_1s,
        &GARPS,
    );
    fail(&r, "garp-after-takeover within=1s count>=10", in_1s, &GARPS);
    fail(&r, "garp-after-takeover within=1s count<5", in_1s, &GARPS);
    pass(
        &r,
        "garp-after-takeover within=1800us count=3",
        "saw 3 GARPs from 192.0.2.12 within 1800us of its takeover (10 in all), the first after 0.0012s",
        &GARPS,
    );
    fail(
        &r,
        "garp-after-takeover within=1ms",
        "saw 0 GARPs from 192.0.2.12 within 1ms of its takeover (10 in all), the first after 0.0012s",
        &GARPS,
    );
    let all = "saw 10 GARPs from 192.0.2.12 in the 10s after its takeover, the first after 0.0012s";
    pass(&r, "garp-after-takeover count>=10", all, &GARPS);
    pass(&r, "garp-after-takeover", all, &GARPS);
    fail(&r, "garp-after-takeover count>10", all, &GARPS);
}

#[test]
fn garp_needs_a_takeover() {
    let r = failover();
    // 192.0.2.11's GARPs followed the capture's first master, not a takeover.
    fail(
        &r,
        "garp-after-takeover router=192.0.2.11",
        "saw no takeover for ipv4 to check GARPs after",
        &[],
    );
    fail(
        &r,
        "garp-after-takeover vrid=7",
        "saw no takeover for vrid 7 to check GARPs after",
        &[],
    );
    fail(
        &r,
        "garp-after-takeover version=3",
        "saw no takeover for v3 to check GARPs after",
        &[],
    );
    fail(
        &Report::default(),
        "garp-after-takeover",
        "saw no takeover to check GARPs after",
        &[],
    );
}

#[test]
fn garp_missing_fails() {
    let mut r = failover();
    r.timeline.push(master(
        v4(51),
        20.0,
        "192.0.2.11",
        Cause::Preempt,
        Some("192.0.2.12"),
        None,
        90,
    ));
    r.findings.push(finding(
        Severity::Warn,
        "garp_missing",
        Some(51),
        &[90],
        json!({"router": "192.0.2.11"}),
    ));
    fail(
        &r,
        "garp-after-takeover vrid=51",
        "saw after 1 of 2 takeovers: no GARP from 192.0.2.11 after its takeover",
        &[90],
    );
    pass(
        &r,
        "garp-after-takeover router=192.0.2.12",
        "saw 10 GARPs from 192.0.2.12 in the 10s after its takeover, the first after 0.0012s",
        &GARPS,
    );
    r.findings.retain(|f| f.kind == "garp_missing");
    fail(
        &r,
        "garp-after-takeover",
        "saw no GARP from 192.0.2.11 after its takeover",
        &[90],
    );
}

#[test]
fn garp_finding_without_data_fails_rather_than_passes() {
    let mut r = failover();
    r.findings[2].data.remove("offsets_s");
    fail(
        &r,
        "garp-after-takeover",
        "saw a garp_after_takeover finding without data.count, first_s and offsets_s",
        &GARPS,
    );
}

#[test]
fn no_findings() {
    let r = split_brain();
    fail(
        &r,
        "no-findings severity>=warn",
        "saw 2 findings: error split_brain: split_brain happened; warn arp_conflict: arp_conflict happened",
        &[20, 21, 25],
    );
    fail(
        &r,
        "no-findings severity=warn",
        "saw 1 finding: warn arp_conflict: arp_conflict happened",
        &[25],
    );
    fail(
        &r,
        "no-findings",
        "saw 2 findings: error split_brain: split_brain happened; warn arp_conflict: arp_conflict happened",
        &[20, 21, 25],
    );
    // Scoped to VRID 51, the finding without a VRID is out.
    fail(
        &r,
        "no-findings vrid=51 severity>=warn",
        "saw 1 finding: error split_brain: split_brain happened",
        &[20, 21],
    );
    pass(
        &r,
        "no-findings kind=garp_missing",
        "saw no garp_missing finding with severity>=warn",
        &[],
    );
    pass(
        &r,
        "no-findings vrid=52",
        "saw no finding with severity>=warn for vrid 52",
        &[],
    );
    pass(
        &failover(),
        "no-findings severity>=warn",
        "saw no finding with severity>=warn",
        &[],
    );
    fail(
        &failover(),
        "no-findings severity>=info kind=failover",
        "saw 1 finding: info failover: failover happened",
        &[12, 47],
    );
}

#[test]
fn many_findings_are_summarised() {
    let mut r = Report::default();
    for i in 0..5 {
        r.findings
            .push(finding(Severity::Warn, "ttl", Some(1), &[i], json!({})));
    }
    let v = check(&r, "no-findings");
    assert!(
        v.seen
            .starts_with("saw 5 findings: warn ttl: ttl happened; "),
        "{}",
        v.seen
    );
    assert!(v.seen.ends_with("; and 2 more"), "{}", v.seen);
    assert_eq!(v.frames, [0, 1, 2, 3, 4]);
}

#[test]
fn verdicts_keep_the_order_of_the_expectations() {
    let exps: Vec<Expectation> = [
        "no-split-brain",
        "master initial=192.0.2.12",
        "final-master is=192.0.2.12",
    ]
    .map(|t| t.parse().unwrap())
    .into();
    let vs = evaluate(&failover(), &exps);
    assert_eq!(
        vs.iter()
            .map(|v| (v.expectation.to_string(), v.passed))
            .collect::<Vec<_>>(),
        [
            ("no-split-brain".to_string(), true),
            ("master initial=192.0.2.12".to_string(), false),
            ("final-master is=192.0.2.12".to_string(), true),
        ]
    );
}

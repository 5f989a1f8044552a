//! Evaluating expectations on the analyzer's [`Report`]: the timeline kinds
//! here, the finding kinds in [`super::findings`].
//!
//! An expectation looks at the virtual routers its scope selects (VRID,
//! family — given, or implied by a router address — and version). A virtual
//! router is a (pcapng interface, VLAN, family, VRID); when the scope selects
//! several, kinds about "the" master (`master`, `final-master`) must hold for
//! each one. Durations compare to the microsecond.

use super::expect::{cause_name, fmt_duration, Check, Expectation};
use super::findings;
use crate::analyze::report::{Cause, Finding, FrameNo, KeyFields, Report, TimelineEvent, VrKey};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

/// The outcome of one expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub expectation: Expectation,
    pub passed: bool,
    /// What the capture showed, in words.
    pub seen: String,
    /// Evidence, in frame numbers, ascending.
    pub frames: Vec<FrameNo>,
}

/// What an evaluation found, before it is paired with its expectation.
pub(super) struct Seen {
    pub passed: bool,
    pub text: String,
    pub frames: Vec<FrameNo>,
}

impl Seen {
    pub fn new(passed: bool, text: impl Into<String>, mut frames: Vec<FrameNo>) -> Seen {
        frames.sort_unstable();
        frames.dedup();
        Seen {
            passed,
            text: text.into(),
            frames,
        }
    }
}

/// Evaluates every expectation, in order.
pub fn evaluate(report: &Report, expectations: &[Expectation]) -> Vec<Verdict> {
    expectations.iter().map(|e| e.evaluate(report)).collect()
}

impl Expectation {
    pub fn evaluate(&self, report: &Report) -> Verdict {
        let seen = match &self.check {
            Check::Master { initial } => master(self, report, *initial),
            Check::Failover {
                to,
                from,
                cause,
                within,
            } => failover(self, report, *to, *from, *cause, *within),
            Check::Takeover { max } => takeover(self, report, *max),
            Check::NoSplitBrain => split_brain(self, report, false),
            Check::SplitBrain => split_brain(self, report, true),
            Check::GarpAfterTakeover {
                router,
                within,
                count,
            } => findings::garp(self, report, *router, *within, *count),
            Check::FinalMaster { is } => final_master(self, report, *is),
            Check::NoFindings { severity, kind } => {
                findings::none(self, report, *severity, kind.as_deref())
            }
        };
        Verdict {
            expectation: self.clone(),
            passed: seen.passed,
            seen: seen.text,
            frames: seen.frames,
        }
    }

    fn selects(&self, key: &KeyFields) -> bool {
        self.scope.vrid.is_none_or(|v| v == key.vrid)
            && self.family().is_none_or(|f| f == key.family)
            && self.scope.version.is_none_or(|v| v == key.version)
    }

    /// " for vrid 51/ipv4/v3", or "" when the scope is everything.
    pub(super) fn scope_name(&self) -> String {
        let mut parts = vec![];
        parts.extend(self.scope.vrid.map(|v| format!("vrid {v}")));
        parts.extend(self.family().map(|f| f.name().to_string()));
        parts.extend(self.scope.version.map(|v| format!("v{v}")));
        if parts.is_empty() {
            String::new()
        } else {
            format!(" for {}", parts.join("/"))
        }
    }

    /// The selected timeline, per virtual router, in time order.
    fn routers<'r>(&self, report: &'r Report) -> BTreeMap<VrKey, Vec<&'r TimelineEvent>> {
        let mut groups: BTreeMap<VrKey, Vec<&TimelineEvent>> = BTreeMap::new();
        for ev in report.timeline.iter().filter(|ev| self.selects(ev.key())) {
            groups.entry(vr_key(ev.key())).or_default().push(ev);
        }
        for events in groups.values_mut() {
            events.sort_by(|a, b| a.ts().total_cmp(&b.ts()));
        }
        groups
    }

    /// The frames of the selected takeovers' first adverts.
    pub(super) fn takeover_frames(&self, report: &Report) -> Vec<FrameNo> {
        self.takeovers(report).iter().map(|t| t.frame).collect()
    }

    /// The selected takeovers, in time order.
    fn takeovers(&self, report: &Report) -> Vec<Takeover> {
        let mut all: Vec<Takeover> = report
            .timeline
            .iter()
            .filter(|ev| self.selects(ev.key()))
            .filter_map(Takeover::of)
            .collect();
        all.sort_by(|a, b| a.ts.total_cmp(&b.ts));
        all
    }
}

/// A `Master` event of cause resign, timeout or preempt.
#[derive(Debug, Clone, Copy)]
struct Takeover {
    ts: f64,
    router: IpAddr,
    previous: Option<IpAddr>,
    cause: Cause,
    takeover_s: Option<f64>,
    frame: FrameNo,
}

impl Takeover {
    fn of(ev: &TimelineEvent) -> Option<Takeover> {
        match *ev {
            TimelineEvent::Master {
                ts,
                router,
                previous,
                cause,
                takeover_s,
                frame,
                ..
            } if cause != Cause::Initial => Some(Takeover {
                ts,
                router,
                previous,
                cause,
                takeover_s,
                frame,
            }),
            _ => None,
        }
    }

    /// "192.0.2.12 take over from 192.0.2.11 after 4.609s (timeout)"
    fn describe(&self) -> String {
        let mut s = format!("{} take over", self.router);
        if let Some(p) = self.previous {
            s += &format!(" from {p}");
        }
        if let Some(t) = self.takeover_s {
            s += &format!(" after {}", secs(t));
        }
        s + &format!(" ({})", cause_name(self.cause))
    }

    /// This frame and those of the analyzer's failover finding about it
    /// (which may hold the trigger: the old master's priority-0 or last advert).
    fn evidence(&self, report: &Report) -> Vec<FrameNo> {
        let mut frames = vec![self.frame];
        frames.extend(finding_about(report, "failover", self.frame).map_or(&[][..], |f| &f.frames));
        frames
    }
}

/// The analyzer's finding of `kind` whose evidence includes `frame`.
fn finding_about<'r>(report: &'r Report, kind: &str, frame: FrameNo) -> Option<&'r Finding> {
    report
        .findings
        .iter()
        .find(|f| f.kind == kind && f.frames.contains(&frame))
}

/// Whether a measured time (seconds, from the analyzer) is at most `limit`,
/// to the microsecond.
pub(super) fn at_most(seconds: f64, limit: Duration) -> bool {
    (seconds * 1e6).round() <= limit.as_micros() as f64
}

/// Seconds to the microsecond, without trailing zeros: `4.609s`.
pub(super) fn secs(s: f64) -> String {
    let text = format!("{s:.6}");
    format!("{}s", text.trim_end_matches('0').trim_end_matches('.'))
}

/// Evaluates each selected virtual router's timeline, then joins the results.
fn per_router<'r>(
    exp: &Expectation,
    report: &'r Report,
    what: &str,
    each: impl Fn(&[&'r TimelineEvent]) -> Seen,
) -> Seen {
    let results = exp
        .routers(report)
        .into_iter()
        .map(|(key, events)| (key, each(&events)))
        .collect();
    join(exp, what, results)
}

/// Joins per-router results (all must pass); names each router when there
/// are several.
fn join(exp: &Expectation, what: &str, results: Vec<(VrKey, Seen)>) -> Seen {
    if results.is_empty() {
        return Seen::new(false, format!("saw no {what}{}", exp.scope_name()), vec![]);
    }
    let many = results.len() > 1;
    let (mut passed, mut texts, mut frames) = (true, vec![], vec![]);
    for (key, seen) in results {
        passed &= seen.passed;
        texts.push(if many {
            format!("{}: {}", vr_name(&key), seen.text)
        } else {
            seen.text
        });
        frames.extend(seen.frames);
    }
    Seen::new(passed, texts.join("; "), frames)
}

fn vr_key(k: &KeyFields) -> VrKey {
    VrKey {
        interface: k.interface,
        vlan: k.vlan,
        family: k.family,
        vrid: k.vrid,
    }
}

fn vr_name(k: &VrKey) -> String {
    let mut s = format!("vrid {}/{}", k.vrid, k.family.name());
    if k.vlan != 0 {
        s += &format!("/vlan {}", k.vlan);
    }
    if k.interface != 0 {
        s += &format!("/interface {}", k.interface);
    }
    s
}

fn master(exp: &Expectation, report: &Report, initial: IpAddr) -> Seen {
    per_router(exp, report, "master", |events| {
        let first = events.iter().find_map(|ev| match ev {
            TimelineEvent::Master {
                router,
                prio,
                frame,
                ..
            } => Some((*router, *prio, *frame)),
            _ => None,
        });
        match first {
            Some((router, prio, frame)) => Seen::new(
                router == initial,
                format!("saw {router} master first (priority {prio})"),
                vec![frame],
            ),
            None => Seen::new(false, "saw no master", vec![]),
        }
    })
}

/// The analyzer's final master of each selected virtual router, unless
/// its timeline ends in a split brain.
fn final_master(exp: &Expectation, report: &Report, is: IpAddr) -> Seen {
    let timelines = exp.routers(report);
    let results = report
        .final_masters
        .iter()
        .filter(|m| exp.selects(&m.key))
        .map(|m| {
            let key = vr_key(&m.key);
            let events = timelines.get(&key).map_or(&[][..], Vec::as_slice);
            let open_split = events
                .iter()
                .rev()
                .find_map(|ev| match ev {
                    TimelineEvent::SplitBrainStart { routers, frame, .. } => {
                        Some(Some((routers, *frame)))
                    }
                    TimelineEvent::SplitBrainEnd { .. } => Some(None),
                    TimelineEvent::Master { .. } => None,
                })
                .flatten();
            let seen = match (open_split, m.router) {
                (Some((routers, frame)), _) => Seen::new(
                    false,
                    format!("saw split brain at the end between {}", list(routers)),
                    vec![frame],
                ),
                (None, Some(router)) => {
                    // Since when: it became master, or won a split brain.
                    let since = events.iter().rev().find_map(|ev| match ev {
                        TimelineEvent::Master {
                            router: r, frame, ..
                        } if *r == router => Some(*frame),
                        TimelineEvent::SplitBrainEnd {
                            winner: Some(r),
                            frame,
                            ..
                        } if *r == router => Some(*frame),
                        _ => None,
                    });
                    Seen::new(
                        router == is,
                        format!("saw {router} master at the end"),
                        since.into_iter().collect(),
                    )
                }
                (None, None) => Seen::new(
                    false,
                    "saw no master at the end: every router went silent",
                    vec![],
                ),
            };
            (key, seen)
        })
        .collect();
    join(exp, "master", results)
}

fn failover(
    exp: &Expectation,
    report: &Report,
    to: Option<IpAddr>,
    from: Option<IpAddr>,
    cause: Option<Cause>,
    within: Option<Duration>,
) -> Seen {
    let all = exp.takeovers(report);
    let matching: Vec<&Takeover> = all
        .iter()
        .filter(|t| {
            to.is_none_or(|a| a == t.router)
                && from.is_none_or(|a| Some(a) == t.previous)
                && cause.is_none_or(|c| c == t.cause)
        })
        .collect();
    if matching.is_empty() {
        if all.is_empty() {
            return Seen::new(
                false,
                format!("saw no failover{}", exp.scope_name()),
                vec![],
            );
        }
        let seen: Vec<String> = all.iter().map(Takeover::describe).collect();
        let frames = all.iter().flat_map(|t| t.evidence(report)).collect();
        return Seen::new(
            false,
            format!("saw no such failover, only: {}", limited(&seen)),
            frames,
        );
    }
    let Some(limit) = within else {
        let t = matching[0];
        return Seen::new(true, format!("saw {}", t.describe()), t.evidence(report));
    };
    let fastest = matching
        .iter()
        .filter_map(|t| Some((*t, t.takeover_s?)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    match fastest {
        Some((t, s)) => Seen::new(
            at_most(s, limit),
            format!("saw {}", t.describe()),
            t.evidence(report),
        ),
        None => {
            let t = matching[0];
            Seen::new(
                false,
                format!("saw {}, but its takeover time is unknown", t.describe()),
                t.evidence(report),
            )
        }
    }
}

fn takeover(exp: &Expectation, report: &Report, max: Duration) -> Seen {
    let all = exp.takeovers(report);
    if all.is_empty() {
        return Seen::new(
            false,
            format!("saw no takeover{}", exp.scope_name()),
            vec![],
        );
    }
    let measured: Vec<(&Takeover, f64)> = all
        .iter()
        .filter_map(|t| Some((t, t.takeover_s?)))
        .collect();
    let unmeasured = match all.len() - measured.len() {
        0 => String::new(),
        n => format!("; {n} without a measurable time"),
    };
    let Some(&(slowest, _)) = measured.iter().max_by(|a, b| a.1.total_cmp(&b.1)) else {
        return Seen::new(
            false,
            format!(
                "saw {}, none with a measurable time",
                count(all.len(), "takeover")
            ),
            vec![],
        );
    };
    let slow: Vec<&Takeover> = measured
        .iter()
        .filter(|(_, s)| !at_most(*s, max))
        .map(|(t, _)| *t)
        .collect();
    if slow.is_empty() {
        let text = format!(
            "saw {}, the slowest: {}{unmeasured}",
            count(all.len(), "takeover"),
            slowest.describe()
        );
        return Seen::new(true, text, slowest.evidence(report));
    }
    let text = if all.len() == 1 {
        format!("saw {}", slowest.describe())
    } else {
        format!(
            "saw {} of {} slower than {}, the slowest: {}{unmeasured}",
            slow.len(),
            count(all.len(), "takeover"),
            fmt_duration(max),
            slowest.describe()
        )
    };
    Seen::new(
        false,
        text,
        slow.iter().flat_map(|t| t.evidence(report)).collect(),
    )
}

fn split_brain(exp: &Expectation, report: &Report, expected: bool) -> Seen {
    let mut episodes = vec![];
    let mut frames = vec![];
    for events in exp.routers(report).values() {
        for (i, ev) in events.iter().enumerate() {
            let TimelineEvent::SplitBrainStart { routers, frame, .. } = ev else {
                continue;
            };
            let mut text = format!("split brain between {} from frame {frame}", list(routers));
            frames.push(*frame);
            match events[i + 1..].iter().find_map(|e| match e {
                TimelineEvent::SplitBrainEnd { winner, frame, .. } => Some((winner, frame)),
                _ => None,
            }) {
                Some((winner, end)) => {
                    text += &format!(" to frame {end}");
                    if let Some(w) = winner {
                        text += &format!(" (winner {w})");
                    }
                    frames.push(*end);
                }
                None => text += " to the end",
            }
            if let Some(cause) =
                finding_about(report, "split_brain", *frame).and_then(|f| f.cause.as_ref())
            {
                text += &format!(", likely cause: {cause}");
            }
            episodes.push(text);
        }
    }
    if episodes.is_empty() {
        return Seen::new(
            !expected,
            format!("saw no split brain{}", exp.scope_name()),
            vec![],
        );
    }
    Seen::new(expected, format!("saw {}", limited(&episodes)), frames)
}

/// "192.0.2.11 and 192.0.2.12", "a, b and c".
fn list(routers: &[IpAddr]) -> String {
    let names: Vec<String> = routers.iter().map(IpAddr::to_string).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

/// "1 takeover", "3 takeovers".
pub(super) fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The first three items, then how many more.
pub(super) fn limited(items: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut s = items[..items.len().min(SHOWN)].join("; ");
    if items.len() > SHOWN {
        s += &format!("; and {} more", items.len() - SHOWN);
    }
    s
}

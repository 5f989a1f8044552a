//! The kinds that read the analyzer's findings rather than the timeline.
//!
//! `garp-after-takeover` relies on this contract with the analyzer: for each
//! takeover (a `Master` event of cause resign, timeout or preempt) it emits
//! either
//! - a `garp_after_takeover` finding with data `{"router": "<new master>",
//!   "count": N, "first_s": <seconds from the takeover advert to the first
//!   GARP>, "offsets_s": [<seconds from the takeover advert to each GARP>],
//!   "within_s": <the window counted>}`, or
//! - a `garp_missing` finding with data `{"router": ..}` when no GARP followed;
//!
//! and the finding's frames include the takeover's `Master` frame (the new
//! master's first advert), which is how a finding is tied to its takeover.
//! GARPs after the first master of a capture are not a takeover's.
//!
//! With `within=D` the first GARP must come within D and `count` compares the
//! GARPs within D; without it, `count` compares all N.

use super::eval::{at_most, count, limited, secs, Seen};
use super::expect::{fmt_duration, severity_name, Compare, Expectation};
use crate::analyze::report::{Finding, FrameNo, Report, Severity};
use std::net::IpAddr;
use std::time::Duration;

pub const GARP_AFTER_TAKEOVER: &str = "garp_after_takeover";
pub const GARP_MISSING: &str = "garp_missing";

impl Expectation {
    /// Findings without a VRID or family are outside any scope that names one.
    fn selects_finding(&self, f: &Finding) -> bool {
        self.scope.vrid.is_none_or(|v| f.vrid == Some(v))
            && self.family().is_none_or(|fam| f.family == Some(fam))
    }
}

fn data_router(f: &Finding) -> Option<IpAddr> {
    f.data.get("router")?.as_str()?.parse().ok()
}

pub(super) fn garp(
    exp: &Expectation,
    report: &Report,
    router: Option<IpAddr>,
    within: Option<Duration>,
    want: Option<Compare<u64>>,
) -> Seen {
    let takeover_frames: Vec<FrameNo> = exp.takeover_frames(report);
    let takeovers: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.kind == GARP_AFTER_TAKEOVER || f.kind == GARP_MISSING)
        .filter(|f| f.frames.iter().any(|n| takeover_frames.contains(n)))
        .filter(|f| router.is_none_or(|r| data_router(f) == Some(r)))
        .collect();
    if takeovers.is_empty() {
        return Seen::new(
            false,
            format!("saw no takeover{} to check GARPs after", exp.scope_name()),
            vec![],
        );
    }
    let (mut good, mut bad) = (vec![], vec![]);
    let (mut good_frames, mut bad_frames) = (vec![], vec![]);
    for f in &takeovers {
        let (ok, text) = judge(f, within, want);
        let (texts, frames) = if ok {
            (&mut good, &mut good_frames)
        } else {
            (&mut bad, &mut bad_frames)
        };
        texts.push(text);
        frames.extend(&f.frames);
    }
    if bad.is_empty() {
        let text = match good.as_slice() {
            [one] => format!("saw {one}"),
            _ => format!(
                "saw after each of {}: {}",
                count(good.len(), "takeover"),
                limited(&good)
            ),
        };
        return Seen::new(true, text, good_frames);
    }
    let text = match (bad.as_slice(), takeovers.len()) {
        ([one], 1) => format!("saw {one}"),
        _ => format!(
            "saw after {} of {}: {}",
            bad.len(),
            count(takeovers.len(), "takeover"),
            limited(&bad)
        ),
    };
    Seen::new(false, text, bad_frames)
}

/// Whether one takeover's GARPs meet the expectation, and what they were.
fn judge(f: &Finding, within: Option<Duration>, want: Option<Compare<u64>>) -> (bool, String) {
    let router = data_router(f).map_or_else(|| "the new master".to_string(), |r| r.to_string());
    if f.kind == GARP_MISSING {
        return (false, format!("no GARP from {router} after its takeover"));
    }
    let all = f.data.get("count").and_then(|v| v.as_u64());
    let first = f.data.get("first_s").and_then(|v| v.as_f64());
    let offsets: Option<Vec<f64>> = f
        .data
        .get("offsets_s")
        .and_then(|v| v.as_array()?.iter().map(|o| o.as_f64()).collect());
    let (Some(all), Some(first), Some(offsets)) = (all, first, offsets) else {
        return (
            false,
            format!("a {GARP_AFTER_TAKEOVER} finding without data.count, first_s and offsets_s"),
        );
    };
    let first_text = format!(", the first after {}", secs(first));
    let Some(limit) = within else {
        let window = f.data.get("within_s").and_then(|v| v.as_f64());
        let mut text = format!("{} from {router}", count(all as usize, "GARP"));
        if let Some(w) = window {
            text += &format!(" in the {} after its takeover", secs(w));
        }
        return (want.is_none_or(|c| c.holds(&all)), text + &first_text);
    };
    let n = offsets.iter().filter(|&&o| at_most(o, limit)).count();
    let ok = at_most(first, limit) && want.is_none_or(|c| c.holds(&(n as u64)));
    let text = format!(
        "{} from {router} within {} of its takeover ({all} in all){first_text}",
        count(n, "GARP"),
        fmt_duration(limit)
    );
    (ok, text)
}

pub(super) fn none(
    exp: &Expectation,
    report: &Report,
    severity: Compare<Severity>,
    kind: Option<&str>,
) -> Seen {
    let found: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| {
            severity.holds(&f.severity)
                && kind.is_none_or(|k| f.kind == k)
                && exp.selects_finding(f)
        })
        .collect();
    let what = format!(
        "{}finding with severity{}{}{}",
        kind.map_or(String::new(), |k| format!("{k} ")),
        severity.op.symbol(),
        severity_name(severity.value),
        exp.scope_name()
    );
    if found.is_empty() {
        return Seen::new(true, format!("saw no {what}"), vec![]);
    }
    let texts: Vec<String> = found
        .iter()
        .map(|f| format!("{} {}: {}", severity_name(f.severity), f.kind, f.message))
        .collect();
    let frames = found
        .iter()
        .flat_map(|f| f.frames.iter().copied())
        .collect();
    Seen::new(
        false,
        format!("saw {}: {}", count(found.len(), "finding"), limited(&texts)),
        frames,
    )
}

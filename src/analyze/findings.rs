//! Findings about elections: each failover measured against what keepalived
//! should have taken, and each split brain with the cause the packets point to.

use super::conformance::Lints;
use super::election::{expected_takeover_us, Election, SplitBrain, Takeover};
use super::report::{Cause, Finding, Severity};
use super::secs;
use serde_json::{json, Map, Value};

/// A takeover further than this from the expected time is worth a warning,
/// (beyond this fraction of the expectation, and at least 100 ms).
const TOLERANCE: f64 = 0.25;

/// A finding for each takeover but the first master.
pub fn failover(t: &Takeover) -> Option<Finding> {
    if t.cause == Cause::Initial {
        return None;
    }
    {
        {
            let expected = expected_takeover_us(t);
            let mut data = Map::new();
            data.insert("router".into(), json!(t.router.to_string()));
            data.insert("cause".into(), json!(t.cause));
            data.insert(
                "takeover_s".into(),
                json!(t.takeover_us.map(|u| secs(u as i64))),
            );
            data.insert("expected_s".into(), json!(expected.map(|u| secs(u as i64))));
            let prev = t
                .previous
                .map_or_else(|| "nobody".to_string(), |p| p.to_string());
            let how = match t.cause {
                Cause::Resign => "after the master resigned (priority 0)",
                Cause::Timeout if t.previous_prio.is_some() => {
                    "while the master still advertised: it did not hear it, and its own timer ran out"
                }
                Cause::Timeout => "after the master went silent",
                Cause::Preempt if t.previous_prio == Some(t.prio) => "by preemption (equal priority, higher address)",
                Cause::Preempt => "by preemption (higher priority)",
                Cause::Initial => "",
            };
            let took = t
                .takeover_us
                .map_or(String::new(), |u| format!(" in {:.6} s", secs(u as i64)));
            let exp = expected.filter(|_| t.takeover_us.is_some()).map_or(String::new(), |u| {
                format!(
                    " (keepalived expects {:.6} s for priority {})",
                    secs(u as i64),
                    t.prio
                )
            });
            let mut severity = Severity::Info;
            let mut cause = None;
            if let (Some(got), Some(want)) = (t.takeover_us, expected) {
                let (got, want) = (got as f64, want as f64);
                let slack = (want * TOLERANCE).max(100_000.0);
                if got > want + slack {
                    severity = Severity::Warn;
                    cause = Some("slower than the protocol allows: adverts lost, a busy or paused backup, or a larger advert_int/preempt_delay than the packets show".to_string());
                } else if got + slack < want {
                    severity = Severity::Warn;
                    cause = Some("faster than Master_Down_Interval: the backup stopped hearing the master before its last adverts seen here (one-way loss)".to_string());
                }
            }
            Some(Finding {
                severity,
                kind: "failover",
                ts: secs(t.ts),
                vrid: Some(t.key.vrid),
                family: Some(t.key.family),
                frames: t.trigger_frame.into_iter().chain([t.frame]).collect(),
                message: format!(
                    "VRID {}: {} took over from {prev} {how}{took}{exp}",
                    t.key.vrid, t.router
                ),
                cause,
                data,
            })
        }
    }
}

pub fn split_brains(elections: &[Election], lints: &Lints) -> Vec<Finding> {
    elections
        .iter()
        .flat_map(|e| {
            e.split_brains
                .iter()
                .map(move |sb| split_brain(sb, e, lints))
        })
        .collect()
}

fn split_brain(sb: &SplitBrain, e: &Election, lints: &Lints) -> Finding {
    let routers: Vec<String> = sb.routers.iter().map(|r| r.to_string()).collect();
    let dur = sb.until.map_or_else(
        || "until the end of the capture".to_string(),
        |u| format!("for {:.3} s", secs(u - sb.since)),
    );
    let mismatches = lints.mismatches(e.key());
    let cause = if let Some(m) = mismatches
        .iter()
        .find(|m| sb.routers.contains(&m.a) && sb.routers.contains(&m.b))
    {
        format!("{} — they discard each other's adverts", m.what)
    } else {
        one_way_or_both(sb, e)
    };
    let mut data = Map::new();
    data.insert("routers".into(), Value::from(routers.clone()));
    data.insert(
        "duration_s".into(),
        json!(sb.until.map(|u| secs(u - sb.since))),
    );
    data.insert("winner".into(), json!(sb.winner.map(|w| w.to_string())));
    Finding {
        severity: Severity::Error,
        kind: "split_brain",
        ts: secs(sb.since),
        vrid: Some(sb.key.vrid),
        family: Some(sb.key.family),
        frames: sb.frames.iter().copied().take(10).collect(),
        message: format!(
            "VRID {}: split brain, {} all master {dur}",
            sb.key.vrid,
            routers.join(" and ")
        ),
        cause: Some(cause),
        data,
    }
}

/// With matching configurations, the routers did not hear each other. The
/// one that started advertising while a higher master was alive is deaf; a
/// master that hears a lower advert answers at once (keepalived sends an
/// advert and GARPs), so if the higher one never reacts, neither hears.
fn one_way_or_both(sb: &SplitBrain, e: &Election) -> String {
    match sb.newcomer {
        Some((new, Some(prev))) if e.reacted(prev, new) => format!(
            "{new} did not hear {prev} (which did hear it and answered at once) — inbound VRRP dropped on {new} (firewall), or a one-way multicast loss"
        ),
        Some((new, Some(prev))) => format!(
            "{new} and {prev} did not hear each other — VRRP dropped both ways (firewalls on both, or multicast filtered on the switch)"
        ),
        _ => "the routers did not hear each other's adverts".to_string(),
    }
}

//! The event log of a run: what the operator did, what each daemon logged,
//! state changes and address changes, per node, in virtual time. Printed as
//! keepalived-style lines (`--log`) or JSON lines (`--json`).

use crate::engine::{Micros, StateChange};
use std::fmt::Write as _;
use std::net::IpAddr;

/// Virtual time 0 is 2026-01-01T00:00:00Z, so that captures carry realistic
/// (and reproducible) timestamps.
pub const EPOCH_SECS: i64 = 1_767_225_600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A scenario action applied to the node (or to the LAN, node = None).
    Action(String),
    /// A line a daemon logged.
    Log { daemon: String, line: String },
    State(StateChange),
    AddrAdded(IpAddr),
    AddrRemoved(IpAddr),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub at: Micros,
    /// Index of the node, `None` for actions on the whole LAN.
    pub node: Option<usize>,
    pub kind: Kind,
}

/// `HH:MM:SS.ffffff` of the virtual time's wall clock, as tcpdump prints a
/// capture's timestamps (in UTC).
pub fn clock(at: Micros) -> String {
    let secs = at / 1_000_000;
    format!("{:02}:{:02}:{:02}.{:06}", (secs / 3600) % 24, (secs / 60) % 60, secs % 60, at % 1_000_000)
}

/// Seconds since the start, with microseconds.
pub fn seconds(at: Micros) -> String {
    format!("{}.{:06}", at / 1_000_000, at % 1_000_000)
}

impl Entry {
    fn node_name<'a>(&self, names: &'a [String]) -> &'a str {
        self.node.and_then(|n| names.get(n)).map_or("lan", String::as_str)
    }

    /// One line in the style of `/var/log/messages` (`--log`); entries that
    /// are not daemon log lines are marked with `--`.
    pub fn text(&self, names: &[String]) -> String {
        let node = self.node_name(names);
        let t = clock(self.at);
        match &self.kind {
            Kind::Log { daemon, line } => format!("{t} {node} {daemon}: {line}"),
            Kind::Action(a) => format!("{t} {node} -- {a}"),
            Kind::State(s) => format!(
                "{t} {node} -- ({}) {} -> {} (vrid {}, prio {})",
                s.instance,
                s.from.name(),
                s.to.name(),
                s.vrid,
                s.priority
            ),
            Kind::AddrAdded(a) => format!("{t} {node} -- address {a} added"),
            Kind::AddrRemoved(a) => format!("{t} {node} -- address {a} removed"),
        }
    }

    /// One JSON object (`--json`). Times are written from integers so that
    /// no microsecond is lost to floating point.
    pub fn json(&self, names: &[String]) -> String {
        let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let mut o = String::new();
        let _ = write!(
            o,
            "{{\"ts\":{},\"t\":{},\"node\":{}",
            seconds(self.at + EPOCH_SECS as u64 * 1_000_000),
            seconds(self.at),
            q(self.node_name(names))
        );
        let _ = match &self.kind {
            Kind::Action(a) => write!(o, ",\"event\":\"action\",\"action\":{}", q(a)),
            Kind::Log { daemon, line } => write!(o, ",\"event\":\"log\",\"daemon\":{},\"text\":{}", q(daemon), q(line)),
            Kind::State(s) => write!(
                o,
                ",\"event\":\"state\",\"instance\":{},\"vrid\":{},\"family\":\"{}\",\"from\":\"{}\",\"to\":\"{}\",\"prio\":{},\"addr\":\"{}\"",
                q(&s.instance),
                s.vrid,
                s.family.name(),
                s.from.name(),
                s.to.name(),
                s.priority,
                s.addr
            ),
            Kind::AddrAdded(a) => write!(o, ",\"event\":\"addr_add\",\"addr\":\"{a}\""),
            Kind::AddrRemoved(a) => write!(o, ",\"event\":\"addr_del\",\"addr\":\"{a}\""),
        };
        o.push('}');
        o
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::engine::VrrpState;
    use crate::wire::vrrp::Family;

    #[test]
    fn text_and_json() {
        let names = vec!["n1".to_string(), "n2".to_string()];
        let e = Entry {
            at: 3_609_375,
            node: Some(1),
            kind: Kind::Log { daemon: "Keepalived_vrrp".into(), line: "(VI_1) Entering MASTER STATE".into() },
        };
        assert_eq!(e.text(&names), "00:00:03.609375 n2 Keepalived_vrrp: (VI_1) Entering MASTER STATE");
        let j: serde_json::Value = serde_json::from_str(&e.json(&names)).unwrap();
        assert_eq!(j["t"], 3.609375);
        assert_eq!(j["text"], "(VI_1) Entering MASTER STATE");
        assert!(e.json(&names).starts_with("{\"ts\":1767225603.609375,"));
        let s = Entry {
            at: 0,
            node: Some(0),
            kind: Kind::State(StateChange {
                instance: "VI_1".into(),
                vrid: 51,
                family: Family::Ipv4,
                from: VrrpState::Backup,
                to: VrrpState::Master,
                priority: 100,
                addr: "192.0.2.11".parse().unwrap(),
            }),
        };
        let j: serde_json::Value = serde_json::from_str(&s.json(&names)).unwrap();
        assert_eq!((j["event"].as_str(), j["to"].as_str(), j["vrid"].as_u64()), (Some("state"), Some("MASTER"), Some(51)));
        assert_eq!(clock(3_600_000_000 * 25 + 1), "01:00:00.000001");
    }
}

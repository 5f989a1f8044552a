//! Who was master when, read back from the event log: the spans during
//! which each instance was MASTER, per virtual router (VRID and family).

use super::log::{Entry, Kind};
use crate::engine::{Micros, VrrpState};
use crate::wire::vrrp::Family;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// One stretch of mastership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub vrid: u8,
    pub family: Family,
    pub node: usize,
    pub instance: String,
    pub addr: IpAddr,
    pub priority: u8,
    pub from: Micros,
    /// `None`: still master at the end of the run.
    pub to: Option<Micros>,
}

/// Mastership spans ordered by virtual router, then start time.
pub fn master_spans(log: &[Entry]) -> Vec<Span> {
    let mut open: BTreeMap<(u8, Family, usize, String), Span> = BTreeMap::new();
    let mut done = vec![];
    for e in log {
        let (Kind::State(s), Some(node)) = (&e.kind, e.node) else { continue };
        let key = (s.vrid, s.family, node, s.instance.clone());
        if s.to == VrrpState::Master {
            open.insert(
                key,
                Span {
                    vrid: s.vrid,
                    family: s.family,
                    node,
                    instance: s.instance.clone(),
                    addr: s.addr,
                    priority: s.priority,
                    from: e.at,
                    to: None,
                },
            );
        } else if s.from == VrrpState::Master {
            if let Some(mut sp) = open.remove(&key) {
                sp.to = Some(e.at);
                done.push(sp);
            }
        }
    }
    done.extend(open.into_values());
    done.sort_by_key(|a| (a.family, a.vrid, a.from, a.node));
    done
}

/// The nodes that became master of `vrid`, in order (a node appears again
/// each time it takes over again).
pub fn masters(log: &[Entry], vrid: u8) -> Vec<(Micros, usize)> {
    let mut v: Vec<(Micros, usize)> = log
        .iter()
        .filter_map(|e| match (&e.kind, e.node) {
            (Kind::State(s), Some(n)) if s.vrid == vrid && s.to == VrrpState::Master => Some((e.at, n)),
            _ => None,
        })
        .collect();
    v.sort();
    v
}

/// The stretches (start, end) during which `vrid` had more than one master.
pub fn split_brain(spans: &[Span], vrid: u8, family: Family, end: Micros) -> Vec<(Micros, Micros)> {
    let mut edges: Vec<(Micros, i32)> = vec![];
    for s in spans.iter().filter(|s| s.vrid == vrid && s.family == family) {
        edges.push((s.from, 1));
        edges.push((s.to.unwrap_or(end), -1));
    }
    edges.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut n, mut start, mut out) = (0, 0, vec![]);
    for (t, d) in edges {
        let before = n;
        n += d;
        if before < 2 && n >= 2 {
            start = t;
        } else if before >= 2 && n < 2 && t > start {
            out.push((start, t));
        }
    }
    out
}

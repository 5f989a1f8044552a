//! Everything the UI knows about the capture as a whole: the analyzer's
//! report (masters, causes, split brains, findings), the bands drawn from
//! the adverts, and the events that stepping and jumping visit.

use super::bands::{self, Bands, Known, Span};
use super::store::Frames;
use crate::analyze::report::{KeyFields, Report, TimelineEvent};
use crate::analyze::Analyzer;
use crate::capture::Frame;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventKind {
    /// A router became master (the analyzer's timeline).
    Master,
    SplitStart,
    SplitEnd,
    /// A router advertised a new priority.
    Priority,
    /// A gratuitous ARP for a virtual address.
    Garp,
    /// The evidence of a finding.
    Finding,
}

impl EventKind {
    /// A change of who is master: what `]` and `[` jump between.
    pub fn is_state_change(self) -> bool {
        matches!(self, EventKind::Master | EventKind::SplitStart | EventKind::SplitEnd)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub us: i64,
    /// From 1, as the list numbers frames.
    pub frame: u64,
    pub kind: EventKind,
}

#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub report: Report,
    pub bands: Bands,
    /// Sorted by frame, then kind.
    pub events: Vec<Event>,
    /// Every router's address in order: a router's colour is its place.
    routers: Vec<IpAddr>,
}

pub fn micros(ts: f64) -> i64 {
    (ts * 1e6).round() as i64
}

/// Feeds the analyzer and the band builder together, frame by frame.
#[derive(Default)]
pub struct Builder {
    analyzer: Analyzer,
    bands: bands::Builder,
}

impl Builder {
    pub fn feed(&mut self, f: &Frame) {
        self.analyzer.feed(f);
        self.bands.feed(f);
    }

    /// A state change the source knows of (a simulation's instances).
    pub fn known(&mut self, k: &Known) {
        self.bands.known(k);
    }

    pub fn finish(self) -> Analysis {
        let report = self.analyzer.finish();
        let mut bands = self.bands.finish();
        let mut events = vec![];
        for e in &report.timeline {
            let (kind, frame) = match e {
                TimelineEvent::Master { frame, .. } => (EventKind::Master, *frame),
                TimelineEvent::SplitBrainStart { frame, .. } => (EventKind::SplitStart, *frame),
                TimelineEvent::SplitBrainEnd { frame, .. } => (EventKind::SplitEnd, *frame),
            };
            events.push(Event { us: micros(e.ts()), frame, kind });
            let Some(vr) = bands.vrs.iter_mut().find(|vr| same_vr(e.key(), &vr.key)) else { continue };
            match kind {
                EventKind::SplitStart => vr.splits.push(Span { start: micros(e.ts()), end: None }),
                EventKind::SplitEnd => {
                    if let Some(s) = vr.splits.last_mut().filter(|s| s.end.is_none()) {
                        s.end = Some(micros(e.ts()));
                    }
                }
                _ => {}
            }
        }
        for r in bands.vrs.iter().flat_map(|vr| &vr.routers) {
            events.extend(r.prio_changes.iter().map(|m| Event { us: m.us, frame: m.frame, kind: EventKind::Priority }));
            events.extend(r.garps.iter().map(|m| Event { us: m.us, frame: m.frame, kind: EventKind::Garp }));
        }
        for f in &report.findings {
            if let Some(&frame) = f.frames.first() {
                events.push(Event { us: micros(f.ts), frame, kind: EventKind::Finding });
            }
        }
        events.sort_by_key(|e| (e.frame, e.kind));
        events.dedup();
        let routers = bands.routers();
        Analysis { report, bands, events, routers }
    }
}

/// Whether the analyzer's key fields name this virtual router.
pub fn same_vr(k: &KeyFields, key: &crate::analyze::report::VrKey) -> bool {
    k.vrid == key.vrid && k.family == key.family && k.vlan == key.vlan && k.interface == key.interface
}

impl Analysis {
    /// Analyses every frame of the store, with the states the source
    /// reported (none for a capture).
    pub fn of(frames: &Frames, known: &[Known]) -> Analysis {
        let mut b = Builder::default();
        let mut f = Frame::default();
        for i in 0..frames.len() {
            frames.load(i, &mut f);
            b.feed(&f);
        }
        for k in known {
            b.known(k);
        }
        b.finish()
    }

    /// The colour index of a router, if it ever advertised.
    pub fn colour_of(&self, addr: IpAddr) -> Option<usize> {
        self.routers.binary_search(&addr).ok()
    }

    /// The router that advertised from `mac`, if exactly one did.
    pub fn router_with_mac(&self, mac: [u8; 6]) -> Option<IpAddr> {
        let mut found = None;
        for r in self.bands.vrs.iter().flat_map(|vr| &vr.routers).filter(|r| r.mac == mac) {
            if found.is_some_and(|a| a != r.addr) {
                return None;
            }
            found = Some(r.addr);
        }
        found
    }

    /// The timeline events whose evidence is frame `frame` (from 1).
    pub fn timeline_at(&self, frame: u64) -> impl Iterator<Item = &TimelineEvent> {
        self.report.timeline.iter().filter(move |e| match e {
            TimelineEvent::Master { frame: f, .. }
            | TimelineEvent::SplitBrainStart { frame: f, .. }
            | TimelineEvent::SplitBrainEnd { frame: f, .. } => *f == frame,
        })
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::analyze::testutil::{advert, every_second, garp};

    #[test]
    fn events_cover_masters_priorities_garps_and_findings() {
        // n1 masters, resigns at 3 s; n2 takes over and sends a GARP.
        let mut frames = every_second(1, 100, 0, 3_000_000);
        frames.push(advert(3_000_000, 1, 0));
        frames.extend(every_second(2, 90, 3_609_000, 6_000_000));
        frames.push(garp(3_609_100, 2));
        frames.sort_by_key(|f| f.ts);
        let mut store = Frames::new();
        for f in &frames {
            store.push(f);
        }
        let a = Analysis::of(&store, &[]);
        let kinds: Vec<(u64, EventKind)> = a.events.iter().map(|e| (e.frame, e.kind)).collect();
        assert!(kinds.contains(&(1, EventKind::Master)), "{kinds:?}");
        assert!(kinds.contains(&(4, EventKind::Priority)), "{kinds:?}");
        assert!(kinds.contains(&(5, EventKind::Master)), "{kinds:?}");
        assert!(kinds.contains(&(6, EventKind::Garp)), "{kinds:?}");
        assert!(kinds.iter().any(|(_, k)| *k == EventKind::Finding), "{kinds:?}");
        assert!(kinds.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(a.colour_of(crate::analyze::testutil::ip(2)), Some(1));
        assert_eq!(a.router_with_mac(crate::analyze::testutil::mac(1)), Some(crate::analyze::testutil::ip(1)));
        assert!(matches!(a.timeline_at(5).next(), Some(TimelineEvent::Master { .. })));
    }
}

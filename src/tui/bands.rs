//! What the timeline pane draws: per virtual router, one band per router
//! built from that router's own adverts. Only a master advertises, so a
//! *run* of adverts (no gap longer than the analyzer's 1.5 intervals, one
//! priority) is a stretch of time the router believed it was master; a new
//! priority starts a new run, which is where the band shows a priority
//! change. Gratuitous ARPs for a virtual router's addresses are marked on
//! the band of the router that sent them.
//!
//! A simulation also knows what the capture cannot show: each instance's
//! state (a backup is silent, so a capture never sees it). Those states
//! come in as [`Known`] changes, and give routers that never advertised a
//! band too.

use crate::analyze::report::{Family, VrKey};
use crate::capture::Frame;
use crate::wire::decode::decode;
use crate::wire::vrrp::{self, Interval};
use crate::wire::arp;
use rustc_hash::FxHashMap;
use std::net::IpAddr;

/// A stretch of adverts from one router at one priority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// First and last advert, µs since the epoch.
    pub start: i64,
    pub last: i64,
    pub interval_us: u64,
    pub prio: u8,
    /// Frame numbers (from 1) of the first and last advert.
    pub first_frame: u64,
    pub last_frame: u64,
}

impl Run {
    /// Until when the router counts as master: one interval after its last
    /// advert (a priority-0 advert ends it at once).
    pub fn end(&self) -> i64 {
        if self.prio == 0 {
            self.last
        } else {
            self.last + self.interval_us as i64
        }
    }
}

/// A point on a band: a gratuitous ARP, or the first advert at a new priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub us: i64,
    pub frame: u64,
}

/// An instance's state, where the source knows it (a simulation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Init,
    Backup,
    Master,
    Fault,
}

/// A state change reported by the source, for a router of a virtual router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    pub us: i64,
    pub vrid: u8,
    pub family: Family,
    pub addr: IpAddr,
    pub state: State,
    pub prio: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Router {
    pub addr: IpAddr,
    /// The Ethernet source of its adverts (its own MAC, or the VMAC).
    pub mac: [u8; 6],
    pub runs: Vec<Run>,
    /// First adverts at a priority other than the run before's.
    pub prio_changes: Vec<Mark>,
    pub garps: Vec<Mark>,
    /// State changes the source reported (µs, state, priority), in order;
    /// empty for a capture.
    pub states: Vec<(i64, State, u8)>,
}

impl Router {
    /// The runs that overlap `[from, to)`.
    pub fn runs_in(&self, from: i64, to: i64) -> impl Iterator<Item = &Run> {
        // Starts are in order; ends almost (a priority-0 run ends at its
        // start), so look back two runs from the first that starts after `from`.
        let first = self.runs.partition_point(|r| r.start < from).saturating_sub(2);
        self.runs[first..].iter().take_while(move |r| r.start < to).filter(move |r| r.end() >= from)
    }

    /// The priority in force at `us`: that of the last run started (or
    /// reported state change) by then.
    pub fn prio_at(&self, us: i64) -> Option<u8> {
        let n = self.runs.partition_point(|r| r.start <= us);
        let run = n.checked_sub(1).map(|i| (self.runs[i].start, self.runs[i].prio));
        let k = self.states.partition_point(|s| s.0 <= us);
        let known = k.checked_sub(1).map(|i| (self.states[i].0, self.states[i].2));
        run.into_iter().chain(known).max_by_key(|(t, _)| *t).map(|(_, p)| p)
    }

    /// The reported state in force at `us`, if the source reports states.
    pub fn state_at(&self, us: i64) -> Option<State> {
        let k = self.states.partition_point(|s| s.0 <= us);
        k.checked_sub(1).map(|i| self.states[i].1)
    }
}

/// Whether a sorted list of marks has one in `[from, to)`.
pub fn any_in(marks: &[Mark], from: i64, to: i64) -> bool {
    let i = marks.partition_point(|m| m.us < from);
    marks.get(i).is_some_and(|m| m.us < to)
}

/// A split brain the analyzer reported, as a time span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: i64,
    /// `None`: still going when the capture ends.
    pub end: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vr {
    pub key: VrKey,
    pub version: u8,
    /// Every virtual address advertised, in order of first appearance.
    pub vips: Vec<IpAddr>,
    /// Sorted by address once the bands are finished.
    pub routers: Vec<Router>,
    pub splits: Vec<Span>,
    /// The router that advertised last (index into `routers`): who sends
    /// a gratuitous ARP from a MAC the routers share.
    last_src: Option<usize>,
}

/// The bands of every virtual router, in key order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bands {
    pub vrs: Vec<Vr>,
}

impl Bands {
    /// Every router's address, each once, in order: the colour of a router
    /// is its place here.
    pub fn routers(&self) -> Vec<IpAddr> {
        let mut v: Vec<IpAddr> = self.vrs.iter().flat_map(|vr| vr.routers.iter().map(|r| r.addr)).collect();
        v.sort();
        v.dedup();
        v
    }
}

/// At most this many addresses are remembered per virtual router.
const MAX_VIPS: usize = 32;

/// Builds the bands frame by frame.
#[derive(Debug, Default)]
pub struct Builder {
    frames: u64,
    index: FxHashMap<VrKey, usize>,
    vrs: Vec<Vr>,
}

impl Builder {
    pub fn feed(&mut self, f: &Frame) {
        self.frames += 1;
        let us = f.ts.as_micros();
        let d = decode(f.linktype, &f.data);
        if let Some((ip, bytes)) = d.vrrp() {
            let Ok(p) = vrrp::Packet::new_checked(bytes) else { return };
            let Ok(repr) = vrrp::Repr::parse(&p, ip.family) else { return };
            if repr.msg_type != 1 {
                return;
            }
            let key = VrKey { interface: f.interface, vlan: d.vlan().unwrap_or(0), family: ip.family, vrid: repr.vrid };
            let interval_us = match repr.interval {
                Interval::Seconds(0) | Interval::Centis(0) => 1_000_000,
                other => other.micros(),
            };
            let mac = d.macs().map_or([0; 6], |(src, _)| src);
            let advert = Advert { us, frame: self.frames, src: ip.src, mac, prio: repr.priority, interval_us };
            let vr = self.vr(key, repr.version());
            if vr.version == 0 {
                vr.version = repr.version();
            }
            vr.advert(&advert);
            for a in repr.addrs {
                if !vr.vips.contains(&a) && vr.vips.len() < MAX_VIPS {
                    vr.vips.push(a);
                }
            }
        } else if let Some(bytes) = d.arp() {
            let Some(a) = arp::Packet::new_checked(bytes).ok().and_then(|p| p.ether_ipv4()) else { return };
            if !a.is_gratuitous() {
                return;
            }
            let mark = Mark { us, frame: self.frames };
            let vip = IpAddr::V4(a.spa);
            for vr in self.vrs.iter_mut().filter(|vr| vr.key.family == Family::Ipv4 && vr.vips.contains(&vip)) {
                vr.garp(a.sha, mark);
            }
        }
    }

    /// A state change the source reported. Simulations have one untagged
    /// LAN, so the virtual router is the one on interface 0 without VLAN.
    pub fn known(&mut self, k: &Known) {
        let key = VrKey { interface: 0, vlan: 0, family: k.family, vrid: k.vrid };
        // The version shows with the first advert.
        let vr = self.vr(key, 0);
        let r = vr.router(k.addr, [0; 6]);
        vr.routers[r].states.push((k.us, k.state, k.prio));
    }

    fn vr(&mut self, key: VrKey, version: u8) -> &mut Vr {
        let i = *self.index.entry(key).or_insert_with(|| {
            self.vrs.push(Vr { key, version, vips: vec![], routers: vec![], splits: vec![], last_src: None });
            self.vrs.len() - 1
        });
        &mut self.vrs[i]
    }

    pub fn finish(mut self) -> Bands {
        for vr in &mut self.vrs {
            vr.routers.sort_by_key(|r| r.addr);
            vr.last_src = None;
            for r in &mut vr.routers {
                r.states.sort_by_key(|s| s.0);
            }
        }
        self.vrs.sort_by_key(|vr| (vr.key.interface, vr.key.vlan, vr.key.family, vr.key.vrid));
        Bands { vrs: self.vrs }
    }
}

struct Advert {
    us: i64,
    frame: u64,
    src: IpAddr,
    mac: [u8; 6],
    prio: u8,
    interval_us: u64,
}

impl Vr {
    /// The index of router `addr`, added if new.
    fn router(&mut self, addr: IpAddr, mac: [u8; 6]) -> usize {
        match self.routers.iter().position(|r| r.addr == addr) {
            Some(i) => i,
            None => {
                self.routers.push(Router { addr, mac, runs: vec![], prio_changes: vec![], garps: vec![], states: vec![] });
                self.routers.len() - 1
            }
        }
    }

    fn advert(&mut self, a: &Advert) {
        let i = self.router(a.src, a.mac);
        self.last_src = Some(i);
        let r = &mut self.routers[i];
        r.mac = a.mac;
        if let Some(run) = r.runs.last_mut() {
            let silent_after = (run.interval_us + run.interval_us / 2) as i64;
            if run.prio == a.prio && a.us - run.last <= silent_after {
                run.last = a.us;
                run.last_frame = a.frame;
                run.interval_us = a.interval_us;
                return;
            }
            if run.prio != a.prio {
                r.prio_changes.push(Mark { us: a.us, frame: a.frame });
            }
        }
        r.runs.push(Run {
            start: a.us,
            last: a.us,
            interval_us: a.interval_us,
            prio: a.prio,
            first_frame: a.frame,
            last_frame: a.frame,
        });
    }

    /// A gratuitous ARP for one of this router's addresses: it belongs to
    /// the one router with that source MAC, else to the last advertiser.
    fn garp(&mut self, sha: [u8; 6], mark: Mark) {
        let mut by_mac = self.routers.iter().enumerate().filter(|(_, r)| r.mac == sha).map(|(i, _)| i);
        let who = match (by_mac.next(), by_mac.next()) {
            (Some(i), None) => Some(i),
            _ => self.last_src,
        };
        if let Some(i) = who {
            self.routers[i].garps.push(mark);
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::analyze::testutil::{advert, every_second, garp, ip, T0};

    fn bands(mut frames: Vec<Frame>) -> Bands {
        frames.sort_by_key(|f| f.ts);
        let mut b = Builder::default();
        for f in &frames {
            b.feed(f);
        }
        b.finish()
    }

    #[test]
    fn runs_break_on_silence_and_on_priority() {
        // n1 masters 0..5 s, goes quiet, comes back at 9 s with priority 90.
        let mut f = every_second(1, 100, 0, 5_000_000);
        f.extend(every_second(1, 90, 9_000_000, 11_000_000));
        f.push(advert(11_000_000, 1, 0));
        let b = bands(f);
        assert_eq!(b.vrs.len(), 1);
        let r = &b.vrs[0].routers[0];
        let spans: Vec<(i64, i64, u8)> = r.runs.iter().map(|r| ((r.start - T0) / 1000, (r.end() - T0) / 1000, r.prio)).collect();
        assert_eq!(spans, [(0, 5000, 100), (9000, 11000, 90), (11000, 11000, 0)]);
        assert_eq!(r.prio_changes.iter().map(|m| m.frame).collect::<Vec<_>>(), [6, 8]);
        assert_eq!(r.prio_at(T0 + 9_500_000), Some(90));
        assert_eq!(r.prio_at(T0 - 1), None);
        assert_eq!(r.runs_in(T0 + 5_500_000, T0 + 8_000_000).count(), 0);
        assert_eq!(r.runs_in(T0 + 4_500_000, T0 + 9_500_000).count(), 2);
    }

    #[test]
    fn reported_states_give_silent_routers_a_band() {
        let mut b = Builder::default();
        for f in every_second(1, 100, 0, 3_000_000) {
            b.feed(&f);
        }
        let known = |us: i64, n: u8, state: State, prio: u8| Known { us: T0 + us, vrid: 51, family: Family::Ipv4, addr: ip(n), state, prio };
        b.known(&known(0, 2, State::Backup, 90));
        b.known(&known(2_500_000, 2, State::Init, 90));
        let b = b.finish();
        let vr = &b.vrs[0];
        assert_eq!(vr.version, 2);
        let r2 = &vr.routers[1];
        assert_eq!(r2.addr, ip(2));
        assert!(r2.runs.is_empty());
        assert_eq!(r2.state_at(T0 + 1_000_000), Some(State::Backup));
        assert_eq!(r2.state_at(T0 + 2_600_000), Some(State::Init));
        assert_eq!(r2.state_at(T0 - 1), None);
        assert_eq!(r2.prio_at(T0 + 1), Some(90));
        assert_eq!(vr.routers[0].state_at(T0), None);
    }

    #[test]
    fn garps_go_to_the_router_with_their_mac() {
        let mut f = every_second(1, 100, 0, 3_000_000);
        f.extend(every_second(2, 90, 5_000_000, 7_000_000));
        f.push(garp(5_000_100, 2));
        f.push(garp(5_000_200, 2));
        // A GARP from an unknown MAC goes to the last advertiser (n2).
        f.push(garp(6_500_000, 9));
        let b = bands(f);
        let vr = &b.vrs[0];
        assert_eq!(vr.vips, [IpAddr::V4(crate::analyze::testutil::VIP.into())]);
        assert_eq!(vr.routers.iter().map(|r| r.addr).collect::<Vec<_>>(), [ip(1), ip(2)]);
        assert!(vr.routers[0].garps.is_empty());
        assert_eq!(vr.routers[1].garps.len(), 3);
        assert!(any_in(&vr.routers[1].garps, T0 + 5_000_000, T0 + 5_000_101));
        assert!(!any_in(&vr.routers[1].garps, T0 + 5_000_201, T0 + 6_000_000));
        assert_eq!(b.routers(), [ip(1), ip(2)]);
    }
}

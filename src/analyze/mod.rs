//! Election, ARP, LVS and conformance analysis over decoded frames: the
//! Timeline and the Findings.
//!
//! The [`Analyzer`] is fed one frame at a time and keeps only small state
//! per virtual router, per address and per flow, so a capture of any size
//! is analysed in bounded memory. Frames are numbered from 1 across all
//! the files of one run, as `read -#` numbers them.

mod arp;
mod batch;
pub(crate) mod conformance;
mod election;
mod findings;
mod lvs;
mod recent;
pub mod sighting;
pub mod report;
pub mod text;

use crate::capture::{readahead, Frame};
use sighting::{Sighting, What};
use crate::wire::vrrp::{self, Family, Interval};
use election::{Advert, Election};
use report::{FrameNo, Report, VrKey};
use rustc_hash::FxHashMap;
use std::net::IpAddr;

/// Capture time in microseconds since the epoch: exact, unlike f64 seconds.
pub type Micros = i64;

/// The timestamps the analyzer takes, in microseconds either side of the
/// epoch (about 285 years): beyond them a capture's clock is corrupt, and
/// clamping keeps every difference and sum of times from overflowing and
/// every time exact as f64 seconds.
const MAX_TS: Micros = 1 << 53;

fn secs(us: Micros) -> f64 {
    us as f64 / 1e6
}

fn mac_str(m: &[u8; 6]) -> String {
    report::Mac(*m).to_string()
}

/// The analyzer: feed frames in capture order, then `finish`.
#[derive(Default)]
pub struct Analyzer {
    frames: FrameNo,
    /// Each virtual router's election, by key: looked up only for a router
    /// not seen before.
    index: FxHashMap<VrKey, usize>,
    /// Each router of each virtual router, by key: where it is in `known`.
    routers: FxHashMap<(u64, u128), usize>,
    known: Vec<Known>,
    /// Where the routers of the adverts seen last are in `known`, by the
    /// adverts' content: most adverts find their router here, without
    /// hashing its key.
    by_content: [(u64, usize); BY_CONTENT],
    elections: Vec<Election>,
    lints: conformance::Lints,
    arp: arp::ArpTracker,
    lvs: lvs::LvsTracker,
    sink: report::Sink,
    /// How [`Analyzer::feed`] reads frames: as the reading thread of
    /// [`analyze_files`] does, one at a time. Boxed, so that `feed` takes it
    /// out to read with it while analysing, and puts it back, by moving a
    /// pointer.
    reading: Option<Box<Reading>>,
    /// Leave the timeline out of the report.
    without_timeline: bool,
}

impl Analyzer {
    pub fn new() -> Analyzer {
        Analyzer::default()
    }

    /// An analyzer whose report has no timeline, for callers that only
    /// want the findings: its events take memory in proportion to the
    /// takeovers, and filling that memory costs a good part of a run on a
    /// capture with many.
    pub fn without_timeline() -> Analyzer {
        Analyzer { without_timeline: true, ..Analyzer::default() }
    }

    pub fn feed(&mut self, frame: &Frame) {
        let mut r = self.reading.take().unwrap_or_default();
        r.batch.read(&frame.view(), &mut r.recent);
        r.batch.replay(&mut r.mirror, |ts, s| self.apply(ts, s));
        readahead::Batch::clear(&mut r.batch);
        self.reading = Some(r);
    }

    /// Feeds a frame of time `ts` (clamped to ±2^53 µs) already read
    /// into `s`, possibly on another thread. Inlined into the caller's
    /// loop for the adverts that only move a steady election's clock,
    /// most of any capture.
    #[inline]
    pub fn apply(&mut self, ts: Micros, s: &Sighting) {
        self.frames += 1;
        self.arp.tick(ts);
        if let What::Advert(ad) = &s.what {
            if self.heard_again(ts, ad, s.repr.priority) {
                return;
            }
        }
        self.analyse(ts, s);
    }

    /// Whether `ad` is the same advert as its router's last one (same
    /// content), from the only master of a steady election: then only the
    /// election's clock moves, and it has.
    #[inline]
    fn heard_again(&mut self, ts: Micros, ad: &sighting::Advert, prio: u8) -> bool {
        let (content, k) = self.by_content[(ad.content % BY_CONTENT as u64) as usize];
        if ad.content == 0 || content != ad.content || ad.faults != conformance::Faults::default() {
            return false;
        }
        let known = &self.known[k];
        known.content == ad.content && self.elections[known.election].heard_again(ad.src, prio, ts, self.frames)
    }

    /// Everything [`Analyzer::apply`] does not do itself.
    #[inline(never)]
    fn analyse(&mut self, ts: Micros, s: &Sighting) {
        let no = self.frames;
        match &s.what {
            What::Advert(ad) => self.advert(no, ts, ad, &s.repr),
            What::Truncated { src } => self.lints.truncated(no, ts, *src),
            What::Malformed { .. } => self.lints.malformed(no, ts, &s.what),
            What::Arp { arp, eth_src } => self.arp.arp(no, ts, *eth_src, arp, &self.elections),
            What::Ip(p) => self.lvs.ip(no, ts, p, &self.arp),
            What::Other => {}
        }
    }

    fn advert(&mut self, no: FrameNo, ts: Micros, ad: &sighting::Advert, repr: &vrrp::Repr) {
        let version = repr.version();
        let k = self.router(ad, version);
        let known = &mut self.known[k];
        // The same as this router's advert before: its configuration is
        // what the lints hold already.
        let clean = ad.content != 0 && ad.faults == conformance::Faults::default();
        let same = clean && ad.content == known.content;
        // Or the same as one of its adverts that the lints found to hold
        // its configuration, which has not changed since: a router that
        // resigns and comes back, or whose priority moves, alternates
        // between a few.
        let checked = clean && known.checked.contains(&ad.content);
        known.content = ad.content;
        let (i, slot) = (known.election, known.slot);
        if same && self.elections[i].heard_again(ad.src, repr.priority, ts, no) {
            return;
        }
        let changed = !same && !checked && self.lints.advert(no, ts, i, slot, ad, repr);
        if !same && !checked {
            let known = &mut self.known[k];
            // A change, even by an advert with faults, voids what was checked.
            if changed {
                known.checked = [0; 2];
            }
            if clean {
                known.checked = [ad.content, known.checked[0]];
            }
        }
        let interval_us = match repr.interval {
            Interval::Seconds(0) | Interval::Centis(0) => 1_000_000,
            other => other.micros(),
        };
        let auth = match repr.auth {
            vrrp::Auth::V2 { data, .. } => data,
            vrrp::Auth::V3 => None,
        };
        let heard = Advert { ts, frame: no, src: ad.src, mac: ad.mac, prio: repr.priority, version, interval_us, auth };
        self.elections[i].advert(&heard);
        // Drained, not taken: the vectors keep their capacity for the next takeover.
        for t in self.elections[i].started.drain(..) {
            self.arp.expect_garps(t, &repr.addrs);
        }
        for t in self.elections[i].fresh.drain(..) {
            if self.sink.wants("failover") {
                self.sink.extend(findings::failover(&t));
            }
        }
        if changed && ad.key.family == Family::Ipv4 {
            self.arp.vips(&repr.addrs, i);
        }
    }

    /// Where `ad`'s router is in `known`: found by the advert's content
    /// when that was seen before (a content is one router's), by the
    /// router's key otherwise, and added when new.
    fn router(&mut self, ad: &sighting::Advert, version: u8) -> usize {
        let by_content = (ad.content % BY_CONTENT as u64) as usize;
        if ad.content != 0 && self.by_content[by_content].0 == ad.content {
            return self.by_content[by_content].1;
        }
        let router = router_key(&ad.key, ad.src);
        let k = match self.routers.get(&router) {
            Some(&k) => k,
            None => {
                let elections = &mut self.elections;
                let election = *self.index.entry(ad.key).or_insert_with(|| {
                    elections.push(Election::new(ad.key, version, !self.without_timeline));
                    elections.len() - 1
                });
                let slot = self.lints.routers_seen(election);
                self.known.push(Known { election, slot, content: 0, checked: [0; 2] });
                self.routers.insert(router, self.known.len() - 1);
                self.known.len() - 1
            }
        };
        self.by_content[by_content] = (ad.content, k);
        k
    }

    /// Closes open periods and turns what was seen into the report.
    pub fn finish(mut self) -> Report {
        for e in &mut self.elections {
            e.finish();
            for t in std::mem::take(&mut e.fresh) {
                if let Some(f) = findings::failover(&t) {
                    self.sink.push(f);
                }
            }
        }
        // Into the longest of the elections' timelines, which most often
        // holds nearly all the events: one large vector, not two.
        let mut parts: Vec<Vec<_>> = self.elections.iter_mut().map(|e| std::mem::take(&mut e.timeline)).collect();
        let longest = (0..parts.len()).max_by_key(|&i| parts[i].len());
        let mut timeline = longest.map(|i| std::mem::take(&mut parts[i])).unwrap_or_default();
        for part in parts {
            timeline.extend(part);
        }
        timeline.sort_by(|a, b| a.ts().total_cmp(&b.ts()).then(order(a).cmp(&order(b))));
        let mut sink = std::mem::take(&mut self.sink);
        sink.extend(findings::split_brains(&self.elections, &self.lints));
        sink.extend(self.arp.finish());
        sink.extend(self.lints.finish());
        for (vip, director) in self.lvs.dr_vips() {
            sink.extend(self.arp.real_servers_answering(vip, director));
        }
        sink.extend(self.lvs.finish());
        let mut findings = sink.finish();
        findings.sort_by(|a, b| {
            a.ts.total_cmp(&b.ts)
                .then(a.frames.first().cmp(&b.frames.first()))
        });
        let mut final_masters: Vec<_> = self.elections.iter().map(Election::final_master).collect();
        final_masters.sort_by_key(|m| (m.key.interface, m.key.vlan, m.key.family, m.key.vrid));
        Report {
            timeline,
            findings,
            final_masters,
            frames: self.frames,
        }
    }
}

/// Adverts whose router [`Analyzer::router`] remembers by content.
const BY_CONTENT: usize = 32;

/// A router of a virtual router, as the analyzer knows it.
struct Known {
    /// Its election,
    election: usize,
    /// its place among that election's routers in the lints,
    slot: usize,
    /// the content of its last advert ([`sighting::Advert::content`]),
    content: u64,
    /// and of the last two that the lints found to hold its configuration.
    checked: [u64; 2],
}

/// A reading thread's memory, the analysis's mirror of it, and a batch
/// between them.
#[derive(Default)]
struct Reading {
    recent: recent::Recent,
    mirror: batch::Mirror,
    batch: batch::Batch,
}

/// Analyses capture files in order, frames numbered across them, with `a`
/// (a new [`Analyzer`], with or without the timeline).
pub fn analyze_files(paths: &[std::path::PathBuf], mut a: Analyzer) -> anyhow::Result<Report> {
    let (mut recent, mut mirror) = (recent::Recent::default(), batch::Mirror::default());
    let read = move |b: &mut batch::Batch, f: &crate::capture::FrameRef| b.read(f, &mut recent);
    readahead::for_each_batch(paths, read, &mut |b| b.replay(&mut mirror, |ts, s| a.apply(ts, s)))?;
    Ok(a.finish())
}

/// A router of a virtual router as two integers, which hash in three
/// multiplications where the structs take a dozen steps: the lookup is
/// made for every advert.
fn router_key(key: &VrKey, src: IpAddr) -> (u64, u128) {
    let vr = u64::from(key.interface) << 32 | u64::from(key.vlan) << 16 | (key.family as u64) << 8 | u64::from(key.vrid);
    // The family is in `vr`: an IPv4 and an IPv6 source never meet.
    let ip = match src {
        IpAddr::V4(a) => u128::from(a.to_bits()),
        IpAddr::V6(a) => a.to_bits(),
    };
    (vr, ip)
}

/// Within one instant, a master event comes before the split brain it starts.
fn order(e: &report::TimelineEvent) -> (u8, FrameNo) {
    match e {
        report::TimelineEvent::Master { frame, .. } => (0, *frame),
        report::TimelineEvent::SplitBrainEnd { frame, .. } => (1, *frame),
        report::TimelineEvent::SplitBrainStart { frame, .. } => (2, *frame),
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod testutil;

//! Rebuilds VRRP elections from adverts alone.
//!
//! Only a master sends adverts, so every router that advertises believes it
//! is master. A router's *master period* starts with its first advert and
//! ends with a priority-0 advert (resign) or with silence. The cause of each
//! new period follows from how the previous one ended:
//!
//! - the previous master sent priority 0 → `resign` (Skew_Time later);
//! - the previous master went silent → `timeout` (Master_Down_Interval later);
//! - the previous master was still advertising and stops → `preempt`;
//! - both keep advertising for more than an interval → split brain.

use super::report::{Cause, FinalMaster, FrameNo, KeyFields, Mac, TimelineEvent, VrKey};
use super::Micros;
use crate::wire::vrrp;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// An advert this soon after another router's, and off its own schedule,
/// is a reaction to it.
const REACTION_US: Micros = 20_000;

/// What the election tracker needs from one advert.
#[derive(Debug, Clone)]
pub struct Advert {
    pub ts: Micros,
    pub frame: FrameNo,
    pub src: IpAddr,
    pub mac: [u8; 6],
    pub prio: u8,
    pub version: u8,
    /// The advertised interval in microseconds.
    pub interval_us: u64,
    /// v2 authentication data, which routers compare.
    pub auth: Option<[u8; 8]>,
}

/// A router that is currently advertising.
#[derive(Debug, Clone)]
struct Active {
    router: IpAddr,
    mac: [u8; 6],
    since: Micros,
    since_frame: FrameNo,
    last: Micros,
    last_frame: FrameNo,
    prio: u8,
    interval_us: u64,
    /// The last advert before this router's priority fell (track_script),
    /// and the new priority: the trigger of a preemption by a router it now
    /// ranks below.
    prio_fell_at: Option<(Micros, FrameNo, u8)>,
    /// A router that started while another was master is only master once
    /// the other stops (or both stay on: split brain); until then its
    /// takeover waits here.
    pending: Option<Takeover>,
    /// Started below a live master: the master should answer at once
    /// (keepalived sends an advert when it hears a lower one) by this time.
    awaiting_reaction: Option<Micros>,
    /// The master did not answer: this router does not hear it, or discards
    /// its adverts (auth, interval). It stays master in its own view even when
    /// silent, since each advert it receives pushes its own timer back.
    deaf: bool,
    version: u8,
    auth: Option<[u8; 8]>,
}

impl Active {
    /// Whether keepalived would discard adverts between the two routers
    /// (version, v2 interval or password differ): then each stays master.
    fn discards(&self, other: &Active) -> bool {
        self.version != other.version
            || (self.version == 2 && self.interval_us != other.interval_us)
            || self.auth != other.auth
    }

    /// Notes an advert from this router, its priority already dealt with.
    fn heard(&mut self, ad: &Advert) {
        self.last = ad.ts;
        self.last_frame = ad.frame;
        self.prio = ad.prio;
        self.interval_us = ad.interval_us;
        self.auth = ad.auth;
    }

    /// Silence longer than this means the router stopped advertising: two
    /// adverts missed, and shorter than any Master_Down_Interval.
    fn silent_after(&self) -> u64 {
        3 * self.interval_us
    }
}

/// What a router's start needs of the master it starts beside.
#[derive(Debug, Clone, Copy)]
struct Live {
    router: IpAddr,
    prio: u8,
    prio_fell_at: Option<(Micros, FrameNo, u8)>,
    interval_us: u64,
}

/// How the last master period ended, for the cause of the next one.
#[derive(Debug, Clone, Copy)]
struct Ended {
    router: IpAddr,
    /// The priority-0 advert, or the last advert before the silence.
    at: Micros,
    frame: FrameNo,
    resigned: bool,
    interval_us: u64,
}

#[derive(Debug, Clone)]
struct Split {
    routers: Vec<IpAddr>,
    since: Micros,
    /// The router whose start made the split, and the master it ignored.
    newcomer: Option<(IpAddr, Option<IpAddr>)>,
}

/// A change of master, for the failover and GARP findings.
#[derive(Debug, Clone)]
pub struct Takeover {
    pub key: VrKey,
    pub version: u8,
    pub ts: Micros,
    pub frame: FrameNo,
    pub router: IpAddr,
    pub mac: [u8; 6],
    pub prio: u8,
    pub cause: Cause,
    pub takeover_us: Option<u64>,
    pub previous: Option<IpAddr>,
    /// The previous master's priority, when it was still advertising.
    pub previous_prio: Option<u8>,
    /// The advert the takeover is timed from (priority 0, last advert, or
    /// last advert at the old priority).
    pub trigger_frame: Option<FrameNo>,
    /// The interval the previous master advertised, which the backup's
    /// Master_Down_Interval is built on (v3 backups adopt it).
    pub master_interval_us: u64,
}

/// A split brain that ended or is still going at the end of the capture.
#[derive(Debug, Clone)]
pub struct SplitBrain {
    pub key: VrKey,
    pub since: Micros,
    pub until: Option<Micros>,
    pub routers: Vec<IpAddr>,
    pub winner: Option<IpAddr>,
    pub frames: Vec<FrameNo>,
    /// The router whose start made the split, and the master it ignored.
    pub newcomer: Option<(IpAddr, Option<IpAddr>)>,
}

/// The election state of one virtual router.
/// Frames kept as the evidence of a split brain (the finding shows these).
const SPLIT_EVIDENCE: usize = 10;

#[derive(Debug)]
pub struct Election {
    key: VrKey,
    version: u8,
    active: Vec<Active>,
    ended: Option<Ended>,
    split: Option<Split>,
    split_frames: Vec<FrameNo>,
    /// (hearer, speaker): the master answered at once when the speaker
    /// started below it, as keepalived does when it hears a lower advert.
    reactions: BTreeSet<(IpAddr, IpAddr)>,
    /// Whether to keep `timeline`: a capture's takeovers can be many, and
    /// not every caller prints them.
    keep_timeline: bool,
    pub timeline: Vec<TimelineEvent>,
    /// Takeovers since the caller last drained them, but for those of
    /// cause `initial`, which fail over from no one (failover checks).
    pub fresh: Vec<Takeover>,
    /// Routers that started advertising since the caller last drained them,
    /// contested or not: each sends its GARPs as it starts (GARP checks).
    pub started: Vec<Takeover>,
    last_takeover: Option<(Micros, IpAddr, Option<IpAddr>)>,
    pub split_brains: Vec<SplitBrain>,
}

impl Election {
    pub fn new(key: VrKey, version: u8, keep_timeline: bool) -> Election {
        Election {
            keep_timeline,
            key,
            version,
            active: Vec::new(),
            ended: None,
            split: None,
            split_frames: Vec::new(),
            reactions: BTreeSet::new(),
            timeline: Vec::new(),
            fresh: Vec::new(),
            started: Vec::new(),
            last_takeover: None,
            split_brains: Vec::new(),
        }
    }

    pub fn key(&self) -> &VrKey {
        &self.key
    }

    fn key_fields(&self) -> KeyFields {
        KeyFields {
            vrid: self.key.vrid,
            family: self.key.family,
            version: self.version,
            vlan: self.key.vlan,
            interface: self.key.interface,
        }
    }

    /// The routers advertising now, with their MACs: who should answer ARP
    /// for the virtual router's addresses.
    pub fn masters(&self) -> impl Iterator<Item = (IpAddr, [u8; 6])> + '_ {
        self.active.iter().map(|a| (a.router, a.mac))
    }

    /// When the master last changed, if ever.
    pub fn last_change(&self) -> Option<Micros> {
        self.last_takeover.map(|(ts, _, _)| ts)
    }

    /// Whether `hearer` was seen reacting to `speaker`'s adverts.
    pub fn reacted(&self, hearer: IpAddr, speaker: IpAddr) -> bool {
        self.reactions.contains(&(hearer, speaker))
    }

    pub fn advert(&mut self, ad: &Advert) {
        if self.refresh(ad) {
            return;
        }
        self.settle_reactions(Some(ad));
        self.expire(ad.ts, ad.src);
        let pos = self.active.iter().position(|a| a.router == ad.src);
        if ad.prio == 0 {
            if let Some(i) = pos {
                // Dropped in place: an `Active` is large.
                self.active.drain(i..=i);
            }
            self.ended = Some(Ended {
                router: ad.src,
                at: ad.ts,
                frame: ad.frame,
                resigned: true,
                interval_us: ad.interval_us,
            });
            self.update_split(ad);
            self.resolve_pending(false);
            return;
        }
        match pos {
            Some(i) => {
                let a = &mut self.active[i];
                if ad.prio < a.prio {
                    // Backups still accepted the advert before this one: their
                    // Master_Down_Interval runs from it.
                    a.prio_fell_at = Some((a.last, a.last_frame, ad.prio));
                } else if ad.prio > a.prio {
                    a.prio_fell_at = None;
                }
                a.heard(ad);
            }
            None => self.start(ad),
        }
        self.update_split(ad);
        self.resolve_pending(self.split.is_some());
    }

    /// The steady state, which is most adverts of any capture: the only
    /// master advertising again at the same priority, with nothing pending
    /// or contested. All the general path would do is note the advert, so
    /// that is all this does; false (having done nothing) otherwise.
    fn refresh(&mut self, ad: &Advert) -> bool {
        self.steady(ad.src, ad.prio).map(|a| a.heard(ad)).is_some()
    }

    /// [`Election::refresh`] for an advert the same as the router's last
    /// one (by [`crate::analyze::sighting::Advert::content`]): of what the
    /// router's entry holds, only the time can differ.
    #[inline]
    pub fn heard_again(&mut self, src: IpAddr, prio: u8, ts: Micros, frame: FrameNo) -> bool {
        self.steady(src, prio).map(|a| (a.last, a.last_frame) = (ts, frame)).is_some()
    }

    /// The only master, when it is `src` at `prio` with nothing pending or
    /// contested.
    fn steady(&mut self, src: IpAddr, prio: u8) -> Option<&mut Active> {
        if self.split.is_some() {
            return None;
        }
        let [a] = self.active.as_mut_slice() else { return None };
        (a.router == src && a.prio == prio && a.pending.is_none() && a.awaiting_reaction.is_none()).then_some(a)
    }

    /// Decides, for routers that started below a live master, whether the
    /// master answered them (`ad` is the advert being processed; `None` at
    /// the end of the capture).
    fn settle_reactions(&mut self, ad: Option<&Advert>) {
        for a in &mut self.active {
            let Some(deadline) = a.awaiting_reaction else { continue };
            match ad {
                Some(ad) if ad.src != a.router && ad.ts <= deadline && ad.prio > 0 => {
                    a.awaiting_reaction = None;
                    self.reactions.insert((ad.src, a.router));
                }
                Some(ad) if ad.ts <= deadline => {}
                _ => {
                    a.awaiting_reaction = None;
                    a.deaf = true;
                }
            }
        }
    }

    /// Ends the periods of routers silent for longer than they may be. A
    /// deaf router beside a live master stays: its silence is the master's
    /// adverts resetting its timer, not its end.
    fn expire(&mut self, now: Micros, except: IpAddr) {
        let mut i = 0;
        while i < self.active.len() {
            let a = &self.active[i];
            let excused = a.deaf && self.active.iter().any(|o| o.router != a.router && a.discards(o));
            if a.router != except && !excused && now - a.last > a.silent_after() as Micros {
                self.ended = Some(Ended {
                    router: a.router,
                    at: a.last,
                    frame: a.last_frame,
                    resigned: false,
                    interval_us: a.interval_us,
                });
                self.active.drain(i..=i);
            } else {
                i += 1;
            }
        }
    }

    fn start(&mut self, ad: &Advert) {
        // Copied out, not cloned: an `Active` carries its pending takeover.
        let live = self.active.iter().max_by_key(|a| (a.prio, a.router)).map(|a| Live {
            router: a.router,
            prio: a.prio,
            prio_fell_at: a.prio_fell_at,
            interval_us: a.interval_us,
        });
        let (cause, trigger, previous, master_interval_us) = match (&live, self.ended) {
            (Some(m), _) => {
                let outranks = ad.prio > m.prio || (ad.prio == m.prio && ad.src > m.router);
                // A lower router that starts while the master is alive did not
                // hear it: its own timer ran out. The split brain shows later.
                let cause = if outranks {
                    Cause::Preempt
                } else {
                    Cause::Timeout
                };
                let trigger = m
                    .prio_fell_at
                    .filter(|&(_, _, p)| p < ad.prio && outranks)
                    .map(|(at, frame, _)| (at, frame));
                (cause, trigger, Some(m.router), m.interval_us)
            }
            (None, Some(e)) if e.router != ad.src => {
                let cause = if e.resigned {
                    Cause::Resign
                } else {
                    Cause::Timeout
                };
                (
                    cause,
                    Some((e.at, e.frame)),
                    Some(e.router),
                    e.interval_us,
                )
            }
            // The same router is back: a restart, not a takeover.
            (None, Some(e)) => (Cause::Initial, None, Some(e.router), ad.interval_us),
            (None, None) => (Cause::Initial, None, None, ad.interval_us),
        };
        let takeover = Takeover {
            key: self.key,
            version: ad.version,
            ts: ad.ts,
            frame: ad.frame,
            router: ad.src,
            mac: ad.mac,
            prio: ad.prio,
            cause,
            takeover_us: trigger.map(|(at, _)| (ad.ts - at) as u64),
            previous,
            previous_prio: live.as_ref().map(|m| m.prio),
            trigger_frame: trigger.map(|(_, frame)| frame),
            master_interval_us,
        };
        let contested = live.is_some();
        let pending = contested.then(|| takeover.clone());
        if !contested {
            self.emit(&takeover);
        }
        self.started.push(takeover);
        self.active.push(Active {
            router: ad.src,
            mac: ad.mac,
            since: ad.ts,
            since_frame: ad.frame,
            last: ad.ts,
            last_frame: ad.frame,
            prio: ad.prio,
            interval_us: ad.interval_us,
            prio_fell_at: None,
            pending,
            awaiting_reaction: live
                .as_ref()
                .filter(|m| !(ad.prio > m.prio || (ad.prio == m.prio && ad.src > m.router)))
                .map(|_| ad.ts + REACTION_US),
            deaf: false,
            version: ad.version,
            auth: ad.auth,
        });
        self.ended = None;
    }

    fn emit(&mut self, t: &Takeover) {
        self.record(TimelineEvent::Master {
            ts: super::secs(t.ts),
            key: self.key_fields(),
            router: t.router,
            mac: Mac(t.mac),
            prio: t.prio,
            cause: t.cause,
            takeover_s: t.takeover_us.map(|us| us as f64 / 1e6),
            previous: t.previous,
            frame: t.frame,
        });
        self.last_takeover = Some((t.ts, t.router, t.previous));
        if t.cause != Cause::Initial {
            self.fresh.push(t.clone());
        }
    }

    /// Emits the takeovers that waited for a contest to resolve: the
    /// router is alone now, or in a split brain.
    fn record(&mut self, e: TimelineEvent) {
        if self.keep_timeline {
            self.timeline.push(e);
        }
    }

    fn resolve_pending(&mut self, all: bool) {
        if !(all || self.active.len() == 1) || self.active.iter().all(|a| a.pending.is_none()) {
            return;
        }
        let mut ready: Vec<Takeover> = self
            .active
            .iter_mut()
            .filter_map(|a| a.pending.take())
            .collect();
        ready.sort_by_key(|t| (t.ts, t.frame));
        for t in &ready {
            self.emit(t);
        }
    }

    /// Two routers that both keep advertising for more than an interval
    /// after they overlapped are both master: split brain.
    fn update_split(&mut self, ad: &Advert) {
        if self.active.len() >= 2 {
            let newest = self.active.iter().map(|a| a.since).max().unwrap_or(ad.ts);
            let both_kept_on = self
                .active
                .iter()
                .all(|a| a.last > newest && a.last - newest >= a.interval_us as Micros)
                || self.active.iter().any(|a| a.deaf);
            if self.split.is_some() {
                // Evidence, not a record: a split brain can last for hours.
                if self.split_frames.len() < SPLIT_EVIDENCE {
                    self.split_frames.push(ad.frame);
                }
            } else if both_kept_on {
                let mut routers: Vec<IpAddr> = self.active.iter().map(|a| a.router).collect();
                routers.sort();
                let first = self.active.iter().find(|a| a.since == newest);
                let frame = first.map_or(ad.frame, |a| a.since_frame);
                self.record(TimelineEvent::SplitBrainStart {
                    ts: super::secs(newest),
                    key: self.key_fields(),
                    routers: routers.clone(),
                    frame,
                });
                self.split_frames = self.active.iter().map(|a| a.since_frame).collect();
                self.split_frames.push(ad.frame);
                let newcomer = self
                    .active
                    .iter()
                    .filter_map(|a| a.pending.as_ref())
                    .max_by_key(|t| (t.ts, t.frame))
                    .map(|t| (t.router, t.previous))
                    .or(self.last_takeover.map(|(_, r, p)| (r, p)));
                // Both stayed master: whoever started second did not hear the
                // other, whatever the priorities say: its own timer ran out.
                for t in self.active.iter_mut().filter_map(|a| a.pending.as_mut()) {
                    t.cause = Cause::Timeout;
                    t.takeover_us = None;
                    t.trigger_frame = None;
                }
                self.split = Some(Split {
                    routers,
                    since: newest,
                    newcomer,
                });
            }
        } else if let Some(split) = self.split.take() {
            let winner = self.active.first().map(|a| a.router);
            let (until, frame) = self.split_end();
            self.record(TimelineEvent::SplitBrainEnd {
                ts: super::secs(until),
                key: self.key_fields(),
                winner,
                frame,
            });
            self.split_brains.push(SplitBrain {
                key: self.key,
                since: split.since,
                until: Some(until),
                routers: split.routers,
                winner,
                frames: std::mem::take(&mut self.split_frames),
                newcomer: split.newcomer,
            });
        }
    }

    /// The split ends when the loser sent its last advert (or resigned).
    fn split_end(&self) -> (Micros, FrameNo) {
        match self.ended {
            Some(e) => (e.at, e.frame),
            None => (0, 0),
        }
    }

    /// Closes what is still open when the capture ends.
    pub fn finish(&mut self) {
        self.settle_reactions(None);
        if let Some(last) = self.active.iter().max_by_key(|a| a.last).cloned() {
            let ad = Advert {
                ts: last.last,
                frame: last.last_frame,
                src: last.router,
                mac: last.mac,
                prio: last.prio,
                version: last.version,
                interval_us: last.interval_us,
                auth: last.auth,
            };
            self.update_split(&ad);
        }
        self.resolve_pending(true);
        if let Some(split) = self.split.take() {
            self.split_brains.push(SplitBrain {
                key: self.key,
                since: split.since,
                until: None,
                routers: split.routers,
                winner: None,
                frames: std::mem::take(&mut self.split_frames),
                newcomer: split.newcomer,
            });
        }
    }

    /// The master at the end: the highest-ranked router still advertising.
    pub fn final_master(&self) -> FinalMaster {
        FinalMaster {
            key: self.key_fields(),
            router: self
                .active
                .iter()
                .max_by_key(|a| (a.prio, a.router))
                .map(|a| a.router),
        }
    }
}

/// The takeover time a keepalived backup of priority `prio` should show.
pub fn expected_takeover_us(t: &Takeover) -> Option<u64> {
    let int = t.master_interval_us;
    match t.cause {
        Cause::Resign => Some(vrrp::skew_time_us(t.version, t.prio, int)),
        Cause::Timeout => Some(vrrp::master_down_us(t.version, t.prio, int)),
        Cause::Preempt => t
            .takeover_us
            .map(|_| vrrp::master_down_us(t.version, t.prio, int)),
        Cause::Initial => None,
    }
}

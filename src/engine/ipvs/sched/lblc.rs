//! Locality-based least connection, plain and with replication
//! (`ip_vs_lblc.c`, `ip_vs_lblcr.c`): a cache from the packet's destination
//! address to a server (lblc) or to a set of servers (lblcr), for cache
//! clusters where the same origin should hit the same cache.
//!
//! The cache is the kernel's 1024-bucket hash table with head insertion, and
//! its garbage collection runs on the kernel's 60 s timer: every 30th tick
//! (or when nothing else was due) entries unused for `lblc_expiration`
//! (24 h) go; above 16384 entries, entries idle for 6 min go, a bounded
//! number per tick, starting after the bucket where the last sweep stopped.

use super::least::wlc;
use super::{Flow, Miss, SchedConfig, Scheduler};
use crate::engine::ipvs::dest::{Dest, DestId, Dests};
use crate::engine::ipvs::hash::BucketHash;
use std::net::Ipv4Addr;

const TAB_BITS: u32 = 10;
const TAB_SIZE: usize = 1 << TAB_BITS;
const MAX_SIZE: usize = TAB_SIZE * 16;
const CHECK_EXPIRE_INTERVAL_US: u64 = 60_000_000;
const ENTRY_TIMEOUT_US: u64 = 6 * 60 * 1_000_000;
const EXPIRATION_US: u64 = 24 * 60 * 60 * 1_000_000;
const COUNT_FOR_FULL_EXPIRATION: u32 = 30;

#[derive(Debug)]
struct Entry {
    addr: Ipv4Addr,
    lastuse: u64,
    /// lblc: the one cached server. lblcr: the set, newest member first as
    /// `ip_vs_dest_set_insert` links them.
    members: Vec<DestId>,
    /// lblcr: when the set last changed.
    lastmod: u64,
}

#[derive(Debug)]
pub struct Locality {
    replicated: bool,
    hash: BucketHash,
    buckets: Vec<Vec<Entry>>,
    entries: usize,
    rover: usize,
    counter: u32,
    next_check: u64,
    /// lblcr's first-time miss is only a debug message.
    silent_miss: bool,
}

/// `is_overloaded`: busier than its weight while some server is under half
/// of its own.
fn is_overloaded(d: &Dest, dests: Dests<'_>) -> bool {
    i64::from(d.active) > i64::from(d.weight)
        && dests.iter().any(|(_, o)| i64::from(o.active) * 2 < i64::from(o.weight))
}

/// `ip_vs_dest_set_min`: the weighted least-loaded available member.
fn set_min(members: &[DestId], dests: Dests<'_>) -> Option<DestId> {
    let mut least: Option<(DestId, &Dest)> = None;
    for &id in members {
        let d = dests.get(id);
        if d.overloaded {
            continue;
        }
        least = match least {
            None if d.weight > 0 && d.available => Some((id, d)),
            Some((_, l)) if d.available && l.overhead() * i64::from(d.weight) > d.overhead() * i64::from(l.weight) => {
                Some((id, d))
            }
            keep => keep,
        };
    }
    least.map(|(id, _)| id)
}

/// `ip_vs_dest_set_max`: the weighted most-loaded member.
fn set_max(members: &[DestId], dests: Dests<'_>) -> Option<DestId> {
    let mut most: Option<(DestId, &Dest)> = None;
    for &id in members {
        let d = dests.get(id);
        most = match most {
            None if d.weight > 0 => Some((id, d)),
            Some((_, m)) if d.weight > 0 && m.overhead() * i64::from(d.weight) < d.overhead() * i64::from(m.weight) => {
                Some((id, d))
            }
            keep => keep,
        };
    }
    most.map(|(id, _)| id)
}

impl Locality {
    pub fn lblc(config: &SchedConfig) -> Locality {
        Locality::new(false, config)
    }

    pub fn lblcr(config: &SchedConfig) -> Locality {
        Locality::new(true, config)
    }

    fn new(replicated: bool, config: &SchedConfig) -> Locality {
        Locality {
            replicated,
            hash: config.hash,
            buckets: (0..TAB_SIZE).map(|_| Vec::new()).collect(),
            entries: 0,
            rover: 0,
            counter: 1,
            next_check: config.now_us + CHECK_EXPIRE_INTERVAL_US,
            silent_miss: false,
        }
    }

    fn bucket_of(&self, addr: Ipv4Addr) -> usize {
        self.hash.bucket(u32::from(addr), TAB_BITS) as usize
    }

    fn find(&mut self, addr: Ipv4Addr) -> Option<&mut Entry> {
        let b = self.bucket_of(addr);
        self.buckets[b].iter_mut().find(|e| e.addr == addr)
    }

    fn insert(&mut self, entry: Entry) {
        let b = self.bucket_of(entry.addr);
        self.buckets[b].insert(0, entry);
        self.entries += 1;
    }

    fn remove(&mut self, addr: Ipv4Addr) {
        let b = self.bucket_of(addr);
        let before = self.buckets[b].len();
        self.buckets[b].retain(|e| e.addr != addr);
        self.entries -= before - self.buckets[b].len();
    }

    /// Sweeps buckets after the rover, dropping entries idle for `idle_us`;
    /// stops early once `goal` entries went (no goal: a full pass).
    fn sweep(&mut self, now_us: u64, idle_us: u64, mut goal: Option<i64>) {
        let mut j = self.rover;
        for _ in 0..TAB_SIZE {
            j = (j + 1) % TAB_SIZE;
            let before = self.buckets[j].len();
            self.buckets[j].retain(|e| now_us < e.lastuse + idle_us);
            let gone = before - self.buckets[j].len();
            self.entries -= gone;
            if let Some(g) = goal.as_mut() {
                *g -= gone as i64;
                if *g <= 0 {
                    break;
                }
            }
        }
        self.rover = j;
    }

    fn schedule_one(&mut self, dests: Dests<'_>, addr: Ipv4Addr, now_us: u64) -> Option<DestId> {
        if let Some(e) = self.find(addr) {
            e.lastuse = now_us;
            let id = e.members[0];
            let d = dests.get(id);
            if d.available && d.weight > 0 && !is_overloaded(d, dests) {
                return Some(id);
            }
        }
        let dest = wlc(dests)?;
        if self.find(addr).is_none_or(|e| e.members[0] != dest) {
            self.remove(addr);
            self.insert(Entry { addr, lastuse: now_us, members: vec![dest], lastmod: now_us });
        }
        Some(dest)
    }

    fn schedule_set(&mut self, dests: Dests<'_>, addr: Ipv4Addr, now_us: u64) -> Option<DestId> {
        self.silent_miss = self.find(addr).is_none();
        let Some(e) = self.find(addr) else {
            let dest = wlc(dests)?;
            self.insert(Entry { addr, lastuse: now_us, members: vec![dest], lastmod: now_us });
            return Some(dest);
        };
        e.lastuse = now_us;
        let dest = set_min(&e.members, dests);
        if e.members.len() > 1 && now_us > e.lastmod + EXPIRATION_US {
            if let Some(m) = set_max(&e.members, dests) {
                e.members.retain(|&x| x != m);
                e.lastmod = now_us;
            }
        }
        if let Some(d) = dest.filter(|&d| !is_overloaded(dests.get(d), dests)) {
            return Some(d);
        }
        let dest = wlc(dests)?;
        if !e.members.contains(&dest) {
            e.members.insert(0, dest);
            e.lastmod = now_us;
        }
        Some(dest)
    }

    #[cfg(test)]
    fn cached(&mut self, addr: Ipv4Addr) -> Option<Vec<DestId>> {
        self.find(addr).map(|e| e.members.clone())
    }
}

impl Scheduler for Locality {
    fn name(&self) -> &'static str {
        if self.replicated {
            "lblcr"
        } else {
            "lblc"
        }
    }

    fn schedule(&mut self, dests: Dests<'_>, flow: &Flow, now_us: u64) -> Option<DestId> {
        if self.replicated {
            self.schedule_set(dests, flow.daddr, now_us)
        } else {
            self.schedule_one(dests, flow.daddr, now_us)
        }
    }

    fn miss(&self) -> Miss {
        if self.silent_miss {
            Miss::Silent
        } else {
            Miss::Service("no destination available")
        }
    }

    fn next_timer_us(&self) -> Option<u64> {
        Some(self.next_check)
    }

    fn on_timer(&mut self, _dests: Dests<'_>, now_us: u64) {
        if now_us < self.next_check {
            return;
        }
        if self.counter % COUNT_FOR_FULL_EXPIRATION == 0 {
            self.sweep(now_us, EXPIRATION_US, None);
            self.counter = 1;
        } else if self.entries <= MAX_SIZE {
            self.counter += 1;
        } else {
            let goal = ((self.entries - MAX_SIZE) * 4 / 3).min(MAX_SIZE / 2);
            self.sweep(now_us, ENTRY_TIMEOUT_US, Some(goal as i64));
        }
        self.next_check = now_us + CHECK_EXPIRE_INTERVAL_US;
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::engine::ipvs::dest::testkit::List;

    fn to(daddr: [u8; 4]) -> Flow {
        Flow { saddr: Ipv4Addr::new(198, 51, 100, 1), sport: 1, daddr: Ipv4Addr::from(daddr), dport: 80 }
    }

    fn letter(id: Option<DestId>) -> char {
        List::letter(id)
    }

    #[test]
    fn lblc_sticks_to_the_cached_server() {
        let mut list = List::weighted(&[1, 1]);
        let mut s = Locality::lblc(&SchedConfig::default());
        assert_eq!(letter(s.schedule(list.dests(), &to([203, 0, 113, 1]), 0)), 'A');
        list.dest(0).active = 1;
        // wlc would now pick B, the cache keeps A (active 1 ≤ weight 1).
        assert_eq!(letter(s.schedule(list.dests(), &to([203, 0, 113, 1]), 1)), 'A');
        assert_eq!(letter(s.schedule(list.dests(), &to([203, 0, 113, 2]), 2)), 'B');
    }

    #[test]
    fn lblc_reschedules_an_overloaded_or_quiesced_server() {
        let mut list = List::weighted(&[1, 4]);
        let mut s = Locality::lblc(&SchedConfig::default());
        let f = to([203, 0, 113, 1]);
        assert_eq!(letter(s.schedule(list.dests(), &f, 0)), 'A');
        list.dest(0).active = 2;
        list.dest(1).active = 2;
        // A is above its weight but nobody is under half of theirs: keep A.
        assert_eq!(letter(s.schedule(list.dests(), &f, 1)), 'A');
        list.dest(1).active = 1;
        assert_eq!(letter(s.schedule(list.dests(), &f, 2)), 'B');
        assert_eq!(s.cached(f.daddr), Some(vec![DestId(1)]));
        list.dest(1).weight = 0;
        list.dest(0).active = 0;
        assert_eq!(letter(s.schedule(list.dests(), &f, 3)), 'A');
    }

    #[test]
    fn lblcr_grows_the_set_and_prunes_after_expiration() {
        let mut list = List::weighted(&[1, 1]);
        let mut s = Locality::lblcr(&SchedConfig::default());
        let f = to([203, 0, 113, 9]);
        assert_eq!(letter(s.schedule(list.dests(), &f, 0)), 'A');
        list.dest(0).active = 2;
        // A is overloaded and B idle: B joins the set.
        assert_eq!(letter(s.schedule(list.dests(), &f, 10)), 'B');
        assert_eq!(s.cached(f.daddr), Some(vec![DestId(1), DestId(0)]));
        list.dest(0).active = 0;
        list.dest(1).active = 1;
        // The set's least-loaded member wins.
        assert_eq!(letter(s.schedule(list.dests(), &f, 20)), 'A');
        // A day after the last change the most-loaded member leaves.
        assert_eq!(letter(s.schedule(list.dests(), &f, 10 + EXPIRATION_US + 1)), 'A');
        assert_eq!(s.cached(f.daddr), Some(vec![DestId(0)]));
    }

    #[test]
    fn timer_runs_every_minute_and_does_a_full_check_every_thirty() {
        let list = List::weighted(&[1]);
        let mut s = Locality::lblc(&SchedConfig { now_us: 5, ..SchedConfig::default() });
        s.schedule(list.dests(), &to([203, 0, 113, 1]), 0);
        assert_eq!(s.next_timer_us(), Some(5 + CHECK_EXPIRE_INTERVAL_US));
        let mut now = 5;
        for _ in 0..29 {
            now = s.next_timer_us().unwrap();
            s.on_timer(list.dests(), now);
        }
        assert_eq!(s.counter, 30);
        assert_eq!(s.entries, 1);
        // The full check only drops entries older than a day.
        s.on_timer(list.dests(), now + EXPIRATION_US);
        assert_eq!((s.counter, s.entries), (1, 0));
    }

    #[test]
    fn full_table_sheds_idle_entries_up_to_the_goal() {
        let list = List::weighted(&[1]);
        let mut s = Locality::lblc(&SchedConfig::default());
        for i in 0..(MAX_SIZE as u32 + 300) {
            s.schedule(list.dests(), &Flow { daddr: Ipv4Addr::from(0x0a00_0000 + i), ..to([0, 0, 0, 0]) }, 0);
        }
        s.counter = 2;
        s.on_timer(list.dests(), ENTRY_TIMEOUT_US);
        // goal = 300·4/3 = 400; whole buckets go, so at least 400 left.
        assert!(s.entries <= MAX_SIZE + 300 - 400, "{}", s.entries);
        assert!(s.entries > MAX_SIZE / 2);
    }
}

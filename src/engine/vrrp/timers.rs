//! The daemon's timers in one min-heap: each instance's main timer
//! (keepalived's `sands`: the advert timer of a master, the
//! Master_Down_Interval of a backup), delayed GARP bursts and script runs.
//! Ties fire in the order they were armed.

use crate::engine::Micros;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timer {
    /// Instance `i`'s main timer.
    Sands(u32),
    /// Send `rep` rounds of GARPs for instance `inst` if it still holds its VIPs.
    Announce { inst: u32, rep: u32 },
    /// Run script `i`.
    Script(u32),
}

/// A heap entry, ordered by time then arming order only (the sequence is
/// unique, so the timer itself never takes part in comparisons).
#[derive(Debug, Clone, Copy)]
struct Entry {
    at: Micros,
    seq: u64,
    t: Timer,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

#[derive(Debug, Clone, Default)]
pub struct Timers {
    heap: BinaryHeap<Reverse<Entry>>,
    seq: u64,
}

impl Timers {
    pub fn push(&mut self, at: Micros, t: Timer) {
        self.seq += 1;
        self.heap.push(Reverse(Entry { at, seq: self.seq, t }));
    }

    /// The earliest armed time (possibly of a timer that turns out stale).
    pub fn next_at(&self) -> Option<Micros> {
        self.heap.peek().map(|e| e.0.at)
    }

    /// Removes and returns the earliest timer due at `now`.
    pub fn pop_due(&mut self, now: Micros) -> Option<(Micros, Timer)> {
        match self.heap.peek() {
            Some(e) if e.0.at <= now => self.heap.pop().map(|e| (e.0.at, e.0.t)),
            _ => None,
        }
    }

    pub fn clear(&mut self) {
        self.heap.clear();
    }
}

/// Skew_Time (µs) as keepalived computes it, v3 from the master's interval.
pub fn skew(version: u8, priority: u8, master_adver_int: Micros) -> Micros {
    crate::wire::vrrp::skew_time_us(version, priority, master_adver_int)
}

/// Master_Down_Interval (µs).
pub fn master_down(version: u8, priority: u8, master_adver_int: Micros) -> Micros {
    crate::wire::vrrp::master_down_us(version, priority, master_adver_int)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn earliest_first_then_arming_order() {
        let mut t = Timers::default();
        t.push(20, Timer::Script(0));
        t.push(10, Timer::Sands(1));
        t.push(10, Timer::Sands(0));
        assert_eq!(t.next_at(), Some(10));
        assert_eq!(t.pop_due(9), None);
        assert_eq!(t.pop_due(10), Some((10, Timer::Sands(1))));
        assert_eq!(t.pop_due(10), Some((10, Timer::Sands(0))));
        assert_eq!(t.pop_due(30), Some((20, Timer::Script(0))));
        assert_eq!(t.next_at(), None);
    }
}

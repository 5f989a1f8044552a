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
    Sands(usize),
    /// Send `rep` rounds of GARPs for instance `inst` if it still holds its VIPs.
    Announce { inst: usize, rep: u32 },
    /// Run script `i`.
    Script(usize),
}

#[derive(Debug, Clone, Default)]
pub struct Timers {
    heap: BinaryHeap<Reverse<(Micros, u64, Timer)>>,
    seq: u64,
}

impl Timers {
    pub fn push(&mut self, at: Micros, t: Timer) {
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, t)));
    }

    /// The earliest armed time (possibly of a timer that turns out stale).
    pub fn next_at(&self) -> Option<Micros> {
        self.heap.peek().map(|Reverse((at, _, _))| *at)
    }

    /// Removes and returns the earliest timer due at `now`.
    pub fn pop_due(&mut self, now: Micros) -> Option<(Micros, Timer)> {
        match self.heap.peek() {
            Some(Reverse((at, _, _))) if *at <= now => self.heap.pop().map(|Reverse((at, _, t))| (at, t)),
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

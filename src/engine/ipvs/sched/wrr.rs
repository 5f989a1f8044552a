//! Weighted round robin (`ip_vs_wrr.c`): passes over the list with a
//! falling weight threshold `cw`, from `mw` (the maximum weight, lowered by
//! gcd−1 so the last pass is at 1) down by the gcd `di`.

use super::{gcd_of, Flow, Miss, Scheduler};
use crate::engine::ipvs::dest::{DestId, Dests};

#[derive(Debug)]
pub struct WeightedRoundRobin {
    /// Last pick; `None` is the list head.
    cl: Option<DestId>,
    cw: i32,
    mw: i32,
    di: i32,
    /// Which of the two kernel messages the last miss logs.
    all_overloaded: bool,
}

fn di_mw(dests: Dests<'_>) -> (i32, i32) {
    let di = gcd_of(dests.iter().map(|(_, d)| d.weight)).max(1);
    let max = dests.iter().map(|(_, d)| d.weight).max().unwrap_or(0).max(0);
    (di, max - (di - 1))
}

impl WeightedRoundRobin {
    pub fn new(dests: Dests<'_>) -> WeightedRoundRobin {
        let (di, mw) = di_mw(dests);
        WeightedRoundRobin { cl: None, cw: mw, mw, di, all_overloaded: false }
    }
}

impl Scheduler for WeightedRoundRobin {
    fn name(&self) -> &'static str {
        "wrr"
    }

    fn schedule(&mut self, dests: Dests<'_>, _flow: &Flow, _now_us: u64) -> Option<DestId> {
        self.all_overloaded = self.mw != 0;
        if self.mw == 0 {
            return None;
        }
        let n = dests.len();
        let last = self.cl;
        let mut i = last.and_then(|c| dests.position(c)).map_or(0, |p| p + 1);
        let (mut stop, mut last_pass, mut restarted) = (None, false, false);
        // Terminates: cw steps down to exactly 1 (mw ≡ 1 mod di), which sets
        // `stop` (or ends a walk that began at the head) within two rounds.
        loop {
            while i < n {
                let (id, d) = dests.at(i);
                if !d.overloaded && d.weight >= self.cw {
                    self.cl = Some(id);
                    return Some(id);
                }
                if stop == Some(id) {
                    self.cl = Some(id);
                    return None;
                }
                i += 1;
            }
            i = 0;
            self.cw -= self.di;
            if self.cw <= 0 {
                self.cw = self.mw;
                if last_pass || last.is_none() {
                    self.cl = None;
                    return None;
                }
                restarted = true;
            }
            last_pass = self.cw <= self.di;
            if last_pass && restarted && last.is_some() {
                stop = last;
            }
        }
    }

    fn miss(&self) -> Miss {
        Miss::Service(if self.all_overloaded {
            "no destination available: all destinations are overloaded"
        } else {
            "no destination available"
        })
    }

    /// Any change sends the cursor to the head and keeps `cw` on the grid of
    /// the new gcd.
    fn dest_changed(&mut self, dests: Dests<'_>) {
        self.cl = None;
        (self.di, self.mw) = di_mw(dests);
        if self.cw > self.mw || self.cw == 0 {
            self.cw = self.mw;
        } else if self.di > 1 {
            self.cw = (self.cw / self.di) * self.di + 1;
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::engine::ipvs::dest::testkit::List;
    use std::net::Ipv4Addr;

    fn run(s: &mut WeightedRoundRobin, list: &List, n: usize) -> String {
        let flow = Flow { saddr: Ipv4Addr::new(198, 51, 100, 1), sport: 1, daddr: Ipv4Addr::new(192, 0, 2, 100), dport: 80 };
        (0..n).map(|_| List::letter(s.schedule(list.dests(), &flow, 0))).collect()
    }

    #[test]
    fn spec_sequences() {
        let list = List::weighted(&[4, 3, 2]);
        assert_eq!(run(&mut WeightedRoundRobin::new(list.dests()), &list, 18), "AABABCABCAABABCABC");
        let list = List::weighted(&[6, 4]);
        assert_eq!(run(&mut WeightedRoundRobin::new(list.dests()), &list, 10), "AABABAABAB");
    }

    #[test]
    fn equal_weights_are_round_robin() {
        let list = List::weighted(&[5, 5, 5]);
        assert_eq!(run(&mut WeightedRoundRobin::new(list.dests()), &list, 6), "ABCABC");
    }

    #[test]
    fn zero_weight_and_overload_are_skipped() {
        let mut list = List::weighted(&[2, 0, 1]);
        list.dest(0).overloaded = true;
        assert_eq!(run(&mut WeightedRoundRobin::new(list.dests()), &list, 3), "CCC");
        let list = List::weighted(&[0, 0]);
        let mut s = WeightedRoundRobin::new(list.dests());
        assert_eq!(run(&mut s, &list, 2), "--");
        assert_eq!(s.miss(), Miss::Service("no destination available"));
    }

    #[test]
    fn all_overloaded_gives_none_and_recovers() {
        let mut list = List::weighted(&[3, 1]);
        let mut s = WeightedRoundRobin::new(list.dests());
        assert_eq!(run(&mut s, &list, 1), "A");
        list.dest(0).overloaded = true;
        list.dest(1).overloaded = true;
        assert_eq!(run(&mut s, &list, 2), "--");
        assert_eq!(s.miss(), Miss::Service("no destination available: all destinations are overloaded"));
        list.dest(1).overloaded = false;
        assert_eq!(run(&mut s, &list, 2), "BB");
    }

    #[test]
    fn dest_change_resets_cursor_and_snaps_cw_to_the_gcd_grid() {
        let mut list = List::weighted(&[4, 2]);
        let mut s = WeightedRoundRobin::new(list.dests());
        // di=2, mw=3: cw 3 → A; cw 1 → A, B.
        assert_eq!(run(&mut s, &list, 3), "AAB");
        list.dest(1).weight = 4;
        s.dest_changed(list.dests());
        assert_eq!((s.di, s.mw, s.cl), (4, 1, None));
        assert_eq!(run(&mut s, &list, 4), "ABAB");
        // cw=1 < mw=3 and di=2: cw becomes (1/2)*2+1 = 1.
        list.dest(1).weight = 2;
        s.dest_changed(list.dests());
        assert_eq!((s.di, s.mw, s.cw), (2, 3, 1));
    }
}

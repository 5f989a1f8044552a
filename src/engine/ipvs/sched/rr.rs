//! Round robin (`ip_vs_rr.c`): the next usable destination after the last
//! pick, wrapping once around the list.

use super::{Flow, Scheduler};
use crate::engine::ipvs::dest::{DestId, Dests};

#[derive(Debug, Default)]
pub struct RoundRobin {
    /// The last pick; `None` is the list head (nothing picked yet).
    cursor: Option<DestId>,
}

impl Scheduler for RoundRobin {
    fn name(&self) -> &'static str {
        "rr"
    }

    fn schedule(&mut self, dests: Dests<'_>, _flow: &Flow, _now_us: u64) -> Option<DestId> {
        let n = dests.len();
        // From the head the walk covers the list once; from a destination it
        // goes round and ends on that destination itself.
        let start = self.cursor.and_then(|c| dests.position(c)).map_or(0, |p| p + 1);
        let hit = (0..n).map(|k| dests.at((start + k) % n)).find(|(_, d)| d.usable())?;
        self.cursor = Some(hit.0);
        Some(hit.0)
    }

    /// The kernel moves the cursor back to the removed entry's predecessor,
    /// so the entry that followed it is next in line.
    fn dest_removed(&mut self, dests: Dests<'_>, id: DestId, old_index: usize) {
        if self.cursor == Some(id) {
            self.cursor = old_index.checked_sub(1).map(|i| dests.at(i).0);
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::engine::ipvs::dest::testkit::List;
    use std::net::Ipv4Addr;

    fn flow() -> Flow {
        Flow { saddr: Ipv4Addr::new(198, 51, 100, 1), sport: 40000, daddr: Ipv4Addr::new(192, 0, 2, 100), dport: 80 }
    }

    fn run(s: &mut RoundRobin, list: &List, n: usize) -> String {
        (0..n).map(|_| List::letter(s.schedule(list.dests(), &flow(), 0))).collect()
    }

    #[test]
    fn alternates_from_the_head() {
        let list = List::weighted(&[1, 1, 1]);
        assert_eq!(run(&mut RoundRobin::default(), &list, 7), "ABCABCA");
    }

    #[test]
    fn skips_quiesced_and_overloaded() {
        let mut list = List::weighted(&[1, 0, 1, 1]);
        list.dest(2).overloaded = true;
        assert_eq!(run(&mut RoundRobin::default(), &list, 4), "ADAD");
    }

    #[test]
    fn last_pick_is_tried_last_when_alone() {
        let mut list = List::weighted(&[1, 1]);
        let mut s = RoundRobin::default();
        assert_eq!(run(&mut s, &list, 1), "A");
        list.dest(1).weight = 0;
        assert_eq!(run(&mut s, &list, 2), "AA");
        list.dest(0).weight = 0;
        assert_eq!(run(&mut s, &list, 1), "-");
    }

    #[test]
    fn removing_the_last_pick_continues_with_its_successor() {
        let mut list = List::weighted(&[1, 1, 1]);
        let mut s = RoundRobin::default();
        assert_eq!(run(&mut s, &list, 2), "AB");
        // B leaves the list: C comes next, as if B had never been there.
        list.order.remove(1);
        s.dest_removed(list.dests(), DestId(1), 1);
        assert_eq!(run(&mut s, &list, 3), "CAC");
    }
}

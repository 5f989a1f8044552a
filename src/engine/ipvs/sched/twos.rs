//! Power of two choices (`ip_vs_twos.c`): two weighted random picks, keep
//! the less loaded by overhead/weight. The kernel's `prandom_u32` is a
//! seeded ChaCha stream here, so runs are reproducible.

use super::{Flow, Scheduler};
use crate::engine::ipvs::dest::{Dest, DestId, Dests};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Debug)]
pub struct TwoChoices {
    rng: ChaCha8Rng,
}

impl TwoChoices {
    pub fn new(seed: u64) -> TwoChoices {
        TwoChoices { rng: ChaCha8Rng::seed_from_u64(seed) }
    }

    /// The first usable destination where the running `r - Σw` reaches 0.
    fn weighted<'a>(dests: Dests<'a>, mut r: i64) -> Option<(DestId, &'a Dest)> {
        dests.iter().filter(|(_, d)| d.usable()).find(|(_, d)| {
            r -= i64::from(d.weight);
            r <= 0
        })
    }
}

impl Scheduler for TwoChoices {
    fn name(&self) -> &'static str {
        "twos"
    }

    fn schedule(&mut self, dests: Dests<'_>, _flow: &Flow, _now_us: u64) -> Option<DestId> {
        let total: i64 = dests.iter().filter(|(_, d)| d.usable()).map(|(_, d)| i64::from(d.weight)).sum();
        if total == 0 {
            return None;
        }
        // Both draws are inclusive of Σw, so the last server is reachable.
        let span = (total + 1) as u64;
        let r1 = (u64::from(self.rng.next_u32()) % span) as i64;
        let r2 = (u64::from(self.rng.next_u32()) % span) as i64;
        let (c1, d1) = TwoChoices::weighted(dests, r1)?;
        let (c2, d2) = TwoChoices::weighted(dests, r2)?;
        let prefer_second = i64::from(d2.weight) * d1.overhead() > i64::from(d1.weight) * d2.overhead();
        Some(if prefer_second { c2 } else { c1 })
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::engine::ipvs::dest::testkit::List;
    use std::net::Ipv4Addr;

    fn flow() -> Flow {
        Flow { saddr: Ipv4Addr::new(198, 51, 100, 1), sport: 1, daddr: Ipv4Addr::new(192, 0, 2, 100), dport: 80 }
    }

    fn picks(seed: u64, list: &List, n: usize) -> String {
        let mut s = TwoChoices::new(seed);
        (0..n).map(|_| List::letter(s.schedule(list.dests(), &flow(), 0))).collect()
    }

    #[test]
    fn weighted_draw_walks_the_running_sum() {
        let list = List::weighted(&[2, 0, 3]);
        let letter = |r| List::letter(TwoChoices::weighted(list.dests(), r).map(|(id, _)| id));
        assert_eq!((letter(0), letter(2), letter(3), letter(5)), ('A', 'A', 'C', 'C'));
    }

    #[test]
    fn same_seed_same_choices() {
        let list = List::weighted(&[1, 2, 3, 4]);
        assert_eq!(picks(7, &list, 40), picks(7, &list, 40));
        assert_ne!(picks(7, &list, 40), picks(8, &list, 40));
    }

    #[test]
    fn the_lighter_of_the_two_wins() {
        let mut list = List::weighted(&[1, 1]);
        list.dest(0).active = 5;
        // Draws are 0..=2 and both 0 and 1 land on A (the kernel's `r <= 0`),
        // so A is drawn 2/3 of the time but wins only when drawn twice: 4/9.
        let p = picks(3, &list, 900);
        let a = p.matches('A').count();
        assert!((340..460).contains(&a), "{a} of 900");
        assert_eq!(a + p.matches('B').count(), 900);
    }

    #[test]
    fn nothing_usable_gives_none() {
        let mut list = List::weighted(&[0, 1]);
        list.dest(1).overloaded = true;
        assert_eq!(picks(1, &list, 3), "---");
    }
}

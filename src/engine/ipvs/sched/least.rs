//! The least-load family: lc, wlc, sed, nq (`ip_vs_lc.c`, `ip_vs_wlc.c`,
//! `ip_vs_sed.c`, `ip_vs_nq.c`). Loads are compared by cross-multiplying
//! (`h1*w2 > h2*w1` instead of `h1/w1 > h2/w2`); a later destination must be
//! strictly better, so the earliest one in list order wins ties.

use super::{Flow, Miss, Scheduler};
use crate::engine::ipvs::dest::{Dest, DestId, Dests};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Least connections: min overhead (active·256 + inactive), weights ignored.
    Lc,
    /// Weighted least connections: min overhead / weight.
    Wlc,
    /// Shortest expected delay: min (active + 1) / weight.
    Sed,
    /// Never queue: the first idle destination (no active connections),
    /// else as sed.
    Nq,
}

#[derive(Debug)]
pub struct Least {
    rule: Rule,
}

impl Least {
    pub fn new(rule: Rule) -> Least {
        Least { rule }
    }

    fn load(&self, d: &Dest) -> i64 {
        match self.rule {
            Rule::Lc | Rule::Wlc => d.overhead(),
            Rule::Sed | Rule::Nq => i64::from(d.active) + 1,
        }
    }
}

impl Scheduler for Least {
    fn name(&self) -> &'static str {
        match self.rule {
            Rule::Lc => "lc",
            Rule::Wlc => "wlc",
            Rule::Sed => "sed",
            Rule::Nq => "nq",
        }
    }

    fn schedule(&mut self, dests: Dests<'_>, _flow: &Flow, _now_us: u64) -> Option<DestId> {
        self.pick(dests)
    }

    fn miss(&self) -> Miss {
        match self.rule {
            Rule::Nq => Miss::Bare("NQ: no destination available"),
            _ => Miss::Service("no destination available"),
        }
    }
}

impl Least {
    fn pick(&self, dests: Dests<'_>) -> Option<DestId> {
        let mut least: Option<(DestId, &Dest, i64)> = None;
        for (id, d) in dests.iter() {
            // wlc and sed only check the weight of the first candidate; a later
            // weight-0 destination can never compare strictly better anyway.
            if !d.usable() {
                continue;
            }
            let doh = self.load(d);
            if self.rule == Rule::Nq && d.active == 0 {
                return Some(id);
            }
            let better = match least {
                None => true,
                Some((_, l, loh)) => match self.rule {
                    Rule::Lc => doh < loh,
                    _ => loh * i64::from(d.weight) > doh * i64::from(l.weight),
                },
            };
            if better {
                least = Some((id, d, doh));
            }
        }
        least.map(|(id, _, _)| id)
    }
}

/// The weighted least-connection pick that lblc and lblcr fall back to
/// (`__ip_vs_lblc_schedule`, identical to wlc).
pub fn wlc(dests: Dests<'_>) -> Option<DestId> {
    Least::new(Rule::Wlc).pick(dests)
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::engine::ipvs::dest::testkit::List;
    use std::net::Ipv4Addr;

    fn pick(rule: Rule, list: &List) -> char {
        let flow = Flow { saddr: Ipv4Addr::new(198, 51, 100, 1), sport: 1, daddr: Ipv4Addr::new(192, 0, 2, 100), dport: 80 };
        List::letter(Least::new(rule).schedule(list.dests(), &flow, 0))
    }

    fn conns(list: &mut List, i: usize, active: u32, inactive: u32) {
        list.dest(i).active = active;
        list.dest(i).inactive = inactive;
    }

    #[test]
    fn lc_counts_active_as_256_inactive() {
        let mut list = List::weighted(&[1, 1, 1]);
        conns(&mut list, 0, 1, 0);
        conns(&mut list, 1, 0, 255);
        conns(&mut list, 2, 0, 256);
        assert_eq!(pick(Rule::Lc, &list), 'B');
        conns(&mut list, 1, 0, 256);
        assert_eq!(pick(Rule::Lc, &list), 'A', "ties go to the head of the list");
    }

    #[test]
    fn lc_ignores_weights_but_not_quiesce() {
        let mut list = List::weighted(&[100, 1, 0]);
        conns(&mut list, 0, 2, 0);
        conns(&mut list, 1, 1, 0);
        assert_eq!(pick(Rule::Lc, &list), 'B');
        conns(&mut list, 1, 3, 0);
        assert_eq!(pick(Rule::Lc, &list), 'A', "C has weight 0");
    }

    #[test]
    fn wlc_cross_multiplies() {
        let mut list = List::weighted(&[1, 3]);
        conns(&mut list, 0, 1, 0);
        conns(&mut list, 1, 3, 0);
        // 256/1 vs 768/3: equal, the head wins.
        assert_eq!(pick(Rule::Wlc, &list), 'A');
        conns(&mut list, 1, 2, 200);
        // 256*3 = 768 > 712*1: B is lighter.
        assert_eq!(pick(Rule::Wlc, &list), 'B');
    }

    #[test]
    fn wlc_first_candidate_must_be_usable() {
        let mut list = List::weighted(&[0, 1, 1]);
        conns(&mut list, 1, 5, 0);
        assert_eq!(pick(Rule::Wlc, &list), 'C');
        list.dest(2).overloaded = true;
        assert_eq!(pick(Rule::Wlc, &list), 'B');
        list.dest(1).weight = 0;
        assert_eq!(pick(Rule::Wlc, &list), '-');
    }

    #[test]
    fn sed_uses_active_plus_one() {
        let mut list = List::weighted(&[1, 2]);
        // (0+1)/1 vs (1+1)/2: a tie, the head wins; inactive does not count.
        conns(&mut list, 1, 1, 1000);
        assert_eq!(pick(Rule::Sed, &list), 'A');
        conns(&mut list, 0, 1, 0);
        assert_eq!(pick(Rule::Sed, &list), 'B');
    }

    #[test]
    fn nq_takes_the_first_idle_server() {
        let mut list = List::weighted(&[10, 1, 1]);
        conns(&mut list, 0, 1, 0);
        conns(&mut list, 2, 0, 9);
        assert_eq!(pick(Rule::Nq, &list), 'B');
        conns(&mut list, 1, 1, 0);
        assert_eq!(pick(Rule::Nq, &list), 'C');
        conns(&mut list, 2, 1, 0);
        // Nobody idle: sed, (1+1)/10 is lightest.
        assert_eq!(pick(Rule::Nq, &list), 'A');
    }
}

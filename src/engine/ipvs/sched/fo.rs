//! Weighted failover and overflow (`ip_vs_fo.c`, `ip_vs_ovf.c`): always the
//! heaviest usable destination; the first one wins ties.

use super::{Flow, Scheduler};
use crate::engine::ipvs::dest::{DestId, Dests};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// fo: highest weight.
    Fo,
    /// ovf: highest weight among destinations whose active connections do
    /// not exceed their weight.
    Ovf,
}

#[derive(Debug)]
pub struct Highest {
    rule: Rule,
}

impl Highest {
    pub fn new(rule: Rule) -> Highest {
        Highest { rule }
    }
}

impl Scheduler for Highest {
    fn name(&self) -> &'static str {
        match self.rule {
            Rule::Fo => "fo",
            Rule::Ovf => "ovf",
        }
    }

    fn schedule(&mut self, dests: Dests<'_>, _flow: &Flow, _now_us: u64) -> Option<DestId> {
        let mut best: Option<(DestId, i32)> = None;
        for (id, d) in dests.iter() {
            let full = self.rule == Rule::Ovf && i64::from(d.active) > i64::from(d.weight);
            if !d.usable() || full {
                continue;
            }
            if best.is_none_or(|(_, w)| d.weight > w) {
                best = Some((id, d.weight));
            }
        }
        best.map(|(id, _)| id)
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::engine::ipvs::dest::testkit::List;
    use std::net::Ipv4Addr;

    fn pick(rule: Rule, list: &List) -> char {
        let flow = Flow { saddr: Ipv4Addr::new(198, 51, 100, 1), sport: 1, daddr: Ipv4Addr::new(192, 0, 2, 100), dport: 80 };
        List::letter(Highest::new(rule).schedule(list.dests(), &flow, 0))
    }

    #[test]
    fn fo_takes_the_heaviest_and_fails_over() {
        let mut list = List::weighted(&[5, 9, 9, 1]);
        assert_eq!(pick(Rule::Fo, &list), 'B');
        list.dest(1).overloaded = true;
        assert_eq!(pick(Rule::Fo, &list), 'C');
        list.dest(2).weight = 0;
        assert_eq!(pick(Rule::Fo, &list), 'A');
    }

    #[test]
    fn ovf_overflows_when_active_exceeds_weight() {
        let mut list = List::weighted(&[3, 2]);
        list.dest(0).active = 3;
        assert_eq!(pick(Rule::Ovf, &list), 'A', "active == weight still fits");
        list.dest(0).active = 4;
        assert_eq!(pick(Rule::Ovf, &list), 'B');
        list.dest(1).active = 3;
        assert_eq!(pick(Rule::Ovf, &list), '-');
    }
}

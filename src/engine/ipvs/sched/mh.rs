//! Maglev hashing (`ip_vs_mh.c`): every destination gets a permutation of a
//! 4093-entry table (the kernel's default `CONFIG_IP_VS_MH_TAB_INDEX` 12),
//! the table is filled by taking turns in proportion to the weights, and a
//! client's address (and port with `mh-port`) picks an entry.
//!
//! The table follows `last_weight`, so a quiesced destination keeps its
//! entries: its clients get nothing (or, with `mh-fallback`, the next entry
//! that is usable) instead of being reshuffled.

use super::{gcd_of, Flow, SchedConfig, Scheduler};
use crate::engine::ipvs::dest::{Dest, DestId, Dests};
use crate::engine::ipvs::hash::{hsiphash, HsipKey};
use std::net::Ipv4Addr;

/// `primes[CONFIG_IP_VS_MH_TAB_INDEX - 8]` with the default index 12.
pub const TAB_SIZE: u32 = 4093;
/// `CONFIG_IP_VS_MH_TAB_INDEX / 2`.
const TAB_BITS: i32 = 6;
const HASH1: HsipKey = HsipKey([2_654_435_761, 2_654_435_761]);
const HASH2: HsipKey = HsipKey([2_654_446_892, 2_654_446_892]);

fn hashkey(addr: Ipv4Addr, port: u16, key: HsipKey, offset: u32) -> u32 {
    // `unsigned int v = offset + ntohs(port) + ntohl(addr)`, hashed as the
    // four bytes it occupies in (little-endian) memory.
    let v = offset.wrapping_add(u32::from(port)).wrapping_add(u32::from(addr));
    hsiphash(&v.to_le_bytes(), key)
}

#[derive(Debug)]
pub struct Maglev {
    fallback: bool,
    with_port: bool,
    lookup: Vec<Option<DestId>>,
}

struct Setup {
    perm: u32,
    skip: u32,
    turns: i32,
}

impl Maglev {
    pub fn new(config: &SchedConfig, dests: Dests<'_>) -> Maglev {
        let mut m = Maglev {
            fallback: config.flags.fallback,
            with_port: config.flags.port,
            lookup: vec![None; TAB_SIZE as usize],
        };
        m.populate(dests);
        m
    }

    fn populate(&mut self, dests: Dests<'_>) {
        let gcd = gcd_of(dests.iter().map(|(_, d)| d.last_weight));
        if gcd < 1 {
            self.lookup.fill(None);
            return;
        }
        let max = dests.iter().map(|(_, d)| d.last_weight).max().unwrap_or(0);
        let fls = 32 - (max / gcd).leading_zeros() as i32;
        let rshift = (fls - TAB_BITS).max(0);
        let mut setup: Vec<Setup> = dests
            .iter()
            .map(|(_, d)| {
                let offset = hashkey(d.addr, d.port, HASH1, 0) % TAB_SIZE;
                let skip = hashkey(d.addr, d.port, HASH2, 0) % (TAB_SIZE - 1) + 1;
                let lw = d.last_weight;
                let turns = match (lw / gcd) >> rshift {
                    0 => i32::from(lw != 0),
                    t => t,
                };
                Setup { perm: offset, skip, turns }
            })
            .collect();
        let mut taken = vec![false; TAB_SIZE as usize];
        let mut filled = 0;
        // Each round gives every destination `turns` entries, each at the next
        // free slot of its permutation; gcd ≥ 1 means some turns ≥ 1, so
        // every round fills at least one entry.
        'fill: loop {
            for (i, s) in setup.iter_mut().enumerate() {
                for _ in 0..s.turns.max(0) {
                    while taken[s.perm as usize] {
                        s.perm = (s.perm + s.skip) % TAB_SIZE;
                    }
                    taken[s.perm as usize] = true;
                    self.lookup[s.perm as usize] = Some(dests.at(i).0);
                    filled += 1;
                    if filled == TAB_SIZE {
                        break 'fill;
                    }
                }
            }
        }
    }

    fn unavailable(d: &Dest) -> bool {
        d.weight <= 0 || d.overloaded
    }
}

impl Scheduler for Maglev {
    fn name(&self) -> &'static str {
        "mh"
    }

    fn schedule(&mut self, dests: Dests<'_>, flow: &Flow, _now_us: u64) -> Option<DestId> {
        let port = if self.with_port { flow.sport } else { 0 };
        let ihash = hashkey(flow.saddr, port, HASH1, 0) % TAB_SIZE;
        let first = self.lookup[ihash as usize]?;
        if !Maglev::unavailable(dests.get(first)) {
            return Some(first);
        }
        if !self.fallback {
            return None;
        }
        for offset in 0..TAB_SIZE {
            let roffset = (offset + ihash) % TAB_SIZE;
            let id = self.lookup[(hashkey(flow.saddr, port, HASH1, roffset) % TAB_SIZE) as usize]?;
            if !Maglev::unavailable(dests.get(id)) {
                return Some(id);
            }
        }
        None
    }

    fn dest_changed(&mut self, dests: Dests<'_>) {
        self.populate(dests);
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::engine::ipvs::dest::testkit::List;
    use crate::engine::ipvs::sched::SchedFlags;

    fn share(m: &Maglev, id: u32) -> usize {
        m.lookup.iter().filter(|&&d| d == Some(DestId(id))).count()
    }

    fn client(i: u32) -> Flow {
        Flow { saddr: Ipv4Addr::from(0xc633_6400 + i), sport: 40000, daddr: Ipv4Addr::new(192, 0, 2, 100), dport: 80 }
    }

    #[test]
    fn table_is_full_and_split_by_weight() {
        let list = List::weighted(&[1, 1, 2]);
        let m = Maglev::new(&SchedConfig::default(), list.dests());
        assert!(m.lookup.iter().all(Option::is_some));
        // Turns 1:1:2 over 4093 entries: 1023 rounds of 4 and one extra entry.
        assert_eq!((share(&m, 0), share(&m, 1), share(&m, 2)), (1024, 1023, 2046));
    }

    #[test]
    fn the_head_claims_its_own_offset_first() {
        let list = List::weighted(&[1, 1]);
        let m = Maglev::new(&SchedConfig::default(), list.dests());
        let a = &list.pool[0];
        let offset = hashkey(a.addr, a.port, HASH1, 0) % TAB_SIZE;
        assert_eq!(m.lookup[offset as usize], Some(DestId(0)));
    }

    #[test]
    fn removing_a_server_moves_few_other_clients() {
        let list = List::weighted(&[1, 1, 1, 1]);
        let mut m = Maglev::new(&SchedConfig::default(), list.dests());
        let before: Vec<_> = (0..400).map(|i| m.schedule(list.dests(), &client(i), 0)).collect();
        let mut fewer = List::weighted(&[1, 1, 1, 1]);
        fewer.order.retain(|&d| d != DestId(3));
        m.dest_changed(fewer.dests());
        let (mut stayed, mut others) = (0, 0);
        for (i, old) in before.iter().enumerate() {
            let new = m.schedule(fewer.dests(), &client(i as u32), 0);
            assert_ne!(new, Some(DestId(3)));
            if *old != Some(DestId(3)) {
                others += 1;
                stayed += usize::from(new == *old);
            }
        }
        // Maglev's promise: minimal, not zero, disruption.
        assert!(stayed * 10 >= others * 9, "{stayed} of {others} stayed");
    }

    #[test]
    fn quiesced_keeps_entries_and_fallback_skips_them() {
        let mut list = List::weighted(&[1, 1]);
        list.dest(1).weight = 0; // last_weight stays 1
        let mut m = Maglev::new(&SchedConfig::default(), list.dests());
        assert_eq!(share(&m, 1), share(&m, 0) - 1);
        let owned_by_b = (0..100).find(|&i| m.lookup[(hashkey(client(i).saddr, 0, HASH1, 0) % TAB_SIZE) as usize] == Some(DestId(1)));
        let i = owned_by_b.expect("some client hashes to B");
        assert_eq!(m.schedule(list.dests(), &client(i), 0), None);
        let cfg = SchedConfig { flags: SchedFlags { fallback: true, ..Default::default() }, ..Default::default() };
        let mut m = Maglev::new(&cfg, list.dests());
        assert_eq!(m.schedule(list.dests(), &client(i), 0), Some(DestId(0)));
    }

    #[test]
    fn all_zero_last_weights_empty_the_table() {
        let mut list = List::weighted(&[1]);
        list.dest(0).last_weight = 0;
        let mut m = Maglev::new(&SchedConfig::default(), list.dests());
        assert_eq!(m.schedule(list.dests(), &client(1), 0), None);
    }
}

//! Source and destination hashing (`ip_vs_sh.c`, `ip_vs_dh.c`): a 256-bucket
//! table filled by walking the destination list, looked up by a hash of the
//! client address (sh) or of the packet's destination address (dh).

use super::{Flow, SchedConfig, Scheduler};
use crate::engine::ipvs::dest::{Dest, DestId, Dests};
use crate::engine::ipvs::hash::BucketHash;

const TAB_BITS: u32 = 8;
const TAB_SIZE: usize = 1 << TAB_BITS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    /// sh: the client address (plus its port with `sh-port`).
    Source,
    /// dh: the destination address.
    Destination,
}

#[derive(Debug)]
pub struct Hashed {
    key: Key,
    hash: BucketHash,
    fallback: bool,
    with_port: bool,
    buckets: Vec<Option<DestId>>,
}

impl Hashed {
    pub fn source(config: &SchedConfig, dests: Dests<'_>) -> Hashed {
        Hashed::new(Key::Source, config, dests)
    }

    pub fn destination(config: &SchedConfig, dests: Dests<'_>) -> Hashed {
        Hashed::new(Key::Destination, config, dests)
    }

    fn new(key: Key, config: &SchedConfig, dests: Dests<'_>) -> Hashed {
        let (fallback, with_port) = match key {
            Key::Source => (config.flags.fallback, config.flags.port),
            Key::Destination => (false, false),
        };
        let mut h = Hashed { key, hash: config.hash, fallback, with_port, buckets: vec![None; TAB_SIZE] };
        h.dest_changed(dests);
        h
    }

    /// sh gives a destination `weight` consecutive buckets (at least one, so
    /// a quiesced server still owns a bucket and its clients get nothing);
    /// dh gives each destination one bucket in turn.
    fn fill(&mut self, dests: Dests<'_>) {
        if dests.is_empty() {
            self.buckets.fill(None);
            return;
        }
        let (mut i, mut count) = (0, 0);
        for b in self.buckets.iter_mut() {
            let (id, d) = dests.at(i);
            *b = Some(id);
            count += 1;
            if self.key == Key::Destination || count >= d.weight {
                i = (i + 1) % dests.len();
                count = 0;
            }
        }
    }

    fn bucket(&self, key: u32, offset: u32) -> Option<DestId> {
        self.buckets[self.hash.bucket_with_offset(key, TAB_BITS, offset) as usize]
    }

    fn unavailable(d: &Dest) -> bool {
        d.weight <= 0 || d.overloaded || !d.available
    }
}

impl Scheduler for Hashed {
    fn name(&self) -> &'static str {
        match self.key {
            Key::Source => "sh",
            Key::Destination => "dh",
        }
    }

    fn schedule(&mut self, dests: Dests<'_>, flow: &Flow, _now_us: u64) -> Option<DestId> {
        let key = match self.key {
            Key::Source => u32::from(flow.saddr).wrapping_add(if self.with_port { u32::from(flow.sport) } else { 0 }),
            Key::Destination => u32::from(flow.daddr),
        };
        let first = self.bucket(key, 0)?;
        if !Hashed::unavailable(dests.get(first)) {
            return Some(first);
        }
        if !self.fallback {
            return None;
        }
        // `ip_vs_sh_get_fallback`: the probe offset already contains the
        // first bucket, which the hash adds again; an empty bucket ends it.
        let ihash = self.hash.bucket_with_offset(key, TAB_BITS, 0);
        for offset in 0..TAB_SIZE as u32 {
            let roffset = (offset + ihash) % TAB_SIZE as u32;
            let id = self.bucket(key, roffset)?;
            if !Hashed::unavailable(dests.get(id)) {
                return Some(id);
            }
        }
        None
    }

    fn dest_changed(&mut self, dests: Dests<'_>) {
        self.fill(dests);
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::engine::ipvs::dest::testkit::List;
    use crate::engine::ipvs::sched::SchedFlags;
    use std::net::Ipv4Addr;

    fn flow(saddr: [u8; 4], sport: u16, daddr: [u8; 4]) -> Flow {
        Flow { saddr: Ipv4Addr::from(saddr), sport, daddr: Ipv4Addr::from(daddr), dport: 80 }
    }

    fn config(hash: BucketHash, flags: SchedFlags) -> SchedConfig {
        SchedConfig { hash, flags, ..SchedConfig::default() }
    }

    #[test]
    fn sh_fills_weight_consecutive_buckets() {
        let list = List::weighted(&[3, 0, 2]);
        let sh = Hashed::source(&SchedConfig::default(), list.dests());
        let letters: String = sh.buckets[..8].iter().map(|&b| List::letter(b)).collect();
        // Weight 0 still takes one bucket.
        assert_eq!(letters, "AAABCCAA");
    }

    #[test]
    fn dh_fills_round_robin() {
        let list = List::weighted(&[3, 1]);
        let dh = Hashed::destination(&SchedConfig::default(), list.dests());
        let letters: String = dh.buckets[..4].iter().map(|&b| List::letter(b)).collect();
        assert_eq!(letters, "ABAB");
    }

    #[test]
    fn sh_spec_buckets_with_the_old_hash() {
        // 256 destinations of weight 1: bucket i holds destination i.
        let list = List::weighted(&[1; 256]);
        let mut sh = Hashed::source(&config(BucketHash::Knuth, SchedFlags::default()), list.dests());
        let d = list.dests();
        assert_eq!(sh.schedule(d, &flow([10, 0, 0, 1], 1, [192, 0, 2, 100]), 0), Some(DestId(177)));
        assert_eq!(sh.schedule(d, &flow([10, 0, 0, 2], 1, [192, 0, 2, 100]), 0), Some(DestId(98)));
        let mut sh = Hashed::source(&config(BucketHash::Golden32, SchedFlags::default()), list.dests());
        assert_eq!(sh.schedule(d, &flow([10, 0, 0, 1], 1, [192, 0, 2, 100]), 0), Some(DestId(0x27)));
    }

    #[test]
    fn sh_is_sticky_per_client_and_ignores_the_port_by_default() {
        let list = List::weighted(&[1, 1, 1]);
        let mut sh = Hashed::source(&SchedConfig::default(), list.dests());
        let d = list.dests();
        let a = sh.schedule(d, &flow([198, 51, 100, 7], 1000, [192, 0, 2, 100]), 0);
        for port in [1001, 2000, 65535] {
            assert_eq!(sh.schedule(d, &flow([198, 51, 100, 7], port, [192, 0, 2, 100]), 0), a);
        }
        let mut sh = Hashed::source(&config(BucketHash::Golden32, SchedFlags { port: true, ..Default::default() }), d);
        let picks: std::collections::BTreeSet<_> =
            (0..32).map(|p| sh.schedule(d, &flow([198, 51, 100, 7], 1000 + p, [192, 0, 2, 100]), 0)).collect();
        assert!(picks.len() > 1, "sh-port spreads one client's ports");
    }

    #[test]
    fn sh_unavailable_gives_none_unless_fallback() {
        let mut list = List::weighted(&[1; 256]);
        let f = flow([10, 0, 0, 1], 1, [192, 0, 2, 100]);
        list.dest(177).weight = 0;
        let mut sh = Hashed::source(&config(BucketHash::Knuth, SchedFlags::default()), list.dests());
        // The table was filled with weight 0 at 177: it still owns one bucket.
        assert_eq!(sh.schedule(list.dests(), &f, 0), None);
        let mut sh =
            Hashed::source(&config(BucketHash::Knuth, SchedFlags { fallback: true, ..Default::default() }), list.dests());
        // First probe: roffset = 177, bucket (177 + 177) & 255 = 98.
        assert_eq!(sh.schedule(list.dests(), &f, 0), Some(DestId(98)));
        list.dest(98).overloaded = true;
        assert_eq!(sh.schedule(list.dests(), &f, 0), Some(DestId(99)));
    }

    #[test]
    fn dh_hashes_the_destination_address() {
        let list = List::weighted(&[1; 256]);
        let mut dh = Hashed::destination(&config(BucketHash::Knuth, SchedFlags::default()), list.dests());
        let d = list.dests();
        assert_eq!(dh.schedule(d, &flow([198, 51, 100, 1], 1, [10, 0, 0, 1]), 0), Some(DestId(177)));
        assert_eq!(dh.schedule(d, &flow([198, 51, 100, 2], 9, [10, 0, 0, 1]), 0), Some(DestId(177)));
    }

    #[test]
    fn empty_list_gives_none() {
        let list = List::weighted(&[]);
        let mut sh = Hashed::source(&SchedConfig::default(), list.dests());
        assert_eq!(sh.schedule(list.dests(), &flow([10, 0, 0, 1], 1, [10, 0, 0, 2]), 0), None);
    }
}

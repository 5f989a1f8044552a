//! One Ethernet segment: a learning switch with one port per node. Known
//! unicast goes to its port, the rest floods. A partition splits the ports
//! into groups that do not forward to each other.

use crate::engine::frame::{is_multicast, Mac};

#[derive(Debug, Clone, Default)]
pub struct Segment {
    /// The forwarding table: a LAN has a handful of MACs, a scan is fastest.
    macs: Vec<(Mac, usize)>,
    /// Partition group per port; ports forward only within their group.
    groups: Vec<usize>,
}

impl Segment {
    pub fn add_port(&mut self) -> usize {
        self.groups.push(0);
        self.groups.len() - 1
    }

    pub fn ports(&self) -> usize {
        self.groups.len()
    }

    /// Learns where a source MAC lives (a GARP from a new port moves it).
    pub fn learn(&mut self, src: Mac, port: usize) {
        if is_multicast(&src) {
            return;
        }
        match self.macs.iter_mut().find(|(m, _)| *m == src) {
            Some(e) => e.1 = port,
            None => self.macs.push((src, port)),
        }
    }

    /// The ports a frame from `from` to `dst` reaches.
    pub fn destinations(&self, from: usize, dst: Mac, out: &mut Vec<usize>) {
        out.clear();
        let g = self.groups[from];
        match self.macs.iter().find(|(m, _)| *m == dst).map(|e| e.1) {
            Some(p) if !is_multicast(&dst) => {
                if p != from && self.groups[p] == g {
                    out.push(p);
                }
            }
            _ => out.extend((0..self.groups.len()).filter(|&p| p != from && self.groups[p] == g)),
        }
    }

    /// Splits the segment: each listed group of ports can only reach itself;
    /// unlisted ports form one more group.
    pub fn partition(&mut self, groups: &[Vec<usize>]) {
        self.groups.iter_mut().for_each(|g| *g = 0);
        for (i, members) in groups.iter().enumerate() {
            for &p in members {
                if let Some(g) = self.groups.get_mut(p) {
                    *g = i + 1;
                }
            }
        }
    }

    pub fn heal(&mut self) {
        self.groups.iter_mut().for_each(|g| *g = 0);
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn learns_floods_and_partitions() {
        let mut s = Segment::default();
        (0..3).for_each(|_| {
            s.add_port();
        });
        let a = [2, 0, 0, 0, 0, 1];
        let mut out = vec![];
        s.destinations(1, a, &mut out);
        assert_eq!(out, [0, 2], "unknown unicast floods");
        s.learn(a, 0);
        s.destinations(1, a, &mut out);
        assert_eq!(out, [0]);
        s.destinations(1, [1, 0, 0x5e, 0, 0, 0x12], &mut out);
        assert_eq!(out, [0, 2]);
        s.partition(&[vec![0], vec![1, 2]]);
        s.destinations(1, [0xff; 6], &mut out);
        assert_eq!(out, [2]);
        s.destinations(1, a, &mut out);
        assert!(out.is_empty());
        s.heal();
        s.destinations(2, [0xff; 6], &mut out);
        assert_eq!(out, [0, 1]);
    }
}

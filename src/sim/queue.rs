//! The event queue: a binary min-heap ordered by time, then by a class
//! (scenario actions before frame arrivals before timers, so that a frame
//! arriving at the very microsecond a timer expires counts as having arrived
//! first, as it does on a real host whose timers fire a little late), then
//! by insertion order. The order is total, so runs are reproducible.

use crate::engine::Micros;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// What happens when an entry comes due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ev {
    /// The `i`-th scheduled action.
    Action(u32),
    /// Frame store slot `slot` reaches node `node`.
    Deliver { node: u32, slot: u32 },
    /// Machine `m` of node `node` asked to be woken.
    Machine { node: u32, m: u32 },
    /// The node's host stack asked to be woken (ARP retransmits).
    Host { node: u32 },
}

impl Ev {
    fn class(self) -> u64 {
        match self {
            Ev::Action(_) => 0,
            Ev::Deliver { .. } => 1,
            Ev::Machine { .. } | Ev::Host { .. } => 2,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    at: Micros,
    /// Class in the top bits, insertion sequence below.
    key: u64,
    ev: Ev,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.key) == (o.at, o.key)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    /// Reversed: the heap's maximum is the earliest entry.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.at, o.key).cmp(&(self.at, self.key))
    }
}

#[derive(Debug, Default)]
pub struct Queue {
    heap: BinaryHeap<Entry>,
    seq: u64,
}

impl Queue {
    pub fn push(&mut self, at: Micros, ev: Ev) {
        self.seq += 1;
        self.heap.push(Entry { at, key: (ev.class() << 60) | self.seq, ev });
    }

    pub fn peek_at(&self) -> Option<Micros> {
        self.heap.peek().map(|e| e.at)
    }

    pub fn pop(&mut self) -> Option<(Micros, Ev)> {
        self.heap.pop().map(|e| (e.at, e.ev))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn time_then_class_then_insertion() {
        let mut q = Queue::default();
        q.push(10, Ev::Machine { node: 0, m: 0 });
        q.push(10, Ev::Deliver { node: 1, slot: 0 });
        q.push(5, Ev::Host { node: 2 });
        q.push(10, Ev::Action(0));
        q.push(10, Ev::Deliver { node: 2, slot: 0 });
        let order: Vec<Ev> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(
            order,
            [
                Ev::Host { node: 2 },
                Ev::Action(0),
                Ev::Deliver { node: 1, slot: 0 },
                Ev::Deliver { node: 2, slot: 0 },
                Ev::Machine { node: 0, m: 0 }
            ]
        );
    }
}

//! tcpdump's relative TCP sequence numbers: the first packet with ACK set
//! of a conversation (or any SYN) records its numbers as the base, and
//! later packets of either direction print their distance from it
//! (`seq 1:101, ack 1`). `-S` prints them absolute. This is the one piece of
//! state the line printer keeps across packets.

use rustc_hash::FxHashMap;
use std::net::IpAddr;

/// Conversations remembered at most; beyond, a new conversation's numbers
/// stay absolute, so a hostile capture cannot grow the table without bound.
const MAX_CONVERSATIONS: usize = 1 << 20;

/// One conversation, the same key for both directions: the addresses in
/// the order tcpdump collates them, and both ports in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    src: IpAddr,
    dst: IpAddr,
    ports: u32,
}

#[derive(Debug, Default)]
pub(super) struct Conversations {
    /// Base sequence numbers (of the collated source, then destination).
    bases: FxHashMap<Key, (u32, u32)>,
}

impl Conversations {
    /// The `seq` and `ack` of a packet with ACK set, sent `from` (address,
    /// port) `to`, as tcpdump prints them.
    pub fn relative(&mut self, from: (IpAddr, u16), to: (IpAddr, u16), syn: bool, seq: u32, ack: u32) -> (u32, u32) {
        let ((src, sport), (dst, dport)) = (from, to);
        // tcpdump's collating order: by port, then by address bytes.
        // (`IpAddr` orders an address family's addresses as their bytes.)
        let rev = sport > dport || (sport == dport && src > dst);
        let key = if rev {
            Key { src: dst, dst: src, ports: u32::from(dport) << 16 | u32::from(sport) }
        } else {
            Key { src, dst, ports: u32::from(sport) << 16 | u32::from(dport) }
        };
        let mine = if rev { (ack.wrapping_sub(1), seq) } else { (seq, ack.wrapping_sub(1)) };
        match self.bases.get_mut(&key) {
            Some(base) if !syn => {
                let (b_seq, b_ack) = if rev { (base.1, base.0) } else { *base };
                (seq.wrapping_sub(b_seq), ack.wrapping_sub(b_ack))
            }
            Some(base) => {
                *base = mine;
                (seq, ack)
            }
            None => {
                if self.bases.len() < MAX_CONVERSATIONS {
                    self.bases.insert(key, mine);
                }
                (seq, ack)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn numbers_count_from_the_first_ack_of_either_direction() {
        let mut c = Conversations::default();
        let (client, server) = (ip("198.51.100.7"), ip("192.0.2.100"));
        // The SYN-ACK (server → client) sets the base: printed absolute.
        assert_eq!(c.relative((server, 80), (client, 40000), true, 5000, 1001), (5000, 1001));
        // The client's ACK: seq 1, ack 1.
        assert_eq!(c.relative((client, 40000), (server, 80), false, 1001, 5001), (1, 1));
        // The server's data: seq 1 (its ISN + 1), ack 101.
        assert_eq!(c.relative((server, 80), (client, 40000), false, 5001, 1101), (1, 101));
        // Another conversation is separate.
        assert_eq!(c.relative((client, 40001), (server, 80), false, 7, 9), (7, 9));
        // A new SYN restarts the conversation.
        assert_eq!(c.relative((client, 40000), (server, 80), true, 90, 91), (90, 91));
        assert_eq!(c.relative((client, 40000), (server, 80), false, 95, 100), (5, 10));
    }

    #[test]
    fn equal_ports_are_collated_by_address() {
        let mut c = Conversations::default();
        let (a, b) = (ip("192.0.2.1"), ip("192.0.2.2"));
        assert_eq!(c.relative((b, 179), (a, 179), false, 100, 200), (100, 200));
        assert_eq!(c.relative((a, 179), (b, 179), false, 210, 110), (11, 10));
    }
}

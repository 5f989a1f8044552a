//! LVS forwarding seen on the wire. A capture on the LAN of an LVS director
//! sees each client packet more than once: on its way to the director, then
//! forwarded. What tells a director from a router is that the director holds
//! the destination address (it answered ARP for the VIP) and still sends the
//! packet on; how the copy differs tells the method:
//!
//! - DR: the same IP packet, only the Ethernet addresses changed (the
//!   director's MAC is now the source, a real server's the destination);
//! - NAT: the destination address (and port) rewritten to a real server;
//! - TUN: the packet wrapped in IP-in-IP to a real server.
//!
//! A packet that comes back to a box it already passed is the two-box LVS
//! loop. Who holds an address is learnt from ARP in the same capture, so a
//! capture that starts after the ARP caches filled shows no forwarding.

use super::arp::ArpTracker;
use super::report::{Finding, FrameNo, Severity};
use super::{mac_str, secs, Micros};
use crate::capture::LinkType;
use crate::wire::decode::{decode, Ip};
use rustc_hash::FxHashMap;
use serde_json::{json, Map};
use std::collections::BTreeMap;
use std::net::IpAddr;

const MAX_TRACKED: usize = 1 << 16;
/// Copies of one packet follow each other within this time.
const FORWARD_US: Micros = 1_000_000;
/// Hops remembered per packet.
const MAX_HOPS: usize = 8;

/// Identifies one client packet across its copies: the client's address
/// and port, the IP id and the TCP sequence number (or UDP length).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct PacketId {
    src: IpAddr,
    sport: u16,
    ipid: u16,
    proto: u8,
    seq: u32,
}

/// One Ethernet hop of a packet.
#[derive(Debug, Clone, Copy)]
struct Hop {
    from: [u8; 6],
    to: [u8; 6],
    dst: IpAddr,
    dport: u16,
}

/// Where one client packet was seen so far.
#[derive(Debug, Clone)]
struct Trail {
    frame: FrameNo,
    ts: Micros,
    syn: bool,
    hops: Vec<Hop>,
    /// Whether a director's pick was already counted for this packet.
    picked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Method {
    Dr,
    Nat,
    Tun,
}

/// Per virtual service and method: the director and the picks in order.
#[derive(Debug, Default)]
struct Service {
    director: Option<[u8; 6]>,
    /// Real server (MAC for DR, address for NAT/TUN) of each new connection.
    picks: Vec<String>,
    packets: u64,
    frames: Vec<FrameNo>,
    first_ts: Micros,
}

/// Extra hops of packets between two boxes.
#[derive(Debug, Default)]
struct Bounces {
    hops: u64,
    frames: Vec<FrameNo>,
    first_ts: Micros,
}

#[derive(Debug, Default)]
pub struct LvsTracker {
    seen: FxHashMap<PacketId, Trail>,
    services: BTreeMap<(Method, IpAddr, u16), Service>,
    loops: BTreeMap<([u8; 6], [u8; 6]), Bounces>,
}

struct L4 {
    sport: u16,
    dport: u16,
    seq: u32,
    syn: bool,
}

fn l4(proto: u8, p: &[u8]) -> Option<L4> {
    let port = |at: usize| Some(u16::from_be_bytes([*p.get(at)?, *p.get(at + 1)?]));
    match proto {
        6 if p.len() >= 14 => Some(L4 {
            sport: port(0)?,
            dport: port(2)?,
            seq: u32::from_be_bytes([p[4], p[5], p[6], p[7]]),
            syn: p[13] & 0x12 == 0x02,
        }),
        17 if p.len() >= 8 => Some(L4 { sport: port(0)?, dport: port(2)?, seq: u32::from(port(4)?), syn: true }),
        _ => None,
    }
}

/// One copy of a TCP or UDP packet on the wire, as the tracker needs it:
/// read from the frame alone, on the reading thread.
#[derive(Debug, Clone, Copy)]
pub struct Packet {
    id: PacketId,
    /// The Ethernet hop, and the (inner, when tunnelled) destination.
    hop: Hop,
    syn: bool,
    /// IP-in-IP: the outer destination.
    tunnel_to: Option<IpAddr>,
}

impl Packet {
    /// Reads the packet `ip` that went from MAC `from` to MAC `to`.
    pub fn read((from, to): ([u8; 6], [u8; 6]), ip: &Ip) -> Option<Packet> {
        // IP-in-IP: the inner packet's.
        let (iip, tunnel_to) = if ip.proto == 4 {
            (*decode(LinkType::Raw, ip.payload).ip()?, Some(ip.dst))
        } else {
            (*ip, None)
        };
        let t = l4(iip.proto, iip.payload)?;
        Some(Packet {
            id: PacketId { src: iip.src, sport: t.sport, ipid: ipid(iip.header), proto: iip.proto, seq: t.seq },
            hop: Hop { from, to, dst: iip.dst, dport: t.dport },
            syn: t.syn,
            tunnel_to,
        })
    }
}

impl LvsTracker {
    /// A packet seen; `arp` says who holds which address.
    pub fn ip(&mut self, no: FrameNo, ts: Micros, p: &Packet, arp: &ArpTracker) {
        let (id, hop) = (p.id, p.hop);
        if let Some(rip) = p.tunnel_to {
            self.tunnelled(no, hop, rip, id, arp);
            return;
        }
        let Some(s) = self.seen.get(&id).filter(|s| ts - s.ts <= FORWARD_US).cloned() else {
            if self.seen.len() >= MAX_TRACKED {
                self.seen.clear();
            }
            self.seen.insert(id, Trail { frame: no, ts, syn: p.syn, hops: vec![hop], picked: false });
            return;
        };
        let Some(prev) = s.hops.last().copied() else { return };
        let (from, to) = (hop.from, hop.to);
        if from != prev.to {
            return;
        }
        let by_director = arp.holds(prev.dst, from);
        if s.hops.iter().any(|h| h.from == to) {
            self.bounce(from, to, no, ts);
        } else if by_director && hop.dst == prev.dst {
            self.forwarded(Method::Dr, &s, no, from, mac_str(&to), prev.dst, prev.dport);
        } else if by_director {
            self.forwarded(Method::Nat, &s, no, from, hop.dst.to_string(), prev.dst, prev.dport);
        }
        if let Some(e) = self.seen.get_mut(&id) {
            e.picked |= by_director;
            e.ts = ts;
            if e.hops.len() < MAX_HOPS {
                e.hops.push(hop);
            }
        }
    }

    /// IP-in-IP from the box that holds the inner destination: LVS-TUN.
    fn tunnelled(&mut self, no: FrameNo, inner: Hop, rip: IpAddr, id: PacketId, arp: &ArpTracker) {
        if let Some(s) = self.seen.get(&id).cloned() {
            if arp.holds(inner.dst, inner.from) {
                self.forwarded(Method::Tun, &s, no, inner.from, rip.to_string(), inner.dst, inner.dport);
                if let Some(e) = self.seen.get_mut(&id) {
                    e.picked = true;
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn forwarded(&mut self, m: Method, first: &Trail, no: FrameNo, director: [u8; 6], rs: String, vip: IpAddr, vport: u16) {
        let s = self.services.entry((m, vip, vport)).or_default();
        if s.packets == 0 {
            s.first_ts = first.ts;
        }
        s.director.get_or_insert(director);
        s.packets += 1;
        if first.syn && !first.picked && s.picks.len() < 100_000 {
            s.picks.push(rs);
        }
        if s.frames.len() < 6 {
            s.frames.extend([first.frame, no]);
        }
    }

    fn bounce(&mut self, a: [u8; 6], b: [u8; 6], no: FrameNo, ts: Micros) {
        let key = if a < b { (a, b) } else { (b, a) };
        let e = self.loops.entry(key).or_insert(Bounces { first_ts: ts, ..Bounces::default() });
        e.hops += 1;
        if e.frames.len() < 10 {
            e.frames.push(no);
        }
    }

    /// The virtual addresses the capture shows forwarded in DR mode, with
    /// the director's MAC: only the director may answer ARP for them.
    pub fn dr_vips(&self) -> Vec<(IpAddr, [u8; 6])> {
        self.services
            .iter()
            .filter(|((m, _, _), _)| *m == Method::Dr)
            .filter_map(|((_, vip, _), s)| Some((*vip, s.director?)))
            .collect()
    }

    pub fn finish(&mut self) -> Vec<Finding> {
        let mut out = Vec::new();
        for ((m, vip, vport), s) in std::mem::take(&mut self.services) {
            let (kind, how) = match m {
                Method::Dr => (
                    "lvs_dr",
                    "LVS-DR: the director rewrote only the destination MAC",
                ),
                Method::Nat => (
                    "lvs_nat",
                    "LVS-NAT: the director rewrote the destination address",
                ),
                Method::Tun => (
                    "lvs_tun",
                    "LVS-TUN: the director tunnelled the packets in IP-in-IP",
                ),
            };
            let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
            for p in &s.picks {
                *counts.entry(p.as_str()).or_default() += 1;
            }
            let dist: Vec<String> = counts.iter().map(|(rs, n)| format!("{rs} ×{n}")).collect();
            let fit = scheduler_fit(&s.picks);
            let director = s.director.map(|d| mac_str(&d)).unwrap_or_default();
            let mut data = Map::new();
            data.insert("vip".into(), json!(vip.to_string()));
            data.insert("port".into(), json!(vport));
            data.insert("director".into(), json!(director));
            data.insert("packets".into(), json!(s.packets));
            data.insert("connections".into(), json!(counts));
            data.insert("scheduler_fit".into(), json!(fit));
            out.push(Finding {
                severity: Severity::Info,
                kind,
                ts: secs(s.first_ts),
                vrid: None,
                family: None,
                frames: s.frames,
                message: format!(
                    "{how} for {vip}:{vport} ({} packets, director {director}); new connections per real server: {}; the picks fit {fit}",
                    s.packets,
                    if dist.is_empty() { "none seen".to_string() } else { dist.join(", ") }
                ),
                cause: None,
                data,
            });
        }
        for ((a, b), Bounces { hops: n, frames, first_ts: ts }) in std::mem::take(&mut self.loops) {
            out.push(Finding {
                severity: Severity::Error,
                kind: "lvs_loop",
                ts: secs(ts),
                vrid: None,
                family: None,
                frames,
                message: format!("packets bounced between directors {} and {} ({n} extra hops)", mac_str(&a), mac_str(&b)),
                cause: Some("two-box LVS: each director schedules the other's forwarded packets again; mark client traffic with an fwmark on the active director only, or keep the backup's IPVS rules out of the path".into()),
                data: Map::new(),
            });
        }
        out
    }
}

fn ipid(header: &[u8]) -> u16 {
    if header.len() >= 6 && header[0] >> 4 == 4 {
        u16::from_be_bytes([header[4], header[5]])
    } else {
        0
    }
}

/// Which scheduler the sequence of picks fits: a fixed cycle through every
/// server once is rr; a fixed cycle with repeats is wrr; one server only is
/// persistence (or a single server); anything else is load-based (lc/wlc…).
pub fn scheduler_fit(picks: &[String]) -> &'static str {
    let mut distinct: Vec<&String> = picks.iter().collect();
    distinct.sort();
    distinct.dedup();
    let n = distinct.len();
    if picks.len() < 2 || n == 0 {
        return "too few connections to tell";
    }
    if n == 1 {
        return "one server only (persistence, or a single real server)";
    }
    let periodic = |period: usize| {
        picks
            .iter()
            .enumerate()
            .skip(period)
            .all(|(i, p)| *p == picks[i - period])
    };
    if picks.len() >= 2 * n && periodic(n) {
        return "rr (each server in turn)";
    }
    if (n + 1..=picks.len() / 2).any(periodic) {
        return "wrr (a fixed weighted cycle)";
    }
    "a load-based scheduler (lc/wlc/sed/nq) or a hash (sh/dh/mh): not a fixed cycle"
}

#[cfg(test)]
mod test {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn fits() {
        assert!(scheduler_fit(&s(&["a", "b", "a", "b", "a", "b"])).starts_with("rr"));
        assert!(
            scheduler_fit(&s(&["a", "a", "b", "a", "a", "b", "a", "a", "b"])).starts_with("wrr")
        );
        assert!(scheduler_fit(&s(&["a", "a", "a"])).starts_with("one server"));
        assert!(scheduler_fit(&s(&["a", "b", "b", "a", "a", "a", "b"])).starts_with("a load-based"));
        assert!(scheduler_fit(&s(&["a"])).starts_with("too few"));
    }
}

//! LVS forwarding seen on the wire. A capture on the LAN of an LVS director
//! sees each client packet twice: once on its way to the director, once
//! forwarded. How the second copy differs tells the method:
//!
//! - DR: the same IP packet, only the Ethernet addresses changed (the
//!   director's MAC is now the source, a real server's the destination);
//! - NAT: the destination address (and port) rewritten to a real server;
//! - TUN: the packet wrapped in IP-in-IP to a real server.
//!
//! A packet that keeps bouncing between two directors is the two-box LVS loop.

use super::report::{Finding, FrameNo, Severity};
use super::{mac_str, secs, Micros};
use crate::capture::LinkType;
use crate::wire::decode::{decode, Decoded};
use serde_json::{json, Map};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

const MAX_TRACKED: usize = 1 << 16;
/// A forwarded copy follows its original within this time.
const FORWARD_US: Micros = 1_000_000;

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

#[derive(Debug, Clone)]
struct Sighting {
    frame: FrameNo,
    ts: Micros,
    eth_src: [u8; 6],
    eth_dst: [u8; 6],
    dst: IpAddr,
    dport: u16,
    hops: u8,
    syn: bool,
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

#[derive(Debug, Default)]
pub struct LvsTracker {
    seen: HashMap<PacketId, Sighting>,
    services: BTreeMap<(Method, IpAddr, u16), Service>,
    loops: BTreeMap<([u8; 6], [u8; 6]), Bounces>,
}

/// Extra hops of packets between two directors.
#[derive(Debug, Default)]
struct Bounces {
    hops: u64,
    frames: Vec<FrameNo>,
    first_ts: Micros,
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
        17 if p.len() >= 8 => Some(L4 {
            sport: port(0)?,
            dport: port(2)?,
            seq: u32::from(port(4)?),
            syn: true,
        }),
        _ => None,
    }
}

impl LvsTracker {
    pub fn ip(&mut self, no: FrameNo, ts: Micros, d: &Decoded) {
        let Some(ip) = d.ip() else { return };
        let Some((eth_src, eth_dst)) = d.macs() else {
            return;
        };
        if ip.proto == 4 {
            // IP-in-IP: the inner packet is a client packet tunnelled to ip.dst.
            let inner = decode(LinkType::Raw, ip.payload);
            if let Some(iip) = inner.ip() {
                if let Some(t) = l4(iip.proto, iip.payload) {
                    let id = PacketId {
                        src: iip.src,
                        sport: t.sport,
                        ipid: ipid(iip.header),
                        proto: iip.proto,
                        seq: t.seq,
                    };
                    if let Some(first) = self.seen.get(&id).cloned() {
                        self.forwarded(
                            Method::Tun,
                            &first,
                            no,
                            eth_src,
                            ip.dst.to_string(),
                            iip.dst,
                            t.dport,
                        );
                    }
                }
            }
            return;
        }
        let Some(t) = l4(ip.proto, ip.payload) else {
            return;
        };
        let id = PacketId {
            src: ip.src,
            sport: t.sport,
            ipid: ipid(ip.header),
            proto: ip.proto,
            seq: t.seq,
        };
        match self.seen.get(&id).cloned() {
            Some(first) if ts - first.ts <= FORWARD_US && eth_dst != first.eth_dst => {
                if first.dst == ip.dst && first.dport == t.dport {
                    if eth_src == first.eth_dst {
                        let hops = first.hops + 1;
                        if hops >= 2 {
                            self.bounce(first.eth_dst, eth_dst, no, ts);
                        }
                        self.forwarded(
                            Method::Dr,
                            &first,
                            no,
                            eth_src,
                            mac_str(&eth_dst),
                            ip.dst,
                            t.dport,
                        );
                        if let Some(s) = self.seen.get_mut(&id) {
                            s.eth_src = eth_src;
                            s.eth_dst = eth_dst;
                            s.hops = hops;
                            s.ts = ts;
                        }
                    }
                } else {
                    self.forwarded(
                        Method::Nat,
                        &first,
                        no,
                        eth_src,
                        ip.dst.to_string(),
                        first.dst,
                        first.dport,
                    );
                }
            }
            _ => {
                if self.seen.len() >= MAX_TRACKED {
                    self.seen.clear();
                }
                self.seen.insert(
                    id,
                    Sighting {
                        frame: no,
                        ts,
                        eth_src,
                        eth_dst,
                        dst: ip.dst,
                        dport: t.dport,
                        hops: 0,
                        syn: t.syn,
                    },
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn forwarded(
        &mut self,
        m: Method,
        first: &Sighting,
        no: FrameNo,
        director: [u8; 6],
        rs: String,
        vip: IpAddr,
        vport: u16,
    ) {
        let s = self.services.entry((m, vip, vport)).or_default();
        if s.packets == 0 {
            s.first_ts = first.ts;
        }
        s.director.get_or_insert(director);
        s.packets += 1;
        if first.syn && s.picks.len() < 100_000 && first.hops == 0 {
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

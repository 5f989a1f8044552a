//! A director node's packet path around the IPVS hooks, sans-IO: Ethernet
//! frames in, frames out. It sees what the host stack hands up (frames for
//! its MAC); ARP belongs to the host stack below it, so the frames it sends
//! name the next hop and leave the destination MAC for the host to resolve
//! (as a socket send does), instead of the director keeping its own
//! neighbour table.
//!
//! The path follows the kernel's hooks: mangle PREROUTING (MARK rules, for
//! fwmark services), nat PREROUTING (REDIRECT, the "bypass" of a backup
//! director), then LOCAL_IN with IPVS for local destinations, or FORWARD
//! (TTL − 1, IPVS NAT replies) for others when forwarding is on.

use super::input::Verdict;
use super::kernel::{Ipvs, KernelConfig};
use super::packet::{icmp_error, Ipv4, Rewrite};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

pub type Mac = [u8; 6];

/// The destination MAC of a frame the host must still resolve.
pub const UNRESOLVED: Mac = [0; 6];

/// A frame to send. With `next_hop`, bytes 0..6 are to be filled with that
/// neighbour's MAC by the host stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tx {
    pub frame: Vec<u8>,
    pub next_hop: Option<Ipv4Addr>,
}

/// `iptables -t mangle -A PREROUTING -d ADDR -p tcp --dport PORT
/// [-m mac ! --mac-source MAC] -j MARK --set-mark MARK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkRule {
    pub daddr: Ipv4Addr,
    pub proto: u8,
    pub dport: u16,
    /// Match only frames *not* from this MAC (the other director).
    pub not_from: Option<Mac>,
    pub mark: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectorConfig {
    pub mac: Mac,
    /// Interface addresses with prefix lengths; the first is the primary.
    pub addrs: Vec<(Ipv4Addr, u8)>,
    pub gateway: Option<Ipv4Addr>,
    /// `net.ipv4.ip_forward` (an LVS-NAT director is the real servers' gateway).
    pub ip_forward: bool,
}

/// What became of a received frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// Not an IPv4 packet for this node: someone else's business.
    Ignored,
    /// For the node's own stack (an application, VRRP, ICMP…), untouched by IPVS.
    Local,
    /// Taken by IPVS or forwarding; whatever it caused is in the outputs.
    Taken,
    /// Scheduled to a real server that is this node itself: the packet (as
    /// IPVS left it) goes to the local stack, as the kernel does for a
    /// destination with a local route.
    Deliver(Vec<u8>),
}

#[derive(Debug)]
pub struct Director {
    pub ipvs: Ipvs,
    cfg: DirectorConfig,
    /// Extra local addresses: VIPs the VRRP instance added, addresses on lo.
    local: BTreeSet<Ipv4Addr>,
    marks: Vec<MarkRule>,
    /// Destinations REDIRECTed to the local stack before IPVS sees them.
    bypass: BTreeSet<Ipv4Addr>,
    log: Vec<String>,
}

fn in_subnet(a: Ipv4Addr, net: Ipv4Addr, prefix: u8) -> bool {
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix.min(32))) };
    u32::from(a) & mask == u32::from(net) & mask
}

impl Director {
    /// `kernel.source` is usually the primary address.
    pub fn new(cfg: DirectorConfig, kernel: KernelConfig, now_us: u64) -> Director {
        Director {
            ipvs: Ipvs::new(kernel, now_us),
            cfg,
            local: BTreeSet::new(),
            marks: Vec::new(),
            bypass: BTreeSet::new(),
            log: Vec::new(),
        }
    }

    pub fn config(&self) -> &DirectorConfig {
        &self.cfg
    }

    /// An address now belongs to the node (VIP added, or on lo).
    pub fn add_local(&mut self, addr: Ipv4Addr) {
        self.local.insert(addr);
    }

    pub fn del_local(&mut self, addr: Ipv4Addr) {
        self.local.remove(&addr);
    }

    pub fn add_mark_rule(&mut self, rule: MarkRule) {
        self.marks.push(rule);
    }

    /// `bypass_ipvs.sh add|del VIP`: a nat PREROUTING REDIRECT for the VIP.
    pub fn set_bypass(&mut self, addr: Ipv4Addr, on: bool) {
        if on {
            self.bypass.insert(addr);
        } else {
            self.bypass.remove(&addr);
        }
    }

    pub fn is_local(&self, addr: Ipv4Addr) -> bool {
        self.local.contains(&addr) || self.cfg.addrs.iter().any(|&(a, _)| a == addr)
    }

    /// The next hop toward `dst`: itself on a connected subnet, else the gateway.
    pub fn route(&self, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        if self.cfg.addrs.iter().any(|&(a, p)| in_subnet(dst, a, p)) {
            Some(dst)
        } else {
            self.cfg.gateway
        }
    }

    /// Log lines (the kernel's) since the last call.
    pub fn take_log(&mut self) -> Vec<String> {
        let mut l = std::mem::take(&mut self.log);
        l.extend(self.ipvs.take_log());
        l
    }

    pub fn poll_at(&self) -> Option<u64> {
        self.ipvs.next_timer_us()
    }

    pub fn on_timer(&mut self, now_us: u64) {
        self.ipvs.on_timer(now_us);
    }

    fn mark_of(&self, src_mac: &[u8], ip: &Ipv4<'_>) -> u32 {
        let dport = ip.ports().map(|(_, d)| d);
        self.marks
            .iter()
            .find(|r| {
                r.daddr == ip.dst()
                    && r.proto == ip.protocol()
                    && dport == Some(r.dport)
                    && r.not_from.is_none_or(|m| m != src_mac)
            })
            .map_or(0, |r| r.mark)
    }

    fn emit(&self, packet: Vec<u8>, next_hop: Option<Ipv4Addr>, out: &mut Vec<Tx>) {
        let Some(hop) = next_hop else { return };
        let mut frame = Vec::with_capacity(14 + packet.len());
        frame.extend_from_slice(&UNRESOLVED);
        frame.extend_from_slice(&self.cfg.mac);
        frame.extend_from_slice(&[0x08, 0x00]);
        frame.extend_from_slice(&packet);
        out.push(Tx { frame, next_hop: Some(hop) });
    }

    fn apply(&mut self, verdict: Verdict, original: &[u8], out: &mut Vec<Tx>) -> Handled {
        match verdict {
            Verdict::Pass => return Handled::Local,
            Verdict::Drop => {}
            Verdict::Send { next_hop, packet } if self.is_local(next_hop) => {
                // DR/TUN hand the packet up untouched (no TTL decrement on a
                // local route); NAT delivers the rewritten one.
                let rewritten = Ipv4::parse(&packet).is_some_and(|p| p.dst() == next_hop);
                return Handled::Deliver(if rewritten { packet } else { original.to_vec() });
            }
            Verdict::Send { next_hop, packet } => self.emit(packet, Some(next_hop), out),
            Verdict::Route(packet) => {
                let hop = Ipv4::parse(&packet).and_then(|ip| self.route(ip.dst()));
                self.emit(packet, hop, out);
            }
        }
        Handled::Taken
    }

    /// A frame the host stack handed up.
    pub fn on_frame(&mut self, now_us: u64, frame: &[u8], out: &mut Vec<Tx>) -> Handled {
        if frame.len() < 14 || frame[12..14] != [0x08, 0x00] || frame[0..6] != self.cfg.mac {
            return Handled::Ignored;
        }
        let Some(ip) = Ipv4::parse(&frame[14..]) else { return Handled::Ignored };
        let mark = self.mark_of(&frame[6..12], &ip);
        // nat PREROUTING runs before the routing decision: a REDIRECTed VIP
        // is local whether the node holds it or not.
        if self.bypass.contains(&ip.dst()) {
            return Handled::Local;
        }
        if self.is_local(ip.dst()) {
            let v = self.ipvs.local_in(now_us, ip.bytes(), mark);
            return self.apply(v, ip.bytes(), out);
        }
        if !self.cfg.ip_forward {
            return Handled::Ignored;
        }
        if ip.ttl() <= 1 {
            let from = self.cfg.addrs.first().map_or(Ipv4Addr::UNSPECIFIED, |a| a.0);
            let err = icmp_error(&ip, 11, 0, from, 0);
            return self.apply(Verdict::Route(err), ip.bytes(), out);
        }
        let mut w = Rewrite::new(&ip);
        w.decrement_ttl();
        let forwarded = w.finish(false);
        match self.ipvs.forward(now_us, &forwarded) {
            Verdict::Pass => {
                let hop = self.route(ip.dst());
                self.emit(forwarded, hop, out);
                Handled::Taken
            }
            v => self.apply(v, ip.bytes(), out),
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::engine::ipvs::ipvsadm::parse::parse;
    use crate::engine::ipvs::packet::testkit::{tcp, with_ttl};

    const DIR_MAC: Mac = [2, 0, 0, 0, 0, 0x10];
    const OTHER_MAC: Mac = [2, 0, 0, 0, 0, 0x11];
    const CLIENT_MAC: Mac = [2, 0, 0, 0, 0, 0x01];

    fn a(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn director(script: &[&str], ip_forward: bool) -> Director {
        let cfg = DirectorConfig { mac: DIR_MAC, addrs: vec![(a("192.0.2.10"), 24)], gateway: Some(a("192.0.2.1")), ip_forward };
        let mut d = Director::new(cfg, KernelConfig { hash: Default::default(), seed: 1, source: a("192.0.2.10") }, 0);
        d.add_local(a("192.0.2.100"));
        for l in script {
            parse(l).unwrap().apply(&mut d.ipvs, 0).unwrap();
        }
        d
    }

    fn eth(dst: Mac, src: Mac, packet: &[u8]) -> Vec<u8> {
        [&dst[..], &src[..], &[0x08, 0x00], packet].concat()
    }

    fn syn(port: u16) -> Vec<u8> {
        eth(DIR_MAC, CLIENT_MAC, &tcp((a("198.51.100.1"), port), (a("192.0.2.100"), 80), "S", b""))
    }

    #[test]
    fn dr_frame_changes_mac_and_ttl_only() {
        let mut d = director(&["-A -t 192.0.2.100:80 -s rr", "-a -t 192.0.2.100:80 -r 192.0.2.21 -g"], false);
        let mut out = Vec::new();
        let f = syn(40000);
        assert_eq!(d.on_frame(0, &f, &mut out), Handled::Taken);
        let tx = &out[0];
        assert_eq!(tx.next_hop, Some(a("192.0.2.21")));
        assert_eq!(&tx.frame[0..6], &UNRESOLVED);
        assert_eq!(&tx.frame[6..12], &DIR_MAC);
        assert_eq!(&tx.frame[14 + 12..14 + 20], &f[14 + 12..14 + 20], "CIP → VIP unchanged");
        assert_eq!(tx.frame[14 + 8], 63);
        assert_eq!(&tx.frame[14 + 20..], &f[14 + 20..], "TCP untouched");
    }

    #[test]
    fn nat_gateway_forwards_and_snats_replies() {
        let mut d = director(&["-A -t 192.0.2.100:80 -s rr", "-a -t 192.0.2.100:80 -r 192.0.2.21:8080 -m"], true);
        let mut out = Vec::new();
        d.on_frame(0, &syn(40000), &mut out);
        assert_eq!(Ipv4::parse(&out[0].frame[14..]).unwrap().dst(), a("192.0.2.21"));
        out.clear();
        let reply = tcp((a("192.0.2.21"), 8080), (a("198.51.100.1"), 40000), "SA", b"");
        assert_eq!(d.on_frame(1, &eth(DIR_MAC, OTHER_MAC, &reply), &mut out), Handled::Taken);
        let ip = Ipv4::parse(&out[0].frame[14..]).unwrap();
        assert_eq!((ip.src(), ip.ports(), ip.ttl()), (a("192.0.2.100"), Some((80, 40000)), 63));
        assert_eq!(out[0].next_hop, Some(a("192.0.2.1")), "the client is off-link");
        // Other forwarded traffic is routed as is.
        out.clear();
        let other = tcp((a("192.0.2.21"), 22), (a("198.51.100.1"), 5000), "A", b"");
        d.on_frame(2, &eth(DIR_MAC, OTHER_MAC, &other), &mut out);
        assert_eq!(Ipv4::parse(&out[0].frame[14..]).unwrap().src(), a("192.0.2.21"));
    }

    #[test]
    fn without_forwarding_other_destinations_are_ignored() {
        let mut d = director(&[], false);
        let mut out = Vec::new();
        let p = tcp((a("192.0.2.21"), 22), (a("198.51.100.1"), 5000), "A", b"");
        assert_eq!(d.on_frame(0, &eth(DIR_MAC, OTHER_MAC, &p), &mut out), Handled::Ignored);
        assert_eq!(d.on_frame(0, &eth(OTHER_MAC, CLIENT_MAC, &p), &mut out), Handled::Ignored, "not our MAC");
        assert!(out.is_empty());
    }

    #[test]
    fn mark_rule_selects_the_fwmark_service() {
        let mut d = director(&["-A -f 3 -s rr", "-a -f 3 -r 192.0.2.21 -g"], false);
        d.add_mark_rule(MarkRule { daddr: a("192.0.2.100"), proto: 6, dport: 80, not_from: Some(OTHER_MAC), mark: 3 });
        let mut out = Vec::new();
        assert_eq!(d.on_frame(0, &syn(1), &mut out), Handled::Taken);
        let from_other = eth(DIR_MAC, OTHER_MAC, &tcp((a("198.51.100.1"), 2), (a("192.0.2.100"), 80), "S", b""));
        assert_eq!(d.on_frame(0, &from_other, &mut out), Handled::Local, "the other director's frames stay local");
    }

    #[test]
    fn bypass_keeps_the_vip_for_the_local_stack() {
        let mut d = director(&["-A -t 192.0.2.100:80 -s rr", "-a -t 192.0.2.100:80 -r 192.0.2.21 -g"], false);
        d.set_bypass(a("192.0.2.100"), true);
        let mut out = Vec::new();
        assert_eq!(d.on_frame(0, &syn(1), &mut out), Handled::Local);
        d.set_bypass(a("192.0.2.100"), false);
        assert_eq!(d.on_frame(0, &syn(1), &mut out), Handled::Taken);
    }

    #[test]
    fn a_real_server_on_the_director_itself_gets_the_packet_locally() {
        let mut d = director(&["-A -t 192.0.2.100:80 -s rr", "-a -t 192.0.2.100:80 -r 192.0.2.10 -g"], false);
        let mut out = Vec::new();
        let f = syn(1);
        assert_eq!(d.on_frame(0, &f, &mut out), Handled::Deliver(f[14..].to_vec()));
        assert!(out.is_empty());
        assert_eq!(d.ipvs.conns().count(), 1);
    }

    #[test]
    fn bypass_applies_to_a_vip_the_node_does_not_hold() {
        let mut d = director(&[], false);
        d.del_local(a("192.0.2.100"));
        let mut out = Vec::new();
        assert_eq!(d.on_frame(0, &syn(1), &mut out), Handled::Ignored);
        d.set_bypass(a("192.0.2.100"), true);
        assert_eq!(d.on_frame(0, &syn(1), &mut out), Handled::Local);
    }

    #[test]
    fn forwarding_ttl_expiry_sends_time_exceeded() {
        let mut d = director(&[], true);
        let mut out = Vec::new();
        let p = with_ttl(tcp((a("192.0.2.21"), 22), (a("198.51.100.1"), 5000), "A", b""), 1);
        d.on_frame(0, &eth(DIR_MAC, OTHER_MAC, &p), &mut out);
        let ip = Ipv4::parse(&out[0].frame[14..]).unwrap();
        assert_eq!((ip.src(), ip.dst(), ip.payload()[0]), (a("192.0.2.10"), a("192.0.2.21"), 11));
        assert_eq!(out[0].next_hop, Some(a("192.0.2.21")));
    }

    #[test]
    fn no_service_logs_and_unreachable() {
        let mut d = director(&["-A -t 192.0.2.100:80 -s rr"], false);
        let mut out = Vec::new();
        d.on_frame(0, &syn(1), &mut out);
        assert_eq!(d.take_log(), ["IPVS: rr: TCP 192.0.2.100:80 - no destination available"]);
        assert_eq!(Ipv4::parse(&out[0].frame[14..]).unwrap().protocol(), 1);
        assert_eq!(out[0].next_hop, Some(a("192.0.2.1")));
    }
}

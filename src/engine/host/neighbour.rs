//! ARP and IPv6 neighbour discovery: the neighbour table, answers under
//! `arp_ignore`, requests under `arp_announce`, retransmits and give-ups.

use super::{in_subnet, Host, Neigh, LOCKTIME_US, RETRANS_US, SOLICITS};
use crate::engine::frame::{self, Mac, Nd, BROADCAST};
use crate::engine::{Micros, Outputs};
use crate::wire::arp;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

impl Host {
    fn learn(&mut self, now: Micros, ip: IpAddr, mac: Mac, create: bool, force: bool) {
        match self.neigh.get_mut(&ip) {
            Some(n) if force || now >= n.updated + LOCKTIME_US || n.mac == mac => {
                *n = Neigh { mac, updated: now };
            }
            Some(_) => {}
            None if create => {
                self.neigh.insert(ip, Neigh { mac, updated: now });
            }
            None => {}
        }
    }

    /// `arp_process`: learn, and answer requests for local addresses as
    /// `arp_ignore` allows.
    pub(super) fn arp(&mut self, now: Micros, p: &arp::EtherIpv4, out: &mut Outputs) {
        let spa = IpAddr::V4(p.spa);
        let tpa = IpAddr::V4(p.tpa);
        let gratuitous = p.spa == p.tpa;
        let for_us = self.is_local(tpa);
        if !p.spa.is_unspecified() && !self.is_local(spa) {
            // Requests for us create an entry; anything else only refreshes one,
            // gratuitous ARPs overriding the lock time.
            let create = for_us || (p.op == arp::OP_REPLY && self.pending.contains_key(&spa));
            self.learn(now, spa, p.sha, create, gratuitous);
            self.resolved(spa, out);
        }
        // A request from one of our own addresses (another holder's GARP for
        // a VIP we also hold) fails the kernel's source check: no answer.
        if p.op != arp::OP_REQUEST || !for_us || self.is_local(spa) || self.arp_ignored(p.spa, p.tpa) {
            return;
        }
        let Some(mac) = self.mac_for(tpa).or_else(|| self.cfg.lo.contains(&tpa).then_some(self.cfg.mac)) else {
            return;
        };
        let mut buf = out.buffer();
        frame::arp(&mut buf, p.sha, arp::OP_REPLY, mac, p.tpa, p.sha, p.spa);
        out.send(buf);
    }

    /// `arp_ignore` (the larger of all/ and the interface): whether not to answer.
    fn arp_ignored(&self, sip: Ipv4Addr, tip: Ipv4Addr) -> bool {
        let tip_ip = IpAddr::V4(tip);
        let on_iface = self.iface_addrs().find(|(a, _)| *a == tip_ip);
        match self.cfg.arp_ignore.effective() {
            1 => on_iface.is_none(),
            2 => on_iface.is_none_or(|(a, p)| !in_subnet(IpAddr::V4(sip), a, p)),
            // Only scope-host addresses are skipped: 127/8 on lo.
            3 => tip.is_loopback(),
            8 => true,
            _ => false,
        }
    }

    /// IPv6 neighbour solicitation/advertisement; `true` when handled.
    pub(super) fn neighbour_discovery(&mut self, now: Micros, ip: &crate::wire::decode::Ip, out: &mut Outputs) -> bool {
        let b = ip.payload;
        if b.len() < 24 || !(b[0] == 135 || b[0] == 136) {
            return false;
        }
        let Ok(t) = <[u8; 16]>::try_from(&b[8..24]) else { return false };
        let target = Ipv6Addr::from(t);
        let opt_mac = (b.len() >= 32 && b[25] == 1).then(|| <[u8; 6]>::try_from(&b[26..32]).ok()).flatten();
        let IpAddr::V6(src) = ip.src else { return false };
        if b[0] == 135 {
            if let Some(m) = opt_mac.filter(|_| !src.is_unspecified()) {
                self.learn(now, IpAddr::V6(src), m, true, false);
                self.resolved(IpAddr::V6(src), out);
            }
            if let Some(mac) = self.mac_for(IpAddr::V6(target)) {
                let dst_mac = opt_mac.unwrap_or(BROADCAST);
                let mut buf = out.buffer();
                frame::neighbour(&mut buf, Nd::Advert { solicited: true }, mac, target, src, dst_mac, target);
                out.send(buf);
            }
        } else if let Some(m) = opt_mac {
            let create = self.pending.contains_key(&IpAddr::V6(target));
            self.learn(now, IpAddr::V6(target), m, create, b[4] & 0x20 != 0);
            self.resolved(IpAddr::V6(target), out);
        }
        true
    }

    /// Sends an ARP request / neighbour solicitation for `hop`.
    pub(super) fn solicit(&mut self, now: Micros, hop: IpAddr, out: &mut Outputs) {
        let src = self.pending.get(&hop).and_then(|p| p.src);
        let mac = self.cfg.mac;
        let mut buf = out.buffer();
        match hop {
            IpAddr::V4(t) => {
                let Some(sip) = self.announce_source(src, t) else { return };
                frame::arp(&mut buf, BROADCAST, arp::OP_REQUEST, mac, sip, [0; 6], t);
            }
            IpAddr::V6(t) => {
                let group = frame::solicited_node(t);
                let s = self.link_local();
                frame::neighbour(&mut buf, Nd::Solicit, mac, s, group, frame::ipv6_multicast_mac(group), t);
            }
        }
        out.send(buf);
        if let Some(p) = self.pending.get_mut(&hop) {
            p.sent += 1;
            p.next_at = now + RETRANS_US;
        }
    }

    /// `arp_announce`: the sender address of an ARP request for `target`,
    /// triggered by a packet from `src`.
    fn announce_source(&self, src: Option<IpAddr>, target: Ipv4Addr) -> Option<Ipv4Addr> {
        let t = IpAddr::V4(target);
        let local_v4 = |ip: IpAddr| match ip {
            IpAddr::V4(v) if self.is_local(ip) => Some(v),
            _ => None,
        };
        let in_target_subnet = |ip: IpAddr| self.iface_addrs().any(|(a, p)| a == ip && in_subnet(t, a, p));
        let best = self
            .iface_addrs()
            .find_map(|(a, p)| match a {
                IpAddr::V4(v) if in_subnet(t, a, p) => Some(v),
                _ => None,
            })
            .or_else(|| self.primary_ipv4());
        let from_packet = src.and_then(local_v4);
        match self.cfg.arp_announce.effective() {
            0 => from_packet.or(best),
            1 => from_packet.filter(|&s| in_target_subnet(IpAddr::V4(s))).or(best),
            _ => best,
        }
    }

    /// A neighbour became known: send what waited for it.
    fn resolved(&mut self, ip: IpAddr, out: &mut Outputs) {
        let Some(mac) = self.neighbor(ip) else { return };
        if let Some(p) = self.pending.remove(&ip) {
            for mut f in p.frames {
                f[0..6].copy_from_slice(&mac);
                out.send(f);
            }
        }
    }

    pub fn poll_at(&self) -> Option<Micros> {
        self.pending.values().map(|p| p.next_at).min()
    }

    /// Retransmits solicitations; gives up (dropping the queued frames)
    /// after three unanswered ones.
    pub fn on_timer(&mut self, now: Micros, out: &mut Outputs) {
        let due: Vec<IpAddr> = self.pending.iter().filter(|(_, p)| p.next_at <= now).map(|(ip, _)| *ip).collect();
        for ip in due {
            if self.pending.get(&ip).is_some_and(|p| p.sent >= SOLICITS) {
                if let Some(p) = self.pending.remove(&ip) {
                    p.frames.into_iter().for_each(|f| out.recycle(f));
                }
            } else {
                self.solicit(now, ip, out);
            }
        }
    }
}

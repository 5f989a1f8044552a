//! The part of a Linux host's network stack a VRRP/LVS lab exercises, sans-IO:
//! one Ethernet interface with its addresses and MAC, addresses added at run
//! time (VIPs), addresses on `lo` (a DR real server's VIP), the ARP cache,
//! ARP replies under `arp_ignore`, ARP requests under `arp_announce`, IPv6
//! neighbour discovery, ICMP echo, and next-hop resolution for the frames the
//! machines above it send. Kernel behaviour per `ip-sysctl.rst` and
//! `net/ipv4/arp.c`.

use super::frame::{self, Mac, Nd, BROADCAST};
use super::{Micros, Outputs, Tx};
use crate::capture::LinkType;
use crate::scenario::model::IfAddr;
use crate::wire::arp;
use crate::wire::decode::{decode, Net};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// How long the kernel waits for an ARP/ND answer before asking again
/// (`retrans_time_ms`), and how many times it asks (`mcast_solicit`).
const RETRANS_US: Micros = 1_000_000;
const SOLICITS: u32 = 3;
/// Frames queued per unresolved neighbour (`unres_qlen`, in packets).
const UNRES_QLEN: usize = 3;
/// An entry is not overridden by a non-gratuitous ARP within this time (`locktime`).
const LOCKTIME_US: Micros = 1_000_000;

/// A sysctl that exists under `all/` and per interface; the kernel uses the
/// larger of the two for `arp_ignore` and `arp_announce`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sysctl {
    pub all: u8,
    pub iface: u8,
}

impl Sysctl {
    pub fn effective(self) -> u8 {
        self.all.max(self.iface)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostConfig {
    pub ifname: String,
    pub mac: Mac,
    /// Addresses of the interface; the first IPv4 one is the primary.
    pub addrs: Vec<IfAddr>,
    /// Addresses on `lo` (scope global, as `ip addr add VIP/32 dev lo` makes them).
    pub lo: Vec<IpAddr>,
    pub arp_ignore: Sysctl,
    pub arp_announce: Sysctl,
    pub gateway: Option<IpAddr>,
}

/// An address added at run time (a VIP), possibly with its own MAC (use_vmac).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Extra {
    addr: IpAddr,
    prefix: u8,
    mac: Mac,
    accept: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Neigh {
    mac: Mac,
    updated: Micros,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pending {
    frames: Vec<Vec<u8>>,
    /// Source address of the packet that asked (arp_announce picks from it).
    src: Option<IpAddr>,
    sent: u32,
    next_at: Micros,
}

/// What the host did with a received frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Not for this host (another MAC).
    Filtered,
    /// Handled by the stack (ARP, neighbour discovery, ICMP echo).
    Consumed,
    /// For the machines above (VRRP, IPVS, applications).
    Up,
}

#[derive(Debug, Clone)]
pub struct Host {
    cfg: HostConfig,
    extra: Vec<Extra>,
    /// Added addresses with `accept: false`, and with a MAC of their own:
    /// when there are none (the usual case) the per-frame checks skip the scan.
    no_accept: usize,
    own_macs: usize,
    neigh: BTreeMap<IpAddr, Neigh>,
    pending: BTreeMap<IpAddr, Pending>,
    /// IPv4 identification counters per (source, destination), as the
    /// kernel keeps them for packets sent with id 0 (few pairs: a scan).
    ip_ids: Vec<((Ipv4Addr, Ipv4Addr), u16)>,
}

fn in_subnet(a: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (a, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let m = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix.min(32))) };
            u32::from(a) & m == u32::from(n) & m
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let m = if prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix.min(128))) };
            u128::from(a) & m == u128::from(n) & m
        }
        _ => false,
    }
}

impl Host {
    pub fn new(cfg: HostConfig) -> Host {
        Host {
            cfg,
            extra: vec![],
            no_accept: 0,
            own_macs: 0,
            neigh: BTreeMap::new(),
            pending: BTreeMap::new(),
            ip_ids: vec![],
        }
    }

    pub fn config(&self) -> &HostConfig {
        &self.cfg
    }
    pub fn mac(&self) -> Mac {
        self.cfg.mac
    }
    pub fn primary_ipv4(&self) -> Option<Ipv4Addr> {
        self.cfg.addrs.iter().find_map(|a| match a.addr {
            IpAddr::V4(v) => Some(v),
            _ => None,
        })
    }
    pub fn link_local(&self) -> Ipv6Addr {
        frame::link_local(self.cfg.mac)
    }

    /// The interface as a VRRP daemon sees it.
    pub fn iface(&self) -> super::vrrp::Iface {
        super::vrrp::Iface {
            name: self.cfg.ifname.clone(),
            mac: self.cfg.mac,
            ipv4: self.primary_ipv4(),
            ipv6_ll: Some(self.link_local()),
        }
    }

    /// Addresses currently on the interface (configured, then added), with prefixes.
    fn iface_addrs(&self) -> impl Iterator<Item = (IpAddr, u8)> + '_ {
        let ll = (IpAddr::V6(self.link_local()), 64);
        self.cfg.addrs.iter().map(|a| (a.addr, a.prefix)).chain(self.extra.iter().map(|e| (e.addr, e.prefix))).chain([ll])
    }

    /// Whether `ip` is one of this host's addresses (interface, added, or lo).
    pub fn is_local(&self, ip: IpAddr) -> bool {
        self.iface_addrs().any(|(a, _)| a == ip) || self.cfg.lo.contains(&ip)
    }

    /// The MAC the host answers with for a local address on the interface.
    fn mac_for(&self, ip: IpAddr) -> Option<Mac> {
        if let Some(e) = self.extra.iter().find(|e| e.addr == ip) {
            return Some(e.mac);
        }
        self.iface_addrs().any(|(a, _)| a == ip).then_some(self.cfg.mac)
    }

    pub fn add_addr(&mut self, addr: IpAddr, prefix: u8, mac: Mac, accept: bool) {
        self.extra.retain(|e| e.addr != addr);
        self.extra.push(Extra { addr, prefix, mac, accept });
        self.count();
    }

    fn count(&mut self) {
        self.no_accept = self.extra.iter().filter(|e| !e.accept).count();
        self.own_macs = self.extra.iter().filter(|e| e.mac != self.cfg.mac).count();
    }

    pub fn del_addr(&mut self, addr: IpAddr) {
        self.extra.retain(|e| e.addr != addr);
        self.count();
    }

    /// Addresses added at run time (VIPs), in the order they were added.
    pub fn added_addrs(&self) -> Vec<IpAddr> {
        self.extra.iter().map(|e| e.addr).collect()
    }

    /// The carrier went down: the kernel flushes learned neighbours
    /// (`neigh_carrier_down`) and what waited for them.
    pub fn carrier_down(&mut self) {
        self.neigh.clear();
        self.pending.clear();
    }

    pub fn neighbor(&self, ip: IpAddr) -> Option<Mac> {
        self.neigh.get(&ip).map(|n| n.mac)
    }

    /// The next hop for `dst`: itself when on-link, else the gateway.
    pub fn route(&self, dst: IpAddr) -> Option<IpAddr> {
        let on_link = self.iface_addrs().any(|(a, p)| in_subnet(dst, a, p))
            || matches!(dst, IpAddr::V6(v) if v.segments()[0] & 0xffc0 == 0xfe80);
        if on_link {
            Some(dst)
        } else {
            self.cfg.gateway
        }
    }

    /// The NIC's filter: our MAC, the MACs of added addresses, broadcast and multicast.
    pub fn accepts(&self, frame: &[u8]) -> bool {
        let Some(dst) = frame.get(0..6).and_then(|d| <[u8; 6]>::try_from(d).ok()) else { return false };
        dst == self.cfg.mac || frame::is_multicast(&dst) || (self.own_macs > 0 && self.extra.iter().any(|e| e.mac == dst))
    }

    /// A frame from the wire. ARP, neighbour discovery and ICMP echo are
    /// answered here; the rest goes up.
    pub fn receive(&mut self, now: Micros, data: &[u8], out: &mut Outputs) -> Delivery {
        if !self.accepts(data) {
            return Delivery::Filtered;
        }
        // Most frames are adverts: decide those without a full decode.
        match (data.get(12..14), data.get(23), data.get(30..34), data.get(20)) {
            (Some([0x08, 0x00]), Some(&proto), Some(dst), _) if proto != 1 => {
                let dst = IpAddr::V4(Ipv4Addr::new(dst[0], dst[1], dst[2], dst[3]));
                return if self.accepted(dst) { Delivery::Up } else { Delivery::Consumed };
            }
            (Some([0x86, 0xdd]), _, _, Some(&next)) if next != 58 => {
                let dst = data.get(38..54).and_then(|d| <[u8; 16]>::try_from(d).ok());
                let ok = dst.is_none_or(|d| self.accepted(IpAddr::V6(Ipv6Addr::from(d))));
                return if ok { Delivery::Up } else { Delivery::Consumed };
            }
            _ => {}
        }
        let d = decode(LinkType::Ethernet, data);
        if d.vlan().is_some() {
            return Delivery::Filtered;
        }
        if let Some(a) = d.arp() {
            if let Some(p) = arp::Packet::new_checked(a).ok().and_then(|p| p.ether_ipv4()) {
                self.arp(now, &p, out);
            }
            return Delivery::Consumed;
        }
        let Net::Ip(ip) = d.net else { return Delivery::Up };
        if ip.proto == 58 && self.neighbour_discovery(now, &ip, out) {
            return Delivery::Consumed;
        }
        if !self.accepted(ip.dst) {
            // no_accept (vrrp_strict): the firewall drops traffic to the VIP.
            return Delivery::Consumed;
        }
        if ip.proto == 1 && self.is_local(ip.dst) {
            if let (IpAddr::V4(src), IpAddr::V4(dst)) = (ip.src, ip.dst) {
                self.echo(now, src, dst, ip.payload, out);
            }
            return Delivery::Consumed;
        }
        Delivery::Up
    }

    fn accepted(&self, dst: IpAddr) -> bool {
        self.no_accept == 0 || self.extra.iter().find(|e| e.addr == dst).is_none_or(|e| e.accept)
    }

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
    fn arp(&mut self, now: Micros, p: &arp::EtherIpv4, out: &mut Outputs) {
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
    fn neighbour_discovery(&mut self, now: Micros, ip: &crate::wire::decode::Ip, out: &mut Outputs) -> bool {
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

    fn echo(&mut self, now: Micros, src: Ipv4Addr, dst: Ipv4Addr, payload: &[u8], out: &mut Outputs) {
        if payload.len() < 8 || payload[0] != 8 {
            return;
        }
        let mut reply = payload.to_vec();
        reply[0] = 0;
        reply[2] = 0;
        reply[3] = 0;
        let c = crate::wire::checksum::finish(&[crate::wire::checksum::sum(&reply)]);
        reply[2..4].copy_from_slice(&c.to_be_bytes());
        let Some(hop) = self.route(IpAddr::V4(src)) else { return };
        let mut buf = out.buffer();
        frame::Ipv4Frame {
            src_mac: self.mac_for(IpAddr::V4(dst)).unwrap_or(self.cfg.mac),
            dst_mac: frame::UNRESOLVED,
            tos: 0,
            ttl: 64,
            protocol: 1,
            src: dst,
            dst: src,
            dont_fragment: false,
        }
        .write(&mut buf, &reply);
        self.transmit(now, Tx { frame: buf, next_hop: Some(hop) }, out);
    }

    /// A frame a machine (or this stack) wants sent: fill in the IPv4
    /// identification if it is 0, resolve the destination MAC if asked.
    pub fn transmit(&mut self, now: Micros, mut tx: Tx, out: &mut Outputs) {
        self.fill_ip_id(&mut tx.frame);
        let Some(hop) = tx.next_hop else {
            out.send(tx.frame);
            return;
        };
        if let Some(mac) = self.neighbor(hop) {
            tx.frame[0..6].copy_from_slice(&mac);
            out.send(tx.frame);
            return;
        }
        let src = decode(LinkType::Ethernet, &tx.frame).ip().map(|i| i.src);
        let p = self.pending.entry(hop).or_insert(Pending { frames: vec![], src, sent: 0, next_at: now });
        if p.frames.len() >= UNRES_QLEN {
            p.frames.remove(0);
        }
        p.frames.push(tx.frame);
        if p.sent == 0 {
            self.solicit(now, hop, out);
        }
    }

    fn fill_ip_id(&mut self, f: &mut [u8]) {
        if f.len() < 34 || f[12..14] != [0x08, 0x00] || f[18..20] != [0, 0] {
            return;
        }
        let src = Ipv4Addr::new(f[26], f[27], f[28], f[29]);
        let dst = Ipv4Addr::new(f[30], f[31], f[32], f[33]);
        let i = match self.ip_ids.iter().position(|(k, _)| *k == (src, dst)) {
            Some(i) => i,
            None => {
                self.ip_ids.push(((src, dst), 0));
                self.ip_ids.len() - 1
            }
        };
        let id = &mut self.ip_ids[i].1;
        *id = id.wrapping_add(1).max(1);
        f[18..20].copy_from_slice(&id.to_be_bytes());
        let ihl = usize::from(f[14] & 0x0f) * 4;
        if f.len() < 14 + ihl {
            return;
        }
        f[24..26].copy_from_slice(&[0, 0]);
        let c = crate::wire::checksum::finish(&[crate::wire::checksum::sum(&f[14..14 + ihl])]);
        f[24..26].copy_from_slice(&c.to_be_bytes());
    }

    /// Sends an ARP request / neighbour solicitation for `hop`.
    fn solicit(&mut self, now: Micros, hop: IpAddr, out: &mut Outputs) {
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

#[cfg(test)]
mod test {
    use super::*;

    const MAC: Mac = [2, 0, 0, 0, 0, 0x21];
    const CLIENT: Mac = [2, 0, 0, 0, 0, 0x99];
    const VMAC: Mac = [0, 0, 0x5e, 0, 1, 51];

    fn v4(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn host(arp_ignore: Sysctl, arp_announce: Sysctl) -> Host {
        Host::new(HostConfig {
            ifname: "eth0".into(),
            mac: MAC,
            addrs: vec![IfAddr { addr: "192.0.2.21".parse().unwrap(), prefix: 24 }],
            lo: vec!["192.0.2.100".parse().unwrap()],
            arp_ignore,
            arp_announce,
            gateway: Some("192.0.2.1".parse().unwrap()),
        })
    }

    fn who_has(target: &str, from: &str) -> Vec<u8> {
        let mut b = vec![];
        frame::arp(&mut b, BROADCAST, arp::OP_REQUEST, CLIENT, v4(from), [0; 6], v4(target));
        b
    }

    fn arps(out: &Outputs) -> Vec<arp::EtherIpv4> {
        out.frames
            .iter()
            .filter_map(|t| decode(LinkType::Ethernet, &t.frame).arp().and_then(|a| arp::Packet::new_checked(a).ok()?.ether_ipv4()))
            .collect()
    }

    fn replies(h: &mut Host, target: &str, from: &str) -> Vec<arp::EtherIpv4> {
        let mut out = Outputs::new();
        assert_eq!(h.receive(0, &who_has(target, from), &mut out), Delivery::Consumed);
        arps(&out)
    }

    #[test]
    fn answers_for_its_address_and_learns_the_asker() {
        let mut h = host(Sysctl::default(), Sysctl::default());
        let r = replies(&mut h, "192.0.2.21", "192.0.2.50");
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].op, r[0].sha, r[0].spa, r[0].tha, r[0].tpa), (2, MAC, v4("192.0.2.21"), CLIENT, v4("192.0.2.50")));
        assert_eq!(h.neighbor("192.0.2.50".parse().unwrap()), Some(CLIENT));
        assert!(replies(&mut h, "192.0.2.77", "192.0.2.50").is_empty());
    }

    #[test]
    fn dr_real_server_vip_on_lo_and_arp_ignore() {
        // Default sysctls: the real server answers for the VIP on lo — the
        // classic DR mistake the seed articles warn about.
        let mut h = host(Sysctl::default(), Sysctl::default());
        assert_eq!(replies(&mut h, "192.0.2.100", "192.0.2.50").len(), 1);
        // arp_ignore=1 on all/ wins over 0 on the interface (max of the two).
        let mut h = host(Sysctl { all: 1, iface: 0 }, Sysctl::default());
        assert!(replies(&mut h, "192.0.2.100", "192.0.2.50").is_empty());
        assert_eq!(replies(&mut h, "192.0.2.21", "192.0.2.50").len(), 1, "its own address is still answered");
        let mut h = host(Sysctl { all: 0, iface: 2 }, Sysctl::default());
        assert!(replies(&mut h, "192.0.2.21", "198.51.100.7").is_empty(), "2: sender must be in the subnet");
        assert_eq!(replies(&mut h, "192.0.2.21", "192.0.2.50").len(), 1);
        let mut h = host(Sysctl { all: 3, iface: 0 }, Sysctl::default());
        assert_eq!(replies(&mut h, "192.0.2.100", "192.0.2.50").len(), 1, "3: lo VIPs are scope global");
        let mut h = host(Sysctl { all: 8, iface: 0 }, Sysctl::default());
        assert!(replies(&mut h, "192.0.2.21", "192.0.2.50").is_empty());
    }

    #[test]
    fn another_holders_garp_is_not_answered() {
        let mut h = host(Sysctl::default(), Sysctl::default());
        h.add_addr("192.0.2.200".parse().unwrap(), 32, MAC, true);
        let mut g = vec![];
        frame::gratuitous_arp(&mut g, CLIENT, v4("192.0.2.200"));
        let mut out = Outputs::new();
        assert_eq!(h.receive(0, &g, &mut out), Delivery::Consumed);
        assert!(out.frames.is_empty());
    }

    #[test]
    fn added_address_answers_with_its_own_mac() {
        let mut h = host(Sysctl::default(), Sysctl::default());
        h.add_addr("192.0.2.200".parse().unwrap(), 32, VMAC, true);
        let r = replies(&mut h, "192.0.2.200", "192.0.2.50");
        assert_eq!(r[0].sha, VMAC);
        let mut f = who_has("192.0.2.200", "192.0.2.50");
        f[0..6].copy_from_slice(&VMAC);
        assert!(h.accepts(&f));
        h.del_addr("192.0.2.200".parse().unwrap());
        assert!(replies(&mut h, "192.0.2.200", "192.0.2.50").is_empty());
        assert!(!h.accepts(&f));
    }

    fn udp_from(src: &str, dst: &str) -> Vec<u8> {
        let mut b = vec![];
        frame::Ipv4Frame { src_mac: MAC, dst_mac: frame::UNRESOLVED, tos: 0, ttl: 64, protocol: 17, src: v4(src), dst: v4(dst), dont_fragment: true }
            .write(&mut b, &[0; 8]);
        b
    }

    #[test]
    fn resolution_queues_asks_and_flushes_on_reply() {
        let mut h = host(Sysctl::default(), Sysctl::default());
        let mut out = Outputs::new();
        let hop: IpAddr = "192.0.2.50".parse().unwrap();
        h.transmit(0, Tx { frame: udp_from("192.0.2.100", "192.0.2.50"), next_hop: Some(hop) }, &mut out);
        let a = arps(&out);
        assert_eq!(a.len(), 1);
        // arp_announce 0: the source of the packet, even the VIP on lo.
        assert_eq!((a[0].op, a[0].spa, a[0].tpa), (1, v4("192.0.2.100"), v4("192.0.2.50")));
        out.frames.clear();
        let mut reply = vec![];
        frame::arp(&mut reply, MAC, arp::OP_REPLY, CLIENT, v4("192.0.2.50"), MAC, v4("192.0.2.21"));
        h.receive(10, &reply, &mut out);
        assert_eq!(out.frames.len(), 1);
        assert_eq!(&out.frames[0].frame[0..6], &CLIENT);
        assert_eq!(&out.frames[0].frame[18..20], &[0, 1], "the host numbered it");
        // arp_announce 2: the best address on the interface instead.
        let mut h = host(Sysctl::default(), Sysctl { all: 2, iface: 0 });
        let mut out = Outputs::new();
        h.transmit(0, Tx { frame: udp_from("192.0.2.100", "192.0.2.50"), next_hop: Some(hop) }, &mut out);
        assert_eq!(arps(&out)[0].spa, v4("192.0.2.21"));
    }

    #[test]
    fn unanswered_solicitations_give_up_after_three() {
        let mut h = host(Sysctl::default(), Sysctl::default());
        let mut out = Outputs::new();
        h.transmit(0, Tx { frame: udp_from("192.0.2.21", "192.0.2.60"), next_hop: Some("192.0.2.60".parse().unwrap()) }, &mut out);
        let mut t = 0;
        while let Some(at) = h.poll_at() {
            t = at;
            h.on_timer(at, &mut out);
        }
        assert_eq!(arps(&out).len(), 3);
        assert_eq!(t, 3_000_000);
        assert_eq!(out.frames.len(), 3, "the queued frame was dropped");
    }

    #[test]
    fn garp_updates_but_does_not_create_entries_and_lock_time_holds() {
        let mut out = Outputs::new();
        let vip: IpAddr = "192.0.2.100".parse().unwrap();
        let mut g = vec![];
        frame::gratuitous_arp(&mut g, CLIENT, v4("192.0.2.100"));
        let mut h2 = host(Sysctl::default(), Sysctl::default());
        h2.cfg.lo.clear();
        h2.receive(0, &g, &mut out);
        assert_eq!(h2.neighbor(vip), None, "gratuitous ARP does not create");
        // Create via a request to us, then a GARP from another MAC overrides at once,
        h2.receive(0, &who_has("192.0.2.21", "192.0.2.100"), &mut out);
        assert_eq!(h2.neighbor(vip), Some(CLIENT));
        let mut g2 = vec![];
        frame::gratuitous_arp(&mut g2, VMAC, v4("192.0.2.100"));
        h2.receive(100, &g2, &mut out);
        assert_eq!(h2.neighbor(vip), Some(VMAC));
        // but a plain request from the old MAC within a second does not.
        h2.receive(200, &who_has("192.0.2.21", "192.0.2.100"), &mut out);
        assert_eq!(h2.neighbor(vip), Some(VMAC));
        h2.receive(1_200_000, &who_has("192.0.2.21", "192.0.2.100"), &mut out);
        assert_eq!(h2.neighbor(vip), Some(CLIENT));
    }

    #[test]
    fn ping_is_answered_unless_no_accept() {
        let mut h = host(Sysctl::default(), Sysctl::default());
        h.add_addr("192.0.2.200".parse().unwrap(), 32, MAC, false);
        let echo = |dst: &str| {
            let mut b = vec![];
            let icmp = [8u8, 0, 0xf7, 0xff, 0, 0, 0, 0];
            frame::Ipv4Frame { src_mac: CLIENT, dst_mac: MAC, tos: 0, ttl: 64, protocol: 1, src: v4("192.0.2.50"), dst: v4(dst), dont_fragment: true }
                .write(&mut b, &icmp);
            b
        };
        let mut out = Outputs::new();
        h.receive(0, &who_has("192.0.2.21", "192.0.2.50"), &mut out);
        out.frames.clear();
        assert_eq!(h.receive(0, &echo("192.0.2.21"), &mut out), Delivery::Consumed);
        assert_eq!(out.frames.len(), 1);
        let d = decode(LinkType::Ethernet, &out.frames[0].frame);
        assert_eq!(d.ip().map(|i| (i.src, i.proto, i.payload[0])), Some(("192.0.2.21".parse().unwrap(), 1, 0)));
        out.frames.clear();
        h.receive(0, &echo("192.0.2.200"), &mut out);
        assert!(out.frames.is_empty(), "no_accept VIP does not answer ping");
    }

    #[test]
    fn neighbour_solicitation_is_answered() {
        let mut h = host(Sysctl::default(), Sysctl::default());
        let vip: Ipv6Addr = "2001:db8::100".parse().unwrap();
        h.add_addr(IpAddr::V6(vip), 64, MAC, true);
        let asker: Ipv6Addr = "fe80::99".parse().unwrap();
        let group = frame::solicited_node(vip);
        let mut ns = vec![];
        frame::neighbour(&mut ns, Nd::Solicit, CLIENT, asker, group, frame::ipv6_multicast_mac(group), vip);
        let mut out = Outputs::new();
        assert_eq!(h.receive(0, &ns, &mut out), Delivery::Consumed);
        assert_eq!(out.frames.len(), 1);
        let f = &out.frames[0].frame;
        assert_eq!(&f[0..6], &CLIENT);
        assert_eq!(f[54], 136);
        assert_eq!(h.neighbor(IpAddr::V6(asker)), Some(CLIENT));
    }
}

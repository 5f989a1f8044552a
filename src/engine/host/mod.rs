//! The part of a Linux host's network stack a VRRP/LVS lab exercises, sans-IO:
//! one Ethernet interface with its addresses and MAC, addresses added at run
//! time (VIPs), addresses on `lo` (a DR real server's VIP), the ARP cache,
//! ARP replies under `arp_ignore`, ARP requests under `arp_announce`, IPv6
//! neighbour discovery, ICMP echo, and next-hop resolution for the frames the
//! machines above it send. Kernel behaviour per `ip-sysctl.rst` and
//! `net/ipv4/arp.c`.

use super::frame::{self, Mac};
use super::{Micros, Outputs, Tx};
use crate::capture::LinkType;
use crate::scenario::model::IfAddr;
use crate::wire::arp;
use crate::wire::decode::{decode, Net};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

mod hosted;
mod neighbour;

pub use hosted::Hosted;

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

impl HostConfig {
    /// The stack of a scenario node whose interface is `ifname`; the
    /// scenario's sysctls are the `all/` ones.
    pub fn of(node: &crate::scenario::model::Node, ifname: String, mac: Mac) -> HostConfig {
        HostConfig {
            ifname,
            mac,
            addrs: node.addrs.clone(),
            lo: node.vip_on_lo.clone(),
            arp_ignore: Sysctl { all: node.arp_ignore, iface: 0 },
            arp_announce: Sysctl { all: node.arp_announce, iface: 0 },
            gateway: node.gateway,
        }
    }
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
        // Echo requests are the stack's; ICMP errors go up to the socket
        // they concern (a client's "connection refused").
        if ip.proto == 1 && self.is_local(ip.dst) && ip.payload.first() == Some(&8) {
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

}

#[cfg(test)]
mod tests;

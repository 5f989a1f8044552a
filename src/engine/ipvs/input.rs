//! The packet hooks (`ip_vs_core.c`): client packets for a virtual service
//! arrive at LOCAL_IN (the director holds the VIP), replies of NAT real
//! servers at FORWARD. Each returns what to do with the packet.

use super::conn::{Conn, ConnId};
use super::dest::{DestId, Forward};
use super::kernel::Ipvs;
use super::packet::{icmp_error, Ipv4};
use super::sched::Flow;
use super::service::{Proto, ServiceKey};
use super::state::{tcp_next, Direction, State, TcpFlags};
use super::xmit::{self, Xmit};
use std::net::Ipv4Addr;

/// The hook's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not IPVS's business: the host delivers or forwards it as usual.
    Pass,
    /// Swallowed.
    Drop,
    /// Transmit this IPv4 packet to the on-link `next_hop` (a real server).
    Send { next_hop: Ipv4Addr, packet: Vec<u8> },
    /// An IPv4 packet the host routes like any it originates or forwards:
    /// a SNATed reply, or an ICMP error for the sender.
    Route(Vec<u8>),
}

const FTP_PORT: u16 = 21;

enum Scheduled {
    Conn(ConnId),
    /// No real server: ICMP port unreachable.
    Leave,
    Drop,
}

impl Ipvs {
    /// `ip_vs_in` at LOCAL_IN. `mark` is the packet's netfilter mark (for
    /// fwmark services).
    pub fn local_in(&mut self, now_us: u64, packet: &[u8], mark: u32) -> Verdict {
        self.on_timer(now_us);
        let Some(ip) = Ipv4::parse(packet) else { return Verdict::Pass };
        let (Some(proto), Some((sport, dport))) = (Proto::from_number(ip.protocol()), ip.ports()) else {
            return Verdict::Pass;
        };
        let flags = ip.tcp_flags().map(TcpFlags::from_byte).unwrap_or_default();
        let (caddr, vaddr) = (ip.src(), ip.dst());
        let mut found = self.conns.lookup_in(proto, caddr, sport, vaddr, dport);
        if let Some(id) = found {
            if proto == Proto::Tcp && is_new_conn(flags) && self.reuse_rejects(id) {
                if self.conns.get(id).is_some_and(|c| c.n_control == 0) {
                    self.expire(id, now_us);
                }
                found = None;
            }
        }
        if let Some(id) = found {
            let dest = self.conns.get(id).map(|c| c.dest);
            if dest.is_some_and(|d| !self.dest(d).available) {
                if !self.sysctls.expire_nodest_conn {
                    return Verdict::Drop;
                }
                self.conns.expire_now(id, now_us);
                self.expire(id, now_us);
                found = None;
            }
        }
        let id = match found {
            Some(id) => id,
            None => {
                let Some(svc) = self.find_service(proto, vaddr, dport, mark) else { return Verdict::Pass };
                let may_create = match proto {
                    Proto::Tcp => !flags.rst && (flags.syn || self.sysctls.sloppy_tcp),
                    Proto::Udp => true,
                };
                if !may_create {
                    return Verdict::Pass;
                }
                let flow = Flow { saddr: caddr, sport, daddr: vaddr, dport };
                match self.schedule(svc, proto, &flow, now_us) {
                    Scheduled::Conn(id) => id,
                    Scheduled::Drop => return Verdict::Drop,
                    Scheduled::Leave => {
                        let ident = self.next_ident();
                        return Verdict::Route(icmp_error(&ip, 3, 3, vaddr, ident));
                    }
                }
            }
        };
        self.count(id, packet.len(), Direction::In);
        self.transition(id, proto, Direction::In, flags);
        let Some(c) = self.conns.get(id) else { return Verdict::Drop };
        let (forward, daddr, dport) = (c.forward, c.daddr, c.dport);
        let ident = self.next_ident();
        let out = xmit::to_real_server(&ip, forward, daddr, dport, self.config.source, ident);
        self.conns.rearm(id, now_us);
        match out {
            Xmit::Send { next_hop, packet } => Verdict::Send { next_hop, packet },
            Xmit::TtlExceeded => {
                let ident = self.next_ident();
                Verdict::Route(icmp_error(&ip, 11, 0, self.config.source, ident))
            }
        }
    }

    /// `ip_vs_out` at FORWARD: a reply from a NAT real server is made to come
    /// from the virtual service. `packet` has been through the host's
    /// forwarding already (TTL decremented).
    pub fn forward(&mut self, now_us: u64, packet: &[u8]) -> Verdict {
        self.on_timer(now_us);
        let Some(ip) = Ipv4::parse(packet) else { return Verdict::Pass };
        let (Some(proto), Some((sport, dport))) = (Proto::from_number(ip.protocol()), ip.ports()) else {
            return Verdict::Pass;
        };
        let Some(id) = self.conns.lookup_out(proto, ip.src(), sport, ip.dst(), dport) else { return Verdict::Pass };
        let flags = ip.tcp_flags().map(TcpFlags::from_byte).unwrap_or_default();
        self.count(id, packet.len(), Direction::Out);
        self.transition(id, proto, Direction::Out, flags);
        let Some(c) = self.conns.get(id) else { return Verdict::Drop };
        let out = xmit::snat_reply(&ip, c.vaddr, c.vport);
        self.conns.rearm(id, now_us);
        Verdict::Route(out)
    }

    /// `is_new_conn_expected` under `conn_reuse_mode`: a new SYN on an entry
    /// that is closing (and controls nothing) opens a new connection.
    fn reuse_rejects(&self, id: ConnId) -> bool {
        let Some(c) = self.conns.get(id) else { return false };
        let mode = self.sysctls.conn_reuse_mode;
        if mode == 0 {
            return false;
        }
        if self.sysctls.expire_nodest_conn && self.dest(c.dest).weight == 0 {
            return true;
        }
        let closing = matches!(c.state, State::TimeWait | State::Close)
            || (mode & 2 != 0 && c.state == State::FinWait && c.no_output);
        c.control.is_none() && closing && c.n_control == 0
    }

    /// `ip_vs_service_find`: fwmark first, then address:port, then a
    /// persistent port-zero service on the address.
    fn find_service(&self, proto: Proto, vaddr: Ipv4Addr, vport: u16, mark: u32) -> Option<usize> {
        let find = |key: ServiceKey| self.service_index(&key);
        (mark != 0)
            .then(|| find(ServiceKey::Fwmark(mark)))
            .flatten()
            .or_else(|| find(ServiceKey::Inet { proto, addr: vaddr, port: vport }))
            .or_else(|| find(ServiceKey::Inet { proto, addr: vaddr, port: 0 }))
    }

    fn schedule(&mut self, svc: usize, proto: Proto, flow: &Flow, now_us: u64) -> Scheduled {
        let key = self.services[svc].spec.key;
        let svc_port = match key {
            ServiceKey::Inet { port, .. } => port,
            ServiceKey::Fwmark(_) => 0,
        };
        let persistent = self.services[svc].spec.persistence.is_some();
        if !persistent && matches!(key, ServiceKey::Inet { .. }) && flow.dport != svc_port {
            if svc_port == 0 {
                self.log("IPVS: Schedule: port zero only supported in persistent services, check your ipvs configuration".into());
            }
            return Scheduled::Drop;
        }
        let template = if persistent { self.valid_template(svc, proto, flow, svc_port) } else { None };
        let dest = match template {
            Some(t) => self.conns.get(t).map(|c| c.dest),
            None => self.pick(svc, flow, now_us),
        };
        let Some(dest) = dest else { return Scheduled::Leave };
        let d = self.dest(dest);
        let daddr = d.addr;
        // A persistent service keeps the packet's port unless it came to the
        // service's own port; a plain one uses the server's port if it has one.
        let dport = match persistent {
            true if flow.dport == svc_port && d.port != 0 => d.port,
            false if d.port != 0 => d.port,
            _ => flow.dport,
        };
        let template = match (persistent, template) {
            (true, Some(t)) => Some(t),
            (true, None) => Some(self.new_template(svc, proto, flow, svc_port, dest, now_us)),
            (false, _) => None,
        };
        let c = Conn {
            proto: Some(proto),
            caddr: flow.saddr,
            cport: flow.sport,
            vaddr: flow.daddr,
            vport: flow.dport,
            daddr,
            dport,
            dest,
            service: key,
            forward: self.dest(dest).forward,
            state: match proto {
                Proto::Tcp => State::TcpNone,
                Proto::Udp => State::Udp,
            },
            template: false,
            inactive: true,
            no_output: self.dest(dest).forward != Forward::Masq,
            timeout_s: 3,
            expires_us: now_us + 3_000_000,
            control: template,
            n_control: 0,
        };
        self.bind(&c);
        let id = self.conns.insert(c);
        if let Some(t) = template {
            if let Some(tc) = self.conns.get_mut(t) {
                tc.n_control += 1;
            }
            self.conns.rearm(t, now_us);
        }
        self.pool[dest.0 as usize].stats.conns += 1;
        self.services[svc].stats.conns += 1;
        Scheduled::Conn(id)
    }

    /// Asks the service's scheduler, logging a miss as the kernel does.
    fn pick(&mut self, svc: usize, flow: &Flow, now_us: u64) -> Option<DestId> {
        let picked = self.with_scheduler(svc, |s, dests| s.schedule(dests, flow, now_us));
        if picked.is_none() {
            let name = match self.services[svc].spec.key {
                ServiceKey::Fwmark(m) => format!("FWM {m} 0x{m:08X}"),
                k => k.to_string(),
            };
            let s = &self.services[svc].scheduler;
            if let Some(line) = s.miss().log_line(s.name(), &name) {
                self.log(line);
            }
        }
        picked
    }

    /// The template key of `ip_vs_sched_persist`: the client's network, and
    /// the virtual port when the packet came to the service's own port.
    fn template_key(&self, svc: usize, proto: Proto, flow: &Flow, svc_port: u16) -> (Option<Proto>, Ipv4Addr, Ipv4Addr, u16) {
        let spec = &self.services[svc].spec;
        let mask = spec.persistence.map_or(Ipv4Addr::BROADCAST, |p| p.netmask);
        let snet = Ipv4Addr::from(u32::from(flow.saddr) & u32::from(mask));
        match spec.key {
            ServiceKey::Fwmark(m) => (None, snet, Ipv4Addr::from(m), 0),
            _ if flow.dport == svc_port && svc_port != FTP_PORT => (Some(proto), snet, flow.daddr, flow.dport),
            _ => (Some(proto), snet, flow.daddr, 0),
        }
    }

    /// A template that may still be used (`ip_vs_check_template`); a stale
    /// one is invalidated and left to expire.
    fn valid_template(&mut self, svc: usize, proto: Proto, flow: &Flow, svc_port: u16) -> Option<ConnId> {
        let (p, snet, vaddr, vport) = self.template_key(svc, proto, flow, svc_port);
        let t = self.conns.lookup_template(p, snet, vaddr, vport)?;
        let dest = self.dest(self.conns.get(t)?.dest);
        let quiescent = self.sysctls.expire_quiescent_template && dest.weight == 0;
        if dest.available && !quiescent {
            return Some(t);
        }
        self.conns.invalidate_template(t);
        None
    }

    fn new_template(&mut self, svc: usize, proto: Proto, flow: &Flow, svc_port: u16, dest: DestId, now_us: u64) -> ConnId {
        let (p, snet, vaddr, vport) = self.template_key(svc, proto, flow, svc_port);
        let d = self.dest(dest);
        let timeout_s = self.services[svc].spec.persistence.map_or(0, |p| p.timeout_s);
        let t = Conn {
            proto: p,
            caddr: snet,
            cport: 0,
            vaddr,
            vport,
            daddr: d.addr,
            dport: if flow.dport == svc_port && svc_port != FTP_PORT { d.port } else { 0 },
            dest,
            service: self.services[svc].spec.key,
            forward: d.forward,
            state: State::TcpNone,
            template: true,
            inactive: false,
            no_output: d.forward != Forward::Masq,
            timeout_s,
            expires_us: now_us + u64::from(timeout_s) * 1_000_000,
            control: None,
            n_control: 0,
        };
        self.bind(&t);
        self.conns.insert(t)
    }

    fn count(&mut self, id: ConnId, len: usize, dir: Direction) {
        let Some(c) = self.conns.get(id) else { return };
        let (dest, key) = (c.dest, c.service);
        let len = len as u64;
        let bump = |s: &mut super::dest::Counters| match dir {
            Direction::In => {
                s.inpkts += 1;
                s.inbytes += len;
            }
            Direction::Out => {
                s.outpkts += 1;
                s.outbytes += len;
            }
        };
        bump(&mut self.pool[dest.0 as usize].stats);
        if let Some(i) = self.service_index(&key) {
            bump(&mut self.services[i].stats);
        }
    }

    /// The protocol's state transition, moving the connection between the
    /// ActiveConn (ESTABLISHED only) and InActConn counts.
    fn transition(&mut self, id: ConnId, proto: Proto, dir: Direction, flags: TcpFlags) {
        let timeouts = self.timeouts;
        let Some(c) = self.conns.get_mut(id) else { return };
        if proto == Proto::Udp {
            c.timeout_s = timeouts.udp;
            return;
        }
        if dir == Direction::Out {
            c.no_output = false;
        }
        let next = tcp_next(c.state, dir, c.no_output, flags);
        if next != c.state {
            let now_active = next == State::Established;
            let d = &mut self.pool[c.dest.0 as usize];
            if !c.inactive && !now_active {
                d.active -= 1;
                d.inactive += 1;
                c.inactive = true;
            } else if c.inactive && now_active {
                d.active += 1;
                d.inactive -= 1;
                c.inactive = false;
            }
        }
        c.state = next;
        c.timeout_s = timeouts.of(next);
    }
}

/// `is_new_conn`: a bare SYN.
fn is_new_conn(f: TcpFlags) -> bool {
    f.syn && !f.ack && !f.fin && !f.rst
}

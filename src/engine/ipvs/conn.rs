//! The connection table (`ip_vs_conn.c`): one entry per client flow, bound
//! to the real server it was scheduled to, plus persistence templates that
//! pin a client (or its network) to a server. Entries expire on virtual
//! time: each packet restarts the timer with the timeout of the new state.

use super::dest::{DestId, Forward};
use super::service::{Proto, ServiceKey};
use super::state::State;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::Ipv4Addr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId(pub u64);

/// An entry of the table. Templates have client port 0 and, for fwmark
/// services, no protocol ("IP") and the mark in place of the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conn {
    pub proto: Option<Proto>,
    pub caddr: Ipv4Addr,
    pub cport: u16,
    pub vaddr: Ipv4Addr,
    pub vport: u16,
    pub daddr: Ipv4Addr,
    pub dport: u16,
    pub dest: DestId,
    pub service: ServiceKey,
    pub forward: Forward,
    pub state: State,
    pub template: bool,
    /// Counted in InActConn rather than ActiveConn.
    pub inactive: bool,
    /// The kernel's NOOUTPUT flag: no reply seen (always so for DR/TUN).
    pub no_output: bool,
    /// Seconds the timer is restarted with.
    pub timeout_s: u32,
    pub expires_us: u64,
    /// The template this connection was created from.
    pub control: Option<ConnId>,
    /// How many connections this template controls.
    pub n_control: u32,
}

impl Conn {
    /// Seconds left, as `/proc/net/ip_vs_conn` (and so `ipvsadm -Lnc`) shows.
    pub fn expires_in_s(&self, now_us: u64) -> u64 {
        self.expires_us.saturating_sub(now_us) / 1_000_000
    }
}

type FlowKey = (u8, Ipv4Addr, u16, Ipv4Addr, u16);

#[derive(Debug, Default)]
pub struct ConnTable {
    conns: BTreeMap<ConnId, Conn>,
    /// Client side: (proto, caddr, cport, vaddr, vport).
    by_in: HashMap<FlowKey, ConnId>,
    /// Real-server side of NAT connections: (proto, daddr, dport, caddr, cport).
    by_out: HashMap<FlowKey, ConnId>,
    /// Valid templates: (proto or 0, caddr & mask, 0, vaddr or mark, vport).
    templates: HashMap<FlowKey, ConnId>,
    timers: BTreeSet<(u64, ConnId)>,
    next: u64,
}

fn proto_num(p: Option<Proto>) -> u8 {
    p.map_or(0, Proto::number)
}

impl Conn {
    fn in_key(&self) -> FlowKey {
        (proto_num(self.proto), self.caddr, self.cport, self.vaddr, self.vport)
    }

    fn out_key(&self) -> FlowKey {
        (proto_num(self.proto), self.daddr, self.dport, self.caddr, self.cport)
    }
}

impl ConnTable {
    pub fn len(&self) -> usize {
        self.conns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.conns.is_empty()
    }

    pub fn get(&self, id: ConnId) -> Option<&Conn> {
        self.conns.get(&id)
    }

    pub fn get_mut(&mut self, id: ConnId) -> Option<&mut Conn> {
        self.conns.get_mut(&id)
    }

    /// Entries in creation order.
    pub fn iter(&self) -> impl Iterator<Item = (ConnId, &Conn)> {
        self.conns.iter().map(|(&id, c)| (id, c))
    }

    pub fn insert(&mut self, conn: Conn) -> ConnId {
        let id = ConnId(self.next);
        self.next += 1;
        if conn.template {
            self.templates.insert(conn.in_key(), id);
        } else {
            self.by_in.insert(conn.in_key(), id);
            if conn.forward == Forward::Masq {
                self.by_out.insert(conn.out_key(), id);
            }
        }
        self.timers.insert((conn.expires_us, id));
        self.conns.insert(id, conn);
        id
    }

    pub fn remove(&mut self, id: ConnId) -> Option<Conn> {
        let conn = self.conns.remove(&id)?;
        self.timers.remove(&(conn.expires_us, id));
        fn unindex(index: &mut HashMap<FlowKey, ConnId>, key: FlowKey, id: ConnId) {
            if index.get(&key) == Some(&id) {
                index.remove(&key);
            }
        }
        if conn.template {
            unindex(&mut self.templates, conn.in_key(), id);
        } else {
            unindex(&mut self.by_in, conn.in_key(), id);
            unindex(&mut self.by_out, conn.out_key(), id);
        }
        Some(conn)
    }

    /// The connection a client packet belongs to.
    pub fn lookup_in(&self, proto: Proto, caddr: Ipv4Addr, cport: u16, vaddr: Ipv4Addr, vport: u16) -> Option<ConnId> {
        self.by_in.get(&(proto.number(), caddr, cport, vaddr, vport)).copied()
    }

    /// The NAT connection a real server's reply belongs to.
    pub fn lookup_out(&self, proto: Proto, raddr: Ipv4Addr, rport: u16, caddr: Ipv4Addr, cport: u16) -> Option<ConnId> {
        self.by_out.get(&(proto.number(), raddr, rport, caddr, cport)).copied()
    }

    /// A valid persistence template.
    pub fn lookup_template(&self, proto: Option<Proto>, snet: Ipv4Addr, vaddr: Ipv4Addr, vport: u16) -> Option<ConnId> {
        self.templates.get(&(proto_num(proto), snet, 0, vaddr, vport)).copied()
    }

    /// `ip_vs_check_template` failed: the template stops matching (the
    /// kernel rewrites its ports to 65535) but stays until its timer fires.
    pub fn invalidate_template(&mut self, id: ConnId) {
        if let Some(c) = self.conns.get_mut(&id) {
            if self.templates.get(&c.in_key()) == Some(&id) {
                self.templates.remove(&c.in_key());
            }
            c.vport = 0xffff;
            c.dport = 0xffff;
            c.cport = 0;
        }
    }

    /// Restarts the timer: `expires = now + timeout`.
    pub fn rearm(&mut self, id: ConnId, now_us: u64) {
        if let Some(c) = self.conns.get_mut(&id) {
            self.timers.remove(&(c.expires_us, id));
            c.expires_us = now_us + u64::from(c.timeout_s) * 1_000_000;
            self.timers.insert((c.expires_us, id));
        }
    }

    /// Makes the entry expire at `now` (`ip_vs_conn_expire_now`).
    pub fn expire_now(&mut self, id: ConnId, now_us: u64) {
        if let Some(c) = self.conns.get_mut(&id) {
            self.timers.remove(&(c.expires_us, id));
            c.timeout_s = 0;
            c.expires_us = now_us;
            self.timers.insert((now_us, id));
        }
    }

    pub fn next_expiry(&self) -> Option<u64> {
        self.timers.first().map(|&(t, _)| t)
    }

    /// The earliest entry due at `now`, if any.
    pub fn due(&self, now_us: u64) -> Option<ConnId> {
        self.timers.first().filter(|&&(t, _)| t <= now_us).map(|&(_, id)| id)
    }

    /// Entries the real server `dest` still serves.
    pub fn of_dest(&self, dest: DestId) -> impl Iterator<Item = ConnId> + '_ {
        self.conns.iter().filter(move |(_, c)| c.dest == dest).map(|(&id, _)| id)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn conn(cport: u16, forward: Forward) -> Conn {
        Conn {
            proto: Some(Proto::Tcp),
            caddr: Ipv4Addr::new(198, 51, 100, 1),
            cport,
            vaddr: Ipv4Addr::new(192, 0, 2, 100),
            vport: 80,
            daddr: Ipv4Addr::new(192, 0, 2, 21),
            dport: 8080,
            dest: DestId(0),
            service: ServiceKey::Fwmark(1),
            forward,
            state: State::TcpNone,
            template: false,
            inactive: true,
            no_output: forward != Forward::Masq,
            timeout_s: 60,
            expires_us: 60_000_000,
            control: None,
            n_control: 0,
        }
    }

    #[test]
    fn lookups_both_ways() {
        let mut t = ConnTable::default();
        let nat = t.insert(conn(1000, Forward::Masq));
        let dr = t.insert(conn(1001, Forward::Route));
        let c = Ipv4Addr::new(198, 51, 100, 1);
        let v = Ipv4Addr::new(192, 0, 2, 100);
        let r = Ipv4Addr::new(192, 0, 2, 21);
        assert_eq!(t.lookup_in(Proto::Tcp, c, 1000, v, 80), Some(nat));
        assert_eq!(t.lookup_in(Proto::Tcp, c, 1001, v, 80), Some(dr));
        assert_eq!(t.lookup_in(Proto::Udp, c, 1000, v, 80), None);
        assert_eq!(t.lookup_out(Proto::Tcp, r, 8080, c, 1000), Some(nat));
        assert_eq!(t.lookup_out(Proto::Tcp, r, 8080, c, 1001), None, "DR has no reply path");
        t.remove(nat);
        assert_eq!(t.lookup_out(Proto::Tcp, r, 8080, c, 1000), None);
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn timers_order_by_expiry() {
        let mut t = ConnTable::default();
        let a = t.insert(conn(1, Forward::Route));
        let b = t.insert(conn(2, Forward::Route));
        t.rearm(a, 10_000_000);
        assert_eq!(t.next_expiry(), Some(60_000_000));
        assert_eq!(t.due(59_999_999), None);
        assert_eq!(t.due(60_000_000), Some(b));
        t.expire_now(a, 5);
        assert_eq!(t.due(5), Some(a));
        assert_eq!(t.get(a).unwrap().expires_in_s(0), 0);
    }

    #[test]
    fn invalid_template_no_longer_matches() {
        let mut t = ConnTable::default();
        let mut tpl = conn(0, Forward::Route);
        tpl.template = true;
        let id = t.insert(tpl);
        let c = Ipv4Addr::new(198, 51, 100, 1);
        let v = Ipv4Addr::new(192, 0, 2, 100);
        assert_eq!(t.lookup_template(Some(Proto::Tcp), c, v, 80), Some(id));
        assert_eq!(t.lookup_in(Proto::Tcp, c, 0, v, 80), None, "templates are not connections");
        t.invalidate_template(id);
        assert_eq!(t.lookup_template(Some(Proto::Tcp), c, v, 80), None);
        assert_eq!((t.get(id).unwrap().vport, t.get(id).unwrap().dport), (0xffff, 0xffff));
    }
}

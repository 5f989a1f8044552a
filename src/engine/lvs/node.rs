//! One node of an LVS lab as a single [`Machine`]: keepalived (its VRRP
//! daemon and its health checkers), the kernel's IPVS and forwarding
//! ([`Director`]), and the node's applications (the real server's web
//! server, a client). They share the node as processes share a Linux box:
//! the VRRP daemon's VIPs become local addresses for IPVS, its state changes
//! run the `notify_*` scripts (the two-box article's `bypass_ipvs.sh`), and
//! what IPVS leaves to the local stack reaches the applications, or earns a
//! RST when nobody listens.

use super::client::Client;
use super::responder::Responder;
use super::tcp::{reset_for, Segment, RST};
use crate::engine::ipvs::checker::Checkers;
use crate::engine::ipvs::director::{Director, DirectorConfig, Handled, MarkRule, Tx as DTx, UNRESOLVED};
use crate::engine::ipvs::ipvsadm::Command as Ipvsadm;
use crate::engine::ipvs::keepalived::Setup;
use crate::engine::ipvs::kernel::{Ipvs, KernelConfig};
use crate::engine::ipvs::packet::{Ipv4, PROTO_IPIP, PROTO_TCP};
use crate::engine::vrrp::{Daemon, DaemonConfig, Iface};
use crate::engine::{Command, InstanceStatus, Machine, Micros, Note, Outputs, VrrpState};
use crate::scenario::model::Requests;
use std::net::{IpAddr, Ipv4Addr};

/// A `notify_*` line running `bypass_ipvs.sh add|del VIP` on entering a state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notify {
    pub instance: String,
    pub state: VrrpState,
    pub vip: Ipv4Addr,
    pub add: bool,
}

/// Everything a node is built from; kept to build it afresh after a crash.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    pub director: DirectorConfig,
    pub kernel: KernelConfig,
    /// Addresses on `lo` (a DR real server's VIP).
    pub lo: Vec<Ipv4Addr>,
    pub vrrp: Option<(DaemonConfig, Iface)>,
    pub notify: Vec<Notify>,
    /// keepalived's `virtual_server` blocks, converted.
    pub virtual_servers: Option<Setup>,
    pub ipvsadm: Vec<Ipvsadm>,
    pub marks: Vec<MarkRule>,
    /// The web server: the name it serves, its ports, its think time.
    pub responder: Option<(String, Vec<u16>, u64)>,
    pub client: Option<Requests>,
    pub seed: u64,
}

pub struct LvsNode {
    cfg: NodeConfig,
    vrrp: Option<Daemon>,
    director: Director,
    checkers: Option<Checkers>,
    responder: Option<Responder>,
    client: Option<Client>,
    /// Whether IPVS has services to show (`sim --ipvsadm`).
    is_director: bool,
}

/// `bypass_ipvs.sh add|del VIP` in a `notify_*` script line.
pub fn parse_bypass(script: &str) -> Option<(bool, Ipv4Addr)> {
    let mut words = script.split_whitespace();
    if !words.next()?.ends_with("bypass_ipvs.sh") {
        return None;
    }
    let add = match words.next()? {
        "add" => true,
        "del" => false,
        _ => return None,
    };
    Some((add, words.next()?.parse().ok()?))
}

impl LvsNode {
    pub fn new(cfg: NodeConfig) -> LvsNode {
        let mut director = Director::new(cfg.director.clone(), cfg.kernel, 0);
        for &a in &cfg.lo {
            director.add_local(a);
        }
        for m in &cfg.marks {
            director.add_mark_rule(*m);
        }
        let mut log = Vec::new();
        for c in &cfg.ipvsadm {
            if let Err(e) = c.apply(&mut director.ipvs, 0) {
                log.push(format!("ipvsadm: {e}"));
            }
        }
        let is_director = !cfg.ipvsadm.is_empty() || cfg.virtual_servers.as_ref().is_some_and(|s| !s.services.is_empty());
        let primary = cfg.director.addrs.first().map_or(Ipv4Addr::UNSPECIFIED, |a| a.0);
        LvsNode {
            vrrp: cfg.vrrp.as_ref().map(|(c, i)| Daemon::new(c.clone(), i.clone())),
            director,
            checkers: None,
            responder: cfg.responder.as_ref().map(|(name, ports, think)| Responder::new(name, ports, *think, cfg.seed)),
            client: cfg.client.clone().and_then(|r| Client::new(primary, r, cfg.seed)),
            is_director,
            cfg,
        }
    }

    /// Reacts to what the VRRP daemon just said: VIPs come and go, state
    /// changes run the notify scripts.
    fn follow_vrrp(&mut self, notes: &[Note]) {
        for n in notes {
            match n {
                Note::AddAddr { addr: IpAddr::V4(a), .. } => self.director.add_local(*a),
                Note::DelAddr { addr: IpAddr::V4(a) } => self.director.del_local(*a),
                Note::State(s) => {
                    for x in self.cfg.notify.iter().filter(|x| x.instance == s.instance && x.state == s.to) {
                        self.director.set_bypass(x.vip, x.add);
                    }
                }
                _ => {}
            }
        }
    }

    fn with_vrrp(&mut self, out: &mut Outputs, f: impl FnOnce(&mut Daemon, &mut Outputs)) {
        let Some(d) = self.vrrp.as_mut() else { return };
        let before = out.notes.len();
        f(d, out);
        let notes: Vec<Note> = out.notes[before..].to_vec();
        self.follow_vrrp(&notes);
    }

    fn frame(&self, packet: &[u8]) -> Vec<u8> {
        [&UNRESOLVED[..], &self.cfg.director.mac[..], &[0x08, 0x00], packet].concat()
    }

    /// Sends packets the node itself originates, routed like any.
    fn send_packets(&self, packets: Vec<Vec<u8>>, out: &mut Outputs) {
        for p in packets {
            let Some(hop) = Ipv4::parse(&p).and_then(|ip| self.director.route(ip.dst())) else { continue };
            out.send_via(self.frame(&p), IpAddr::V4(hop));
        }
    }

    fn send_director(&mut self, txs: Vec<DTx>, out: &mut Outputs) {
        for t in txs {
            if let Some(hop) = t.next_hop {
                out.send_via(t.frame, IpAddr::V4(hop));
            }
        }
        for line in self.director.take_log() {
            out.notes.push(Note::LogAs { daemon: "kernel", line });
        }
    }

    /// The local stack: IPIP decapsulation, then the client's socket, the
    /// web server, or a RST from nobody.
    fn local(&mut self, now: Micros, packet: &[u8], out: &mut Outputs) {
        let Some(ip) = Ipv4::parse(packet) else { return };
        if ip.protocol() == PROTO_IPIP {
            let inner = ip.payload().to_vec();
            if Ipv4::parse(&inner).is_some_and(|i| self.director.is_local(i.dst())) {
                self.local(now, &inner, out);
            }
            return;
        }
        let mut replies = Vec::new();
        let primary = self.cfg.director.addrs.first().map(|a| a.0);
        if let Some(c) = self.client.as_mut().filter(|_| Some(ip.dst()) == primary) {
            c.on_packet(now, &ip, &mut replies);
            for line in c.take_log() {
                out.notes.push(Note::LogAs { daemon: "curl", line });
            }
        } else if let Some(r) = self.responder.as_mut() {
            r.on_packet(now, &ip, &mut replies);
        } else if ip.protocol() == PROTO_TCP {
            if let Some(s) = Segment::parse(&ip).filter(|s| !s.has(RST)) {
                replies.push(reset_for(&s));
            }
        }
        self.send_packets(replies, out);
    }
}

impl Machine for LvsNode {
    fn name(&self) -> &str {
        if self.vrrp.is_some() {
            "Keepalived_vrrp"
        } else {
            "lvs"
        }
    }

    fn on_frame(&mut self, now: Micros, frame: &[u8], out: &mut Outputs) {
        self.with_vrrp(out, |d, out| d.on_frame(now, frame, out));
        let mut txs = Vec::new();
        let handled = self.director.on_frame(now, frame, &mut txs);
        self.send_director(txs, out);
        match handled {
            Handled::Local => self.local(now, &frame[14..], out),
            Handled::Deliver(p) => self.local(now, &p, out),
            Handled::Taken | Handled::Ignored => {}
        }
    }

    fn on_timer(&mut self, now: Micros, out: &mut Outputs) {
        if self.vrrp.as_ref().and_then(|d| d.poll_at()).is_some_and(|t| t <= now) {
            self.with_vrrp(out, |d, out| d.on_timer(now, out));
        }
        self.director.on_timer(now);
        if let Some(c) = self.checkers.as_mut() {
            let mut log = Vec::new();
            c.on_timer(now, &mut self.director.ipvs, &mut log);
            out.notes.extend(log.into_iter().map(|line| Note::LogAs { daemon: "Keepalived_healthcheckers", line }));
        }
        let mut packets = Vec::new();
        if let Some(r) = self.responder.as_mut() {
            r.on_timer(now, &mut packets);
        }
        if let Some(c) = self.client.as_mut() {
            c.on_timer(now, &mut packets);
            for line in c.take_log() {
                out.notes.push(Note::LogAs { daemon: "curl", line });
            }
        }
        self.send_packets(packets, out);
        self.send_director(Vec::new(), out);
    }

    fn on_command(&mut self, now: Micros, cmd: &Command, out: &mut Outputs) {
        match cmd {
            Command::Start if self.checkers.is_none() => {
                if let Some(setup) = &self.cfg.virtual_servers {
                    let mut log = Vec::new();
                    let c = Checkers::start(setup, &mut self.director.ipvs, self.cfg.seed, now, &mut log);
                    out.notes.extend(log.into_iter().map(|line| Note::LogAs { daemon: "Keepalived_healthcheckers", line }));
                    self.checkers = Some(c);
                }
            }
            Command::CheckResult { real_server, up } => {
                if let Some(c) = self.checkers.as_mut() {
                    c.set_answering(*real_server, *up);
                }
            }
            _ => {}
        }
        self.with_vrrp(out, |d, out| d.on_command(now, cmd, out));
    }

    fn poll_at(&self) -> Option<Micros> {
        let vrrp = self.vrrp.as_ref().and_then(|d| d.poll_at());
        let checks = self.checkers.as_ref().and_then(Checkers::poll_at);
        let client = self.client.as_ref().and_then(Client::poll_at);
        let web = self.responder.as_ref().and_then(Responder::poll_at);
        [vrrp, self.director.poll_at(), checks, client, web].into_iter().flatten().min()
    }

    fn vrrp_states(&self) -> Vec<InstanceStatus> {
        self.vrrp.as_ref().map_or_else(Vec::new, |d| d.vrrp_states())
    }

    fn ipvs(&self) -> Option<&Ipvs> {
        self.is_director.then_some(&self.director.ipvs)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn bypass_script_lines() {
        assert_eq!(parse_bypass("/etc/keepalived/bypass_ipvs.sh del 192.0.2.100"), Some((false, "192.0.2.100".parse().unwrap())));
        assert_eq!(parse_bypass("bypass_ipvs.sh add 192.0.2.100"), Some((true, "192.0.2.100".parse().unwrap())));
        assert_eq!(parse_bypass("/usr/bin/notify.sh add 192.0.2.100"), None);
        assert_eq!(parse_bypass("bypass_ipvs.sh flip 192.0.2.100"), None);
    }
}

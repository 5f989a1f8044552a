//! A machine with a host stack of its own beneath it, as one [`Machine`].
//!
//! The simulator's world puts a [`Host`] under every node's machines. The
//! lab's director has no such stack under it in the kernel: its kernel
//! interface holds no address, so that the kernel neither answers ARP for
//! the VIP nor resets the connections IPVS forwards. This composite carries
//! the stack along instead: it answers ARP for the node's addresses and the
//! VIPs the machine adds, hands up only what passes its filter, and
//! resolves the next hop of every frame the machine sends, so the driver
//! only ever sees whole frames.

use super::{Delivery, Host};
use crate::engine::ipvs::kernel::Ipvs;
use crate::engine::{Command, InstanceStatus, Machine, Micros, Note, Outputs};

pub struct Hosted {
    host: Host,
    machine: Box<dyn Machine + Send>,
    /// What the machine asked for, before the host carries it out.
    above: Outputs,
}

impl Hosted {
    pub fn new(host: Host, machine: Box<dyn Machine + Send>) -> Hosted {
        Hosted { host, machine, above: Outputs::new() }
    }

    pub fn host(&self) -> &Host {
        &self.host
    }

    /// Carries out what the machine asked: addresses go to the host (not up
    /// to the driver, whose kernel must not hold them), frames are resolved,
    /// the rest is passed on.
    fn pass_down(&mut self, now: Micros, out: &mut Outputs) {
        let Hosted { host, above, .. } = self;
        for note in above.notes.drain(..) {
            match note {
                Note::AddAddr { addr, prefix, mac, accept } => host.add_addr(addr, prefix, mac, accept),
                Note::DelAddr { addr } => host.del_addr(addr),
                other => out.notes.push(other),
            }
        }
        for tx in above.frames.drain(..) {
            host.transmit(now, tx, out);
        }
    }
}

impl Machine for Hosted {
    fn name(&self) -> &str {
        self.machine.name()
    }

    fn on_frame(&mut self, now: Micros, frame: &[u8], out: &mut Outputs) {
        if self.host.receive(now, frame, out) == Delivery::Up {
            self.machine.on_frame(now, frame, &mut self.above);
            self.pass_down(now, out);
        }
    }

    fn on_timer(&mut self, now: Micros, out: &mut Outputs) {
        if self.host.poll_at().is_some_and(|at| at <= now) {
            self.host.on_timer(now, out);
        }
        if self.machine.poll_at().is_some_and(|at| at <= now) {
            self.machine.on_timer(now, &mut self.above);
            self.pass_down(now, out);
        }
    }

    fn on_command(&mut self, now: Micros, cmd: &Command, out: &mut Outputs) {
        if *cmd == Command::LinkDown {
            self.host.carrier_down();
        }
        self.machine.on_command(now, cmd, &mut self.above);
        self.pass_down(now, out);
    }

    fn poll_at(&self) -> Option<Micros> {
        [self.host.poll_at(), self.machine.poll_at()].into_iter().flatten().min()
    }

    fn vrrp_states(&self) -> Vec<InstanceStatus> {
        self.machine.vrrp_states()
    }

    fn ipvs(&self) -> Option<&Ipvs> {
        self.machine.ipvs()
    }
}

#[cfg(test)]
mod test {
    use super::super::{HostConfig, Sysctl};
    use super::*;
    use crate::capture::LinkType;
    use crate::engine::frame::{self, Mac, BROADCAST};
    use crate::engine::ipvs::packet::testkit::tcp;
    use crate::engine::lvs::node::LvsNode;
    use crate::engine::lvs::setup::node_config;
    use crate::scenario::model::{IfAddr, Node, Role};
    use crate::wire::arp;
    use crate::wire::decode::decode;
    use std::net::Ipv4Addr;

    const DIRECTOR: Mac = [2, 0, 0, 0, 0, 0x10];
    const GW: Mac = [2, 0, 0, 0, 0, 0x01];
    const RS1: Mac = [2, 0, 0, 0, 0, 0x15];

    fn v4(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    /// The lvs-dr builtin's director: the VIP among its addresses, one real server.
    fn director() -> Hosted {
        let node = Node {
            name: "d1".into(),
            addrs: vec![IfAddr { addr: "192.0.2.10".parse().unwrap(), prefix: 24 }, IfAddr { addr: "192.0.2.100".parse().unwrap(), prefix: 32 }],
            mac: DIRECTOR,
            role: Role::Director,
            gateway: Some("192.0.2.1".parse().unwrap()),
            ipvsadm: vec!["-A -t 192.0.2.100:80 -s rr".into(), "-a -t 192.0.2.100:80 -r 192.0.2.21:80 -g".into()],
            ..Default::default()
        };
        let host = Host::new(HostConfig {
            ifname: "eth0".into(),
            mac: DIRECTOR,
            addrs: node.addrs.clone(),
            lo: vec![],
            arp_ignore: Sysctl::default(),
            arp_announce: Sysctl::default(),
            gateway: node.gateway,
        });
        let (cfg, warnings) = node_config(&node, DIRECTOR, host.iface(), 1).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        Hosted::new(host, Box::new(LvsNode::new(cfg)))
    }

    fn arp_of(f: &[u8]) -> Option<arp::EtherIpv4> {
        decode(LinkType::Ethernet, f).arp().and_then(|a| arp::Packet::new_checked(a).ok()?.ether_ipv4())
    }

    fn arp_frame(dst: Mac, op: u16, sha: Mac, spa: &str, tha: Mac, tpa: &str) -> Vec<u8> {
        let mut b = vec![];
        frame::arp(&mut b, dst, op, sha, v4(spa), tha, v4(tpa));
        b
    }

    #[test]
    fn answers_arp_for_the_vip_and_forwards_dr_once_the_real_server_resolves() {
        let mut d = director();
        let mut out = Outputs::new();
        d.on_frame(0, &arp_frame(BROADCAST, arp::OP_REQUEST, GW, "192.0.2.1", [0; 6], "192.0.2.100"), &mut out);
        let reply = arp_of(&out.frames[0].frame).unwrap();
        assert_eq!((reply.op, reply.sha, reply.spa), (arp::OP_REPLY, DIRECTOR, v4("192.0.2.100")));
        assert_eq!(out.frames[0].next_hop, None);

        // A SYN to the VIP waits for the real server's MAC: the host asks.
        out = Outputs::new();
        let syn = tcp((v4("198.51.100.10"), 40000), (v4("192.0.2.100"), 80), "S", b"");
        let syn_frame = [&DIRECTOR[..], &GW[..], &[0x08, 0x00], &syn].concat();
        d.on_frame(1, &syn_frame, &mut out);
        assert_eq!(out.frames.len(), 1);
        let ask = arp_of(&out.frames[0].frame).unwrap();
        assert_eq!((ask.op, ask.spa, ask.tpa), (arp::OP_REQUEST, v4("192.0.2.10"), v4("192.0.2.21")));
        assert!(d.poll_at().is_some(), "the host retransmits unanswered requests");

        // The answer releases the SYN, rewritten for DR: only the MACs differ.
        out = Outputs::new();
        d.on_frame(2, &arp_frame(DIRECTOR, arp::OP_REPLY, RS1, "192.0.2.21", DIRECTOR, "192.0.2.10"), &mut out);
        assert_eq!(out.frames.len(), 1);
        let f = &out.frames[0].frame;
        assert_eq!((&f[0..6], &f[6..12]), (&RS1[..], &DIRECTOR[..]));
        assert_eq!(&f[14 + 12..14 + 20], &syn[12..20], "CIP -> VIP unchanged");
        assert_eq!(&f[14 + 20..], &syn[20..], "TCP untouched");
        assert_eq!(d.ipvs().unwrap().conns().count(), 1);
    }

    #[test]
    fn frames_for_other_macs_never_reach_the_director() {
        let mut d = director();
        let mut out = Outputs::new();
        let syn = tcp((v4("198.51.100.10"), 40000), (v4("192.0.2.100"), 80), "S", b"");
        d.on_frame(0, &[&RS1[..], &GW[..], &[0x08, 0x00], &syn].concat(), &mut out);
        assert!(out.is_empty());
        assert_eq!(d.ipvs().unwrap().conns().count(), 0);
    }
}

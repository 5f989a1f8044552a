//! A scenario: nodes on one LAN, timed events, a seed. Loaded from TOML
//! (`scenario::toml`), from keepalived.conf files, or built in. The
//! simulator and the lab both run it. Times are virtual microseconds.

use super::conf::KeepalivedConf;
use std::net::{IpAddr, SocketAddr};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scenario {
    pub name: String,
    /// One paragraph for `sim --list` and the book.
    pub description: String,
    pub duration_us: u64,
    pub seed: u64,
    /// Probability of losing each frame on the LAN (seeded).
    pub loss: f64,
    /// Extra delay per frame, uniformly up to this many microseconds (seeded).
    pub jitter_us: u64,
    pub nodes: Vec<Node>,
    /// Sorted by time; events at the same time keep file order.
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    #[default]
    Router,
    Director,
    RealServer,
    Client,
}

/// Who runs a node in the lab: the project's engine, or real keepalived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Impl {
    #[default]
    Engine,
    Keepalived,
}

/// An interface address with its prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfAddr {
    pub addr: IpAddr,
    pub prefix: u8,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Node {
    pub name: String,
    pub addrs: Vec<IfAddr>,
    pub mac: [u8; 6],
    pub role: Role,
    pub implementation: Impl,
    pub keepalived: Option<KeepalivedConf>,
    /// When the node's daemon starts; `None` means at 0 for nodes with a
    /// keepalived config.
    pub start_at_us: Option<u64>,
    /// Real servers: VIPs on lo.
    pub vip_on_lo: Vec<IpAddr>,
    pub arp_ignore: u8,
    pub arp_announce: u8,
    /// Directors: ipvsadm command lines (without the leading `ipvsadm`).
    pub ipvsadm: Vec<String>,
    /// Clients: the requests they send.
    pub requests: Option<Requests>,
    /// Default gateway (NAT real servers point it at the director).
    pub gateway: Option<IpAddr>,
    /// `net.ipv4.ip_forward`: routers and LVS-NAT directors forward.
    pub ip_forward: bool,
    /// iptables command lines (the two-box article's mangle MARK rules).
    pub iptables: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requests {
    pub to: SocketAddr,
    pub count: u32,
    pub start_us: u64,
    pub interval_us: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub at_us: u64,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Start { node: String },
    /// Graceful: masters send priority 0.
    Stop { node: String },
    /// Silent.
    Crash { node: String },
    LinkDown { node: String },
    LinkUp { node: String },
    /// Drop inbound VRRP on the node, like an INPUT firewall rule.
    BlockVrrp { node: String },
    UnblockVrrp { node: String },
    ScriptFail { node: String, script: String },
    ScriptOk { node: String, script: String },
    SetPriority { node: String, priority: u8 },
    Partition { groups: Vec<Vec<String>> },
    Heal,
    /// A health checker of a director sees this real server fail / recover.
    CheckFail { node: String, real_server: SocketAddr },
    CheckOk { node: String, real_server: SocketAddr },
}

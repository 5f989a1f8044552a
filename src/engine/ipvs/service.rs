//! Virtual services: what `ipvsadm -A` creates. A service is found by
//! protocol, address and port (`-t`/`-u`) or by firewall mark (`-f`).

use super::dest::{Counters, DestId};
use super::estimator::Estimator;
use super::sched::{SchedFlags, Scheduler};
use std::fmt;
use std::net::Ipv4Addr;

/// The transport protocols the simulator forwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    pub fn number(self) -> u8 {
        match self {
            Proto::Tcp => 6,
            Proto::Udp => 17,
        }
    }

    pub fn from_number(n: u8) -> Option<Proto> {
        match n {
            6 => Some(Proto::Tcp),
            17 => Some(Proto::Udp),
            _ => None,
        }
    }

    /// As `ipvsadm -Ln` prints it.
    pub fn upper(self) -> &'static str {
        match self {
            Proto::Tcp => "TCP",
            Proto::Udp => "UDP",
        }
    }

    /// As keepalived's log lines print it.
    pub fn lower(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ServiceKey {
    Inet { proto: Proto, addr: Ipv4Addr, port: u16 },
    Fwmark(u32),
}

impl fmt::Display for ServiceKey {
    /// The kernel's way of naming a service in its log lines
    /// ("TCP 192.0.2.100:80", "FWM 3").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceKey::Inet { proto, addr, port } => write!(f, "{} {addr}:{port}", proto.upper()),
            ServiceKey::Fwmark(m) => write!(f, "FWM {m}"),
        }
    }
}

/// `-p [timeout] [-M netmask]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Persistence {
    pub timeout_s: u32,
    pub netmask: Ipv4Addr,
}

impl Persistence {
    /// ipvsadm's and keepalived's default: 360 s, per client address.
    pub const DEFAULT_TIMEOUT_S: u32 = 360;
}

/// Everything `ipvsadm -A/-E` says about a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSpec {
    pub key: ServiceKey,
    pub scheduler: String,
    pub flags: SchedFlags,
    pub persistence: Option<Persistence>,
    /// `-o`: one-packet scheduling (UDP).
    pub one_packet: bool,
}

impl ServiceSpec {
    /// A service with ipvsadm's defaults: wlc, not persistent.
    pub fn new(key: ServiceKey) -> ServiceSpec {
        ServiceSpec { key, scheduler: "wlc".into(), flags: SchedFlags::default(), persistence: None, one_packet: false }
    }
}

pub struct Service {
    pub spec: ServiceSpec,
    pub(super) scheduler: Box<dyn Scheduler>,
    /// Destinations in kernel list order (newest first).
    pub order: Vec<DestId>,
    pub stats: Counters,
    pub(super) rate: Estimator,
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Service").field("spec", &self.spec).field("order", &self.order).finish_non_exhaustive()
    }
}

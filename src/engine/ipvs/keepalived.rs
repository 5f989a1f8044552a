//! keepalived's `virtual_server` blocks as IPVS services and real servers,
//! with the defaults and corrections keepalived 2.2.7 applies and logs
//! (`check_data.c`: no protocol → UDP, no scheduler → wlc, no method → NAT,
//! real-server ports fixed up to the service's).

use super::control::DestSpec;
use super::dest::Forward;
use super::service::{Persistence, Proto, ServiceKey, ServiceSpec};
use crate::scenario::conf::{Checker, CheckerKind, LbKind, Protocol, RealServer, VirtualServer, VsAddr};
use std::net::{IpAddr, Ipv4Addr};

/// A real server as keepalived will manage it.
#[derive(Debug, Clone, PartialEq)]
pub struct RealServerSetup {
    /// With the configured weight (keepalived sets 0 itself when inhibiting).
    pub dest: DestSpec,
    pub inhibit_on_failure: bool,
    pub checkers: Vec<Checker>,
    /// `FMT_RS`: "[192.0.2.21]:tcp:80".
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VirtualServerSetup {
    pub spec: ServiceSpec,
    /// `delay_loop` in µs (default 60 s).
    pub delay_loop_us: u64,
    /// `FMT_VS`: "[192.0.2.100]:tcp:80" or "FWM 3".
    pub name: String,
    /// In configuration order.
    pub real_servers: Vec<RealServerSetup>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{span}: {message}")]
pub struct SetupError {
    pub span: String,
    pub message: String,
}

/// The result: services, keepalived's own log lines about them, and notes
/// on what the simulator leaves out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Setup {
    pub services: Vec<VirtualServerSetup>,
    pub log: Vec<String>,
    pub unsupported: Vec<String>,
}

const DEFAULT_DELAY_LOOP_US: u64 = 60_000_000;

fn v4(addr: IpAddr, span: &crate::scenario::conf::Span) -> Result<Ipv4Addr, SetupError> {
    match addr {
        IpAddr::V4(a) => Ok(a),
        IpAddr::V6(_) => Err(SetupError { span: span.to_string(), message: "IPv6 virtual servers are not simulated".into() }),
    }
}

/// `inet_sockaddrtotrio`: "[addr]:proto:port", proto "none" when unset.
fn trio(addr: Ipv4Addr, proto: Option<Proto>, port: u16) -> String {
    format!("[{addr}]:{}:{port}", proto.map_or("none", Proto::lower))
}

/// Converts every `virtual_server` block.
pub fn setup(vss: &[VirtualServer]) -> Result<Setup, SetupError> {
    let mut out = Setup::default();
    for vs in vss {
        let s = setup_one(vs, &mut out)?;
        out.services.push(s);
    }
    Ok(out)
}

fn setup_one(vs: &VirtualServer, out: &mut Setup) -> Result<VirtualServerSetup, SetupError> {
    let span = vs.span.to_string();
    let mut proto = match vs.protocol {
        None => None,
        Some(Protocol::Tcp) => Some(Proto::Tcp),
        Some(Protocol::Udp) => Some(Proto::Udp),
        Some(Protocol::Sctp) => {
            return Err(SetupError { span, message: "SCTP virtual servers are not simulated".into() });
        }
    };
    let mut persistence = vs.persistence_timeout_s.filter(|&t| t > 0);
    let (key, name, vport) = match &vs.addr {
        VsAddr::Group(g) => {
            return Err(SetupError { span, message: format!("virtual_server group {g}: groups are not simulated") });
        }
        VsAddr::Fwmark(m) => {
            let name = format!("FWM {m}");
            if proto.take().is_some() {
                out.log.push(format!("Warning: Virtual server {name}: protocol specified for fwmark - protocol will be ignored"));
            }
            (ServiceKey::Fwmark(*m), name, 0)
        }
        VsAddr::Ip { addr, port } => {
            let addr = v4(*addr, &vs.span)?;
            let p = proto.unwrap_or_else(|| {
                out.log.push(format!("Virtual server {}: no protocol set - defaulting to UDP", trio(addr, None, *port)));
                Proto::Udp
            });
            proto = Some(p);
            let name = trio(addr, proto, *port);
            if persistence.is_none() && *port == 0 {
                out.log.push(format!("Virtual server {name}: zero port only valid for persistent services - setting"));
                persistence = Some(Persistence::DEFAULT_TIMEOUT_S);
            }
            (ServiceKey::Inet { proto: p, addr, port: *port }, name, *port)
        }
    };
    let fwmark = matches!(key, ServiceKey::Fwmark(_));
    let scheduler = match &vs.lb_algo {
        Some(s) => s.clone(),
        None => {
            out.log.push(format!("Virtual server {name}: no scheduler set, setting default 'wlc'"));
            "wlc".into()
        }
    };
    let forward = match vs.lb_kind {
        Some(LbKind::Dr) => Forward::Route,
        Some(LbKind::Tun) => Forward::Tunnel,
        Some(LbKind::Nat) => Forward::Masq,
        None => {
            if !vs.real_servers.is_empty() {
                out.log.push(format!("Virtual server {name}: no forwarding method set, setting default NAT"));
            }
            Forward::Masq
        }
    };
    if vs.sorry_server.is_some() {
        out.unsupported.push(format!("{span}: sorry_server is not simulated"));
    }
    if vs.quorum.is_some() {
        out.unsupported.push(format!("{span}: quorum is not simulated"));
    }
    let spec = ServiceSpec {
        key,
        scheduler,
        flags: Default::default(),
        persistence: persistence.map(|timeout_s| Persistence {
            timeout_s,
            netmask: vs.persistence_granularity.unwrap_or(Ipv4Addr::BROADCAST),
        }),
        one_packet: false,
    };
    let mut real_servers: Vec<RealServerSetup> = Vec::new();
    for rs in &vs.real_servers {
        let r = real_server(rs, forward, fwmark, vport, &name, proto, out)?;
        if real_servers.iter().any(|x| x.dest.addr == r.dest.addr && x.dest.port == r.dest.port) {
            out.log.push(format!("VS {name}: real server {} is duplicated - removing second rs", r.name));
            continue;
        }
        real_servers.push(r);
    }
    Ok(VirtualServerSetup { spec, delay_loop_us: vs.delay_loop_us.unwrap_or(DEFAULT_DELAY_LOOP_US), name, real_servers })
}

fn real_server(
    rs: &RealServer,
    forward: Forward,
    fwmark: bool,
    vport: u16,
    vs_name: &str,
    proto: Option<Proto>,
    out: &mut Setup,
) -> Result<RealServerSetup, SetupError> {
    let addr = v4(rs.addr, &rs.span)?;
    let mut port = rs.port.unwrap_or(0);
    if forward == Forward::Masq {
        if !fwmark && port == 0 {
            port = vport;
        }
    } else if fwmark {
        if port != 0 {
            out.log.push(format!(
                "WARNING - fwmark virtual server {vs_name}, real server {} has port specified - clearing",
                trio(addr, proto, port)
            ));
            port = 0;
        }
    } else if port == 0 {
        port = vport;
    } else if port != vport {
        out.log.push(format!(
            "WARNING - virtual server {vs_name} and real server {} ports don't match - resetting",
            trio(addr, proto, port)
        ));
        port = vport;
    }
    let mut checkers = Vec::new();
    for c in &rs.checkers {
        match c.kind {
            CheckerKind::TcpCheck | CheckerKind::HttpGet | CheckerKind::SslGet | CheckerKind::MiscCheck => {
                checkers.push(c.clone())
            }
            CheckerKind::DnsCheck | CheckerKind::SmtpCheck => out.unsupported.push(format!(
                "{}: {:?} is not simulated; the real server counts as up for it",
                c.span, c.kind
            )),
        }
    }
    let weight = rs.weight.unwrap_or(1);
    Ok(RealServerSetup {
        dest: DestSpec { addr, port, forward, weight, u_threshold: 0, l_threshold: 0 },
        inhibit_on_failure: rs.inhibit_on_failure,
        checkers,
        name: trio(addr, proto, port),
    })
}

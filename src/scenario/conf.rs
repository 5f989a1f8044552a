//! keepalived.conf as typed data: what the parser (`scenario::keepalived`)
//! produces and the engines (`engine::vrrp`, `engine::ipvs`) are configured
//! from. Durations are integer microseconds, as keepalived keeps them.
//! `None` means "not in the file": the consumer applies keepalived's default.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

/// A place in a config file, for errors and warnings (1-based line and column;
/// line 0 means the file as a whole, e.g. when it cannot be read).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Span {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            return write!(f, "{}", self.file.display());
        }
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// Something the file says that the simulator does not model, or that
/// keepalived itself would warn about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeepalivedConf {
    pub global: GlobalDefs,
    pub scripts: Vec<VrrpScript>,
    pub instances: Vec<VrrpInstance>,
    pub sync_groups: Vec<SyncGroup>,
    pub virtual_servers: Vec<VirtualServer>,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct GlobalDefs {
    pub router_id: Option<String>,
    pub vrrp_strict: bool,
    pub vrrp_version: Option<u8>,
    pub garp_master_delay_s: Option<u32>,
    pub garp_master_repeat: Option<u32>,
    pub garp_master_refresh_s: Option<u32>,
    pub garp_interval_us: Option<u64>,
    pub skip_check_adv_addr: bool,
    pub lower_prio_no_advert: bool,
    pub higher_prio_send_advert: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct VrrpScript {
    pub name: String,
    pub script: String,
    pub interval_us: Option<u64>,
    pub timeout_us: Option<u64>,
    pub weight: Option<i32>,
    pub reverse: bool,
    pub rise: Option<u32>,
    pub fall: Option<u32>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitialState {
    Master,
    Backup,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    Pass,
    Ah,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    pub kind: AuthKind,
    /// As written; keepalived keeps the first 8 bytes.
    pub pass: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vip {
    pub addr: IpAddr,
    /// Default /32 or /128.
    pub prefix: u8,
    pub dev: Option<String>,
    pub label: Option<String>,
}

/// An entry of `track_interface` or `track_script`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Track {
    pub name: String,
    /// `None`: the tracked object's own weight (scripts) or 0 (interfaces).
    pub weight: Option<i32>,
    pub reverse: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct VrrpInstance {
    pub name: String,
    pub state: Option<InitialState>,
    pub interface: Option<String>,
    pub vrid: u8,
    pub priority: Option<u8>,
    pub advert_int_us: Option<u64>,
    pub version: Option<u8>,
    pub nopreempt: bool,
    pub preempt_delay_us: Option<u64>,
    pub use_vmac: bool,
    /// The interface `use_vmac NAME` names (keepalived's default is
    /// `vrrp.<VRID>`).
    pub vmac_ifname: Option<String>,
    /// `mcast_src_ip` / `unicast_src_ip`.
    pub src_ip: Option<IpAddr>,
    pub unicast_peers: Vec<IpAddr>,
    pub auth: Option<Auth>,
    pub vips: Vec<Vip>,
    pub excluded_vips: Vec<Vip>,
    pub track_interfaces: Vec<Track>,
    pub track_scripts: Vec<Track>,
    pub garp_master_delay_s: Option<u32>,
    pub garp_master_repeat: Option<u32>,
    pub garp_master_refresh_s: Option<u32>,
    pub strict_mode: bool,
    /// `accept` / `no_accept`.
    pub accept: Option<bool>,
    pub notify: Vec<(String, String)>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncGroup {
    pub name: String,
    pub members: Vec<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LbKind {
    Nat,
    Dr,
    Tun,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VsAddr {
    Ip { addr: IpAddr, port: u16 },
    Fwmark(u32),
    Group(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct VirtualServer {
    pub addr: VsAddr,
    pub delay_loop_us: Option<u64>,
    /// Scheduler name as written (rr, wrr, wlc, …); default wlc.
    pub lb_algo: Option<String>,
    /// Default NAT.
    pub lb_kind: Option<LbKind>,
    /// `persistence_timeout` alone means 360 s.
    pub persistence_timeout_s: Option<u32>,
    pub persistence_granularity: Option<Ipv4Addr>,
    /// Default UDP (keepalived logs it).
    pub protocol: Option<Protocol>,
    pub sorry_server: Option<(IpAddr, u16)>,
    pub quorum: Option<u32>,
    pub real_servers: Vec<RealServer>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RealServer {
    pub addr: IpAddr,
    pub port: Option<u16>,
    pub weight: Option<i32>,
    pub inhibit_on_failure: bool,
    pub checkers: Vec<Checker>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckerKind {
    TcpCheck,
    HttpGet,
    SslGet,
    MiscCheck,
    DnsCheck,
    SmtpCheck,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CheckerOpts {
    pub connect_ip: Option<IpAddr>,
    pub connect_port: Option<u16>,
    pub connect_timeout_us: Option<u64>,
    pub retry: Option<u32>,
    pub delay_before_retry_us: Option<u64>,
    /// The checker's own `delay_loop`; `None`: the virtual server's.
    pub delay_loop_us: Option<u64>,
    /// Random delay before the first check, at most this long.
    pub warmup_us: Option<u64>,
    pub alpha: bool,
    pub url_paths: Vec<String>,
    pub misc_path: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Checker {
    pub kind: CheckerKind,
    pub opts: CheckerOpts,
    pub span: Span,
}

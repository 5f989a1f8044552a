//! The ipvsadm command line (popt options, `parse_options` and the
//! `commands_v_options` table of ipvsadm.c). Errors carry ipvsadm's own
//! words plus the column of the offending word.

use super::{Command, Format, ListWhat};
use crate::engine::ipvs::control::DestSpec;
use crate::engine::ipvs::dest::Forward;
use crate::engine::ipvs::sched::SchedFlags;
use crate::engine::ipvs::service::{Persistence, Proto, ServiceKey, ServiceSpec};
use std::fmt;
use std::net::Ipv4Addr;

/// `MAX_TIMEOUT`: 31 days.
const MAX_TIMEOUT: u32 = 86400 * 31;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based column in the command line (0: the line as a whole).
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "column {}: {}", self.column, self.message)
        }
    }
}

impl std::error::Error for ParseError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmd {
    Add,
    Edit,
    Del,
    Flush,
    List,
    AddDest,
    DelDest,
    EditDest,
    Timeout,
    Save,
    Zero,
}

impl Cmd {
    fn name(self) -> &'static str {
        match self {
            Cmd::Add => "add-service",
            Cmd::Edit => "edit-service",
            Cmd::Del => "delete-service",
            Cmd::Flush => "flush",
            Cmd::List => "list",
            Cmd::AddDest => "add-server",
            Cmd::DelDest => "delete-server",
            Cmd::EditDest => "edit-server",
            Cmd::Timeout => "set",
            Cmd::Save => "save",
            Cmd::Zero => "zero",
        }
    }

    /// The row of `commands_v_options` for the options below ('+'
    /// compulsory, 'x' illegal, '1' exclusive, ' ' optional).
    fn row(self) -> &'static [u8; OPTS] {
        //       n c s s p M r f w x y t d s r t p s e o b
        //           v c       w       o m t t h c r x p
        //           c h       d       t n   e r   t   s
        match self {
            Cmd::Add | Cmd::Edit => b"xx+   xxxxxxxxxxxxx  ",
            Cmd::Del => b"xx+xxxxxxxxxxxxxxxxxx",
            Cmd::Flush | Cmd::Timeout => b"xxxxxxxxxxxxxxxxxxxxx",
            Cmd::List => b" 11xxxxxxxx11      xx",
            Cmd::AddDest | Cmd::EditDest => b"xx+xxx+    xxxxxxxxxx",
            Cmd::DelDest => b"xx+xxx+xxxxxxxxxxxxxx",
            Cmd::Save => b" xxxxxxxxxxxxxxxxxxxx",
            Cmd::Zero => b"xx xxxxxxxxxxxxxxxxxx",
        }
    }
}

const OPTS: usize = 21;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
    Numeric,
    Connection,
    Service,
    Scheduler,
    Persistent,
    Netmask,
    Server,
    Forward,
    Weight,
    UThreshold,
    LThreshold,
    Timeout,
    Daemon,
    Stats,
    Rate,
    Thresholds,
    PersistentConn,
    NoSort,
    Exact,
    Ops,
    SchedFlags,
}

impl Opt {
    const ALL: [Opt; 21] = [
        Opt::Numeric,
        Opt::Connection,
        Opt::Service,
        Opt::Scheduler,
        Opt::Persistent,
        Opt::Netmask,
        Opt::Server,
        Opt::Forward,
        Opt::Weight,
        Opt::UThreshold,
        Opt::LThreshold,
        Opt::Timeout,
        Opt::Daemon,
        Opt::Stats,
        Opt::Rate,
        Opt::Thresholds,
        Opt::PersistentConn,
        Opt::NoSort,
        Opt::Exact,
        Opt::Ops,
        Opt::SchedFlags,
    ];

    /// ipvsadm's `optnames`.
    fn name(self) -> &'static str {
        match self {
            Opt::Numeric => "numeric",
            Opt::Connection => "connection",
            Opt::Service => "service-address",
            Opt::Scheduler => "scheduler",
            Opt::Persistent => "persistent",
            Opt::Netmask => "netmask",
            Opt::Server => "real-server",
            Opt::Forward => "forwarding-method",
            Opt::Weight => "weight",
            Opt::UThreshold => "u-threshold",
            Opt::LThreshold => "l-threshold",
            Opt::Timeout => "timeout",
            Opt::Daemon => "daemon",
            Opt::Stats => "stats",
            Opt::Rate => "rate",
            Opt::Thresholds => "thresholds",
            Opt::PersistentConn => "persistent-conn",
            Opt::NoSort => "nosort",
            Opt::Exact => "exact",
            Opt::Ops => "ops",
            Opt::SchedFlags => "sched-flags",
        }
    }

    /// The column of `commands_v_options` (the table skips options the
    /// simulator does not take: mcast, syncid, pe, tunnel types).
    fn column(self) -> usize {
        match self {
            Opt::Numeric => 0,
            Opt::Connection => 1,
            Opt::Service => 2,
            Opt::Scheduler => 3,
            Opt::Persistent => 4,
            Opt::Netmask => 5,
            Opt::Server => 6,
            Opt::Forward => 7,
            Opt::Weight => 8,
            Opt::UThreshold => 9,
            Opt::LThreshold => 10,
            Opt::Timeout => 11,
            Opt::Daemon => 12,
            Opt::Stats => 13,
            Opt::Rate => 14,
            Opt::Thresholds => 15,
            Opt::PersistentConn => 16,
            Opt::NoSort => 17,
            Opt::Exact => 18,
            Opt::Ops => 19,
            Opt::SchedFlags => 20,
        }
    }
}

/// A word of the line and where it starts.
#[derive(Debug, Clone, Copy)]
struct Word<'a> {
    text: &'a str,
    column: usize,
}

fn words(line: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, ch) in line.char_indices().chain([(line.len(), ' ')]) {
        match (ch.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push(Word { text: &line[s..i], column: line[..s].chars().count() + 1 });
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    out
}

/// One option occurrence: what it is, its argument, where it was.
#[derive(Debug, Clone, Copy)]
struct Seen<'a> {
    key: Key,
    arg: Option<&'a str>,
    column: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Cmd(Cmd),
    Tcp,
    Udp,
    Fwmark,
    Scheduler,
    Persistent,
    Netmask,
    Server,
    Gatewaying,
    Masquerading,
    Ipip,
    Weight,
    UThreshold,
    LThreshold,
    Numeric,
    Connection,
    Timeout,
    Daemon,
    Stats,
    Rate,
    Thresholds,
    PersistentConn,
    NoSort,
    Sort,
    Exact,
    Ops,
    SchedFlags,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Arg {
    None,
    Required,
    Optional,
}

/// Short letter, long name, key, argument.
const TABLE: &[(Option<char>, &str, Key, Arg)] = &[
    (Some('A'), "add-service", Key::Cmd(Cmd::Add), Arg::None),
    (Some('E'), "edit-service", Key::Cmd(Cmd::Edit), Arg::None),
    (Some('D'), "delete-service", Key::Cmd(Cmd::Del), Arg::None),
    (Some('C'), "clear", Key::Cmd(Cmd::Flush), Arg::None),
    (Some('L'), "list", Key::Cmd(Cmd::List), Arg::None),
    (Some('l'), "list", Key::Cmd(Cmd::List), Arg::None),
    (Some('Z'), "zero", Key::Cmd(Cmd::Zero), Arg::None),
    (Some('a'), "add-server", Key::Cmd(Cmd::AddDest), Arg::None),
    (Some('e'), "edit-server", Key::Cmd(Cmd::EditDest), Arg::None),
    (Some('d'), "delete-server", Key::Cmd(Cmd::DelDest), Arg::None),
    (None, "set", Key::Cmd(Cmd::Timeout), Arg::None),
    (Some('S'), "save", Key::Cmd(Cmd::Save), Arg::None),
    (Some('t'), "tcp-service", Key::Tcp, Arg::Required),
    (Some('u'), "udp-service", Key::Udp, Arg::Required),
    (Some('f'), "fwmark-service", Key::Fwmark, Arg::Required),
    (Some('s'), "scheduler", Key::Scheduler, Arg::Required),
    (Some('p'), "persistent", Key::Persistent, Arg::Optional),
    (Some('M'), "netmask", Key::Netmask, Arg::Required),
    (Some('r'), "real-server", Key::Server, Arg::Required),
    (Some('g'), "gatewaying", Key::Gatewaying, Arg::None),
    (Some('m'), "masquerading", Key::Masquerading, Arg::None),
    (Some('i'), "ipip", Key::Ipip, Arg::None),
    (Some('w'), "weight", Key::Weight, Arg::Required),
    (Some('x'), "u-threshold", Key::UThreshold, Arg::Required),
    (Some('y'), "l-threshold", Key::LThreshold, Arg::Required),
    (Some('n'), "numeric", Key::Numeric, Arg::None),
    (Some('c'), "connection", Key::Connection, Arg::None),
    (None, "timeout", Key::Timeout, Arg::None),
    (None, "daemon", Key::Daemon, Arg::None),
    (None, "stats", Key::Stats, Arg::None),
    (None, "rate", Key::Rate, Arg::None),
    (None, "thresholds", Key::Thresholds, Arg::None),
    (None, "persistent-conn", Key::PersistentConn, Arg::None),
    (None, "nosort", Key::NoSort, Arg::None),
    (None, "sort", Key::Sort, Arg::None),
    (Some('X'), "exact", Key::Exact, Arg::None),
    (Some('o'), "ops", Key::Ops, Arg::None),
    (Some('b'), "sched-flags", Key::SchedFlags, Arg::Required),
];

/// ipvsadm options the simulator knows but does not model.
const UNSUPPORTED: &[&str] = &[
    "-R", "--restore", "-h", "--help", "-v", "--version", "-6", "--ipv6", "--sctp-service", "--start-daemon",
    "--stop-daemon", "--mcast-interface", "--syncid", "--pe", "--tun-info", "--tun-type", "--tun-port",
    "--tun-nocsum", "--tun-csum", "--tun-remcsum", "--mcast-group", "--mcast-port", "--mcast-ttl", "--sync-maxlen",
];

fn err(column: usize, message: impl Into<String>) -> ParseError {
    ParseError { column, message: message.into() }
}

/// Splits the words into option occurrences (popt's short bundles `-Ln`,
/// attached arguments `-srr`, `--name=value`, `-p`'s optional argument).
fn options<'a>(ws: &[Word<'a>]) -> Result<(Vec<Seen<'a>>, Vec<Word<'a>>), ParseError> {
    let mut seen = Vec::new();
    let mut rest = Vec::new();
    let mut i = 0;
    let take_arg = |i: &mut usize, arg: Arg, attached: Option<&'a str>, w: Word<'a>| -> Result<Option<&'a str>, ParseError> {
        match (arg, attached) {
            (Arg::None, _) => Ok(None),
            (_, Some(a)) => Ok(Some(a)),
            (Arg::Required, None) => {
                *i += 1;
                ws.get(*i).map(|n| Some(n.text)).ok_or_else(|| err(w.column, format!("{}: missing argument", w.text)))
            }
            (Arg::Optional, None) => match ws.get(*i + 1) {
                Some(n) if !n.text.starts_with('-') => {
                    *i += 1;
                    Ok(Some(n.text))
                }
                _ => Ok(None),
            },
        }
    };
    while i < ws.len() {
        let w = ws[i];
        let name = w.text.split('=').next().unwrap_or(w.text);
        if UNSUPPORTED.contains(&name) {
            return Err(err(w.column, format!("option `{name}' is not modelled by the simulator")));
        }
        if let Some(long) = w.text.strip_prefix("--") {
            let (name, attached) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            let &(_, _, key, arg) = TABLE
                .iter()
                .find(|t| t.1 == name)
                .ok_or_else(|| err(w.column, format!("invalid option `--{name}'")))?;
            let arg = take_arg(&mut i, arg, attached, w)?;
            seen.push(Seen { key, arg, column: w.column });
        } else if let Some(short) = w.text.strip_prefix('-').filter(|s| !s.is_empty()) {
            for (k, ch) in short.char_indices() {
                // A bundled letter is reported where it stands, a lone one at its dash.
                let column = if k == 0 { w.column } else { w.column + 1 + k };
                let &(_, _, key, arg) = TABLE
                    .iter()
                    .find(|t| t.0 == Some(ch))
                    .ok_or_else(|| err(w.column + k + 1, format!("invalid option `-{ch}'")))?;
                let rest_of_word = &short[k + ch.len_utf8()..];
                if arg != Arg::None {
                    let attached = (!rest_of_word.is_empty()).then_some(rest_of_word);
                    let a = take_arg(&mut i, arg, attached, w)?;
                    seen.push(Seen { key, arg: a, column });
                    break;
                }
                seen.push(Seen { key, arg: None, column });
            }
        } else {
            rest.push(w);
        }
        i += 1;
    }
    Ok((seen, rest))
}

/// `parse_service`: `addr[:port]`; the port defaults to 0.
fn service_addr(text: &str, what: &str, column: usize) -> Result<(Ipv4Addr, Option<u16>), ParseError> {
    let bad = || err(column, format!("illegal {what} address[:port] specified"));
    if text.starts_with('[') || text.matches(':').count() > 1 {
        return Err(err(column, "IPv6 services are not modelled by the simulator"));
    }
    let (addr, port) = match text.rsplit_once(':') {
        Some((a, p)) => (a, Some(p.parse::<u16>().map_err(|_| bad())?)),
        None => (text, None),
    };
    Ok((addr.parse().map_err(|_| bad())?, port))
}

/// `string_to_number` in `[min, max]`.
fn number(text: &str, min: u32, max: u32) -> Option<u32> {
    text.parse::<u32>().ok().filter(|n| (min..=max).contains(n))
}

/// Parses one ipvsadm command line (a leading `ipvsadm` is skipped).
pub fn parse(line: &str) -> Result<Command, ParseError> {
    let mut ws = words(line);
    if ws.first().is_some_and(|w| w.text == "ipvsadm" || w.text.ends_with("/ipvsadm")) {
        ws.remove(0);
    }
    let (seen, rest) = options(&ws)?;
    let first = seen.first().ok_or_else(|| err(0, "no command given (try -A, -a, -L, ...)"))?;
    let Key::Cmd(cmd) = first.key else {
        return Err(err(first.column, "the first option must be a command (-A, -E, -D, -C, -L, -Z, -a, -e, -d, --set, -S)"));
    };

    let mut used: [Option<usize>; OPTS] = [None; OPTS];
    let mut set = |opt: Opt, column: usize| -> Result<(), ParseError> {
        if used[opt.column()].is_some() {
            return Err(err(column, format!("multiple '{}' options specified", opt.name())));
        }
        used[opt.column()] = Some(column);
        Ok(())
    };

    let mut key: Option<ServiceKey> = None;
    let mut scheduler: Option<String> = None;
    let mut persistence: Option<u32> = None;
    let mut netmask = Ipv4Addr::BROADCAST;
    let mut server: Option<(Ipv4Addr, Option<u16>, usize)> = None;
    let mut forward = Forward::Route;
    let mut weight = 1i32;
    let (mut uth, mut lth) = (0u32, 0u32);
    let mut fmt = Format::default();
    let mut one_packet = false;
    let mut sched_flags: Option<(&str, usize)> = None;

    for s in &seen[1..] {
        let arg = s.arg.unwrap_or("");
        match s.key {
            Key::Cmd(_) => return Err(err(s.column, "multiple commands specified")),
            Key::Tcp | Key::Udp => {
                set(Opt::Service, s.column)?;
                let proto = if s.key == Key::Tcp { Proto::Tcp } else { Proto::Udp };
                let (addr, port) = service_addr(arg, "virtual server", s.column)?;
                key = Some(ServiceKey::Inet { proto, addr, port: port.unwrap_or(0) });
            }
            Key::Fwmark => {
                set(Opt::Service, s.column)?;
                let m = number(arg, 1, u32::MAX)
                    .ok_or_else(|| err(s.column, format!("invalid fwmark value `{arg}' specified")))?;
                key = Some(ServiceKey::Fwmark(m));
            }
            Key::Scheduler => {
                set(Opt::Scheduler, s.column)?;
                scheduler = Some(arg.to_string());
            }
            Key::Persistent => {
                set(Opt::Persistent, s.column)?;
                persistence = Some(match s.arg {
                    None => Persistence::DEFAULT_TIMEOUT_S,
                    Some(t) => number(t, 1, MAX_TIMEOUT)
                        .ok_or_else(|| err(s.column, format!("invalid timeout value `{t}' specified")))?,
                });
            }
            Key::Netmask => {
                set(Opt::Netmask, s.column)?;
                netmask = arg.parse().map_err(|_| err(s.column, "illegal virtual server persistent mask specified"))?;
            }
            Key::Server => {
                set(Opt::Server, s.column)?;
                let (addr, port) = service_addr(arg, "real server", s.column)?;
                server = Some((addr, port, s.column));
            }
            Key::Gatewaying | Key::Masquerading | Key::Ipip => {
                set(Opt::Forward, s.column)?;
                forward = match s.key {
                    Key::Gatewaying => Forward::Route,
                    Key::Masquerading => Forward::Masq,
                    _ => Forward::Tunnel,
                };
            }
            Key::Weight => {
                set(Opt::Weight, s.column)?;
                weight = number(arg, 0, 65535).ok_or_else(|| err(s.column, "illegal weight specified"))? as i32;
            }
            Key::UThreshold => {
                set(Opt::UThreshold, s.column)?;
                uth = number(arg, 0, i32::MAX as u32).ok_or_else(|| err(s.column, "illegal u_threshold specified"))?;
            }
            Key::LThreshold => {
                set(Opt::LThreshold, s.column)?;
                lth = number(arg, 0, i32::MAX as u32).ok_or_else(|| err(s.column, "illegal l_threshold specified"))?;
            }
            Key::Numeric => {
                set(Opt::Numeric, s.column)?;
                fmt.numeric = true;
            }
            Key::Connection => set(Opt::Connection, s.column)?,
            Key::Timeout => set(Opt::Timeout, s.column)?,
            Key::Daemon => return Err(err(s.column, "option `--daemon' is not modelled by the simulator")),
            Key::Stats => {
                set(Opt::Stats, s.column)?;
                fmt.stats = true;
            }
            Key::Rate => {
                set(Opt::Rate, s.column)?;
                fmt.rate = true;
            }
            Key::Thresholds => {
                set(Opt::Thresholds, s.column)?;
                fmt.thresholds = true;
            }
            Key::PersistentConn => {
                set(Opt::PersistentConn, s.column)?;
                fmt.persistent_conn = true;
            }
            Key::NoSort => {
                set(Opt::NoSort, s.column)?;
                fmt.nosort = true;
            }
            Key::Sort => {}
            Key::Exact => {
                set(Opt::Exact, s.column)?;
                fmt.exact = true;
            }
            Key::Ops => {
                set(Opt::Ops, s.column)?;
                one_packet = true;
            }
            Key::SchedFlags => {
                set(Opt::SchedFlags, s.column)?;
                sched_flags = Some((arg, s.column));
            }
        }
    }

    let timeouts = if cmd == Cmd::Timeout {
        let vals: Vec<u32> = rest
            .iter()
            .take(3)
            .map(|w| number(w.text, 0, MAX_TIMEOUT).ok_or_else(|| err(w.column, format!("invalid timeout value `{}' specified", w.text))))
            .collect::<Result<_, _>>()?;
        if vals.len() < 3 {
            return Err(err(0, "--set option requires 3 timeout values"));
        }
        Some((vals[0], vals[1], vals[2]))
    } else {
        None
    };
    if let Some(extra) = rest.get(if cmd == Cmd::Timeout { 3 } else { 0 }) {
        return Err(err(extra.column, format!("unexpected argument {}", extra.text)));
    }
    let flags = match sched_flags {
        Some((text, column)) => sched_flags_of(scheduler.as_deref().unwrap_or("wlc"), text, column)?,
        None => SchedFlags::default(),
    };

    // generic_opt_check.
    let row = cmd.row();
    let mut exclusive: Option<Opt> = None;
    for opt in Opt::ALL {
        let rule = row[opt.column()];
        match used[opt.column()] {
            None if rule == b'+' => {
                return Err(err(0, format!("You need to supply the '{}' option for the '{}' command", opt.name(), cmd.name())))
            }
            Some(column) if rule == b'x' => {
                return Err(err(column, format!("Illegal '{}' option with the '{}' command", opt.name(), cmd.name())))
            }
            Some(column) if rule == b'1' => {
                if let Some(last) = exclusive {
                    return Err(err(
                        column,
                        format!("The option '{}' conflicts with the '{}' option in the '{}' command", opt.name(), last.name(), cmd.name()),
                    ));
                }
                exclusive = Some(opt);
            }
            _ => {}
        }
    }

    let spec = |key: ServiceKey| -> Result<ServiceSpec, ParseError> {
        if let ServiceKey::Inet { proto, port, .. } = key {
            if port == 0 && persistence.is_none() {
                return Err(err(0, "Zero port specified for non-persistent service"));
            }
            if one_packet && proto != Proto::Udp {
                return Err(err(0, "One-Packet Scheduling is only for UDP virtual services"));
            }
        }
        Ok(ServiceSpec {
            key,
            scheduler: scheduler.clone().unwrap_or_else(|| "wlc".into()),
            flags,
            persistence: persistence.map(|timeout_s| Persistence { timeout_s, netmask }),
            one_packet,
        })
    };
    let dest = |key: ServiceKey, check_method: bool| -> DestSpec {
        let (addr, port, _) = server.expect("generic_opt_check requires -r");
        let svc_port = match key {
            ServiceKey::Inet { port, .. } => port,
            ServiceKey::Fwmark(_) => 0,
        };
        // DR and TUN cannot change the port: it is the service's.
        let fixed = check_method && matches!(key, ServiceKey::Inet { .. }) && forward != Forward::Masq;
        let port = if fixed { svc_port } else { port.unwrap_or(svc_port) };
        DestSpec { addr, port, forward, weight, u_threshold: uth, l_threshold: lth }
    };
    let key_req = || key.expect("generic_opt_check requires a service");
    Ok(match cmd {
        Cmd::Add => Command::AddService(spec(key_req())?),
        Cmd::Edit => Command::EditService(spec(key_req())?),
        Cmd::Del => Command::DelService(key_req()),
        Cmd::Flush => Command::Clear,
        Cmd::AddDest => Command::AddDest(key_req(), dest(key_req(), true)),
        Cmd::EditDest => Command::EditDest(key_req(), dest(key_req(), true)),
        Cmd::DelDest => Command::DelDest(key_req(), dest(key_req(), false)),
        Cmd::Timeout => {
            let (t, f, u) = timeouts.expect("parsed above");
            Command::SetTimeouts(t, f, u)
        }
        Cmd::Zero => Command::Zero(key),
        Cmd::Save => Command::Save,
        Cmd::List => {
            let conflict = (used[Opt::Connection.column()].is_some() || used[Opt::Timeout.column()].is_some())
                && (fmt.stats || fmt.rate || fmt.thresholds)
                || used[Opt::Timeout.column()].is_some() && fmt.persistent_conn;
            if conflict {
                return Err(err(0, "options conflicts in the list command"));
            }
            let what = if used[Opt::Connection.column()].is_some() {
                ListWhat::Connections
            } else if let Some(k) = key {
                ListWhat::Service(k)
            } else if used[Opt::Timeout.column()].is_some() {
                ListWhat::Timeout
            } else {
                ListWhat::All
            };
            Command::List(what, fmt)
        }
    })
}

/// `parse_sched_flags`: comma-separated, checked against the scheduler.
fn sched_flags_of(sched: &str, text: &str, column: usize) -> Result<SchedFlags, ParseError> {
    let mut f = SchedFlags::default();
    for flag in text.split(',').filter(|s| !s.is_empty()) {
        let (bit, only) = match flag {
            "flag-1" => (1, None),
            "flag-2" => (2, None),
            "flag-3" => (3, None),
            "sh-fallback" => (1, Some("sh")),
            "sh-port" => (2, Some("sh")),
            "mh-fallback" => (1, Some("mh")),
            "mh-port" => (2, Some("mh")),
            _ => return Err(err(column, format!("invalid scheduler flag `{flag}'"))),
        };
        if only.is_some_and(|s| s != sched) {
            return Err(err(column, format!("incompatible scheduler flag `{flag}'")));
        }
        match bit {
            1 => f.fallback = true,
            2 => f.port = true,
            _ => f.flag3 = true,
        }
    }
    Ok(f)
}

#[cfg(test)]
mod test;

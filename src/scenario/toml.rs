//! The TOML scenario format of DESIGN.md → [`Scenario`].
//!
//! Deserialization (serde + toml) gives the shape; everything toml cannot
//! check (durations, addresses, node names in events, which fields an action
//! takes) is checked here against the value's span, so that every error
//! names `file:line:column`. A scenario file is bounded like a config:
//! [`MAX_FILE_BYTES`], [`MAX_NODES`], [`MAX_EVENTS`].

use super::conf::Span;
use super::keepalived::{self, ConfError};
use super::model::{Action, Event, IfAddr, Impl, Node, Requests, Role, Scenario};
use ::toml::Spanned;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::path::Path;

pub const MAX_FILE_BYTES: usize = 16 << 20;
pub const MAX_NODES: usize = 1024;
pub const MAX_EVENTS: usize = 100_000;
/// `[run] duration` when the file gives none.
pub const DEFAULT_DURATION_US: u64 = 60_000_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("{span}: {message}")]
    At { span: Span, message: String },
    /// An error in a node's keepalived configuration (it names its own file).
    #[error(transparent)]
    Conf(#[from] ConfError),
}

/// Reads a scenario file; `keepalived = "x.conf"` paths are relative to it.
pub fn load_file(path: &Path) -> Result<Scenario, LoadError> {
    let whole = |message: String| LoadError::At { span: Span { file: path.to_path_buf(), line: 0, column: 0 }, message };
    let meta = std::fs::metadata(path).map_err(|e| whole(format!("cannot read scenario: {e}")))?;
    if meta.len() > MAX_FILE_BYTES as u64 {
        return Err(whole(format!("scenario file is larger than {} MiB", MAX_FILE_BYTES >> 20)));
    }
    let text = std::fs::read_to_string(path).map_err(|e| whole(format!("cannot read scenario: {e}")))?;
    parse(&text, path)
}

/// Parses scenario text; `path` names it in messages and anchors relative paths.
pub fn parse(text: &str, path: &Path) -> Result<Scenario, LoadError> {
    let src = Src { text, path };
    if text.len() > MAX_FILE_BYTES {
        return Err(src.err(0..0, format!("scenario is larger than {} MiB", MAX_FILE_BYTES >> 20)));
    }
    count_events(&src)?;
    let raw: RawScenario = ::toml::from_str(text).map_err(|e| src.err(e.span().unwrap_or(0..0), e.message().trim_end()))?;
    build(raw, &src)
}

/// Refuses a file with too many `[[event]]` tables before toml builds them all.
fn count_events(src: &Src) -> Result<(), LoadError> {
    let mut offset = 0;
    let mut count = 0;
    for line in src.text.split_inclusive('\n') {
        if line.trim_start().starts_with("[[event]]") {
            count += 1;
            if count > MAX_EVENTS {
                return Err(src.err(offset..offset, format!("too many events (more than {MAX_EVENTS})")));
            }
        }
        offset += line.len();
    }
    Ok(())
}

struct Src<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Src<'_> {
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset);
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    fn span(&self, range: &Range<usize>) -> Span {
        let (line, column) = self.line_col(range.start);
        Span { file: self.path.to_path_buf(), line, column }
    }

    fn err(&self, range: Range<usize>, message: impl Into<String>) -> LoadError {
        LoadError::At { span: self.span(&range), message: message.into() }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    #[serde(default)]
    run: RawRun,
    #[serde(default)]
    node: Vec<Spanned<RawNode>>,
    #[serde(default)]
    event: Vec<Spanned<RawEvent>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRun {
    name: Option<String>,
    description: Option<String>,
    duration: Option<Spanned<String>>,
    #[serde(default)]
    seed: u64,
    #[serde(default)]
    loss: Option<Spanned<f64>>,
    jitter: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum RawRole {
    Router,
    Director,
    RealServer,
    Client,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum RawImpl {
    Engine,
    Keepalived,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNode {
    name: Spanned<String>,
    ip: Spanned<OneOrMany>,
    mac: Option<Spanned<String>>,
    role: Option<RawRole>,
    #[serde(rename = "impl")]
    implementation: Option<RawImpl>,
    keepalived: Option<Spanned<String>>,
    keepalived_conf: Option<Spanned<String>>,
    start_at: Option<Spanned<String>>,
    vip_on_lo: Option<Spanned<OneOrMany>>,
    #[serde(default)]
    arp_ignore: Option<Spanned<i64>>,
    #[serde(default)]
    arp_announce: Option<Spanned<i64>>,
    #[serde(default)]
    ipvsadm: Vec<String>,
    gateway: Option<Spanned<String>>,
    requests: Option<Spanned<RawRequests>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequests {
    to: Spanned<String>,
    count: Option<u32>,
    interval: Option<Spanned<String>>,
    start: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    at: Spanned<String>,
    action: Spanned<String>,
    node: Option<Spanned<String>>,
    script: Option<Spanned<String>>,
    priority: Option<Spanned<i64>>,
    groups: Option<Spanned<Vec<Vec<Spanned<String>>>>>,
    real_server: Option<Spanned<String>>,
}

/// Every action name and the fields it takes besides `at` and `action`.
pub const ACTIONS: &[(&str, &[&str])] = &[
    ("start", &["node"]),
    ("stop", &["node"]),
    ("crash", &["node"]),
    ("link_down", &["node"]),
    ("link_up", &["node"]),
    ("block_vrrp", &["node"]),
    ("unblock_vrrp", &["node"]),
    ("script_fail", &["node", "script"]),
    ("script_ok", &["node", "script"]),
    ("set_priority", &["node", "priority"]),
    ("partition", &["groups"]),
    ("heal", &[]),
    ("check_fail", &["node", "real_server"]),
    ("check_ok", &["node", "real_server"]),
];

fn build(raw: RawScenario, src: &Src) -> Result<Scenario, LoadError> {
    if raw.node.len() > MAX_NODES {
        return Err(src.err(raw.node[MAX_NODES].span(), format!("too many nodes (more than {MAX_NODES})")));
    }
    if raw.event.len() > MAX_EVENTS {
        return Err(src.err(raw.event[MAX_EVENTS].span(), format!("too many events (more than {MAX_EVENTS})")));
    }
    let run = raw.run;
    let duration_us = match &run.duration {
        Some(d) => duration(d, src)?,
        None => DEFAULT_DURATION_US,
    };
    let loss = match run.loss {
        Some(l) if !(0.0..=1.0).contains(l.get_ref()) => {
            return Err(src.err(l.span(), format!("loss must be a probability in [0, 1], found {}", l.get_ref())))
        }
        Some(l) => l.into_inner(),
        None => 0.0,
    };
    let jitter_us = run.jitter.as_ref().map(|j| duration(j, src)).transpose()?.unwrap_or(0);
    let mut nodes = Vec::with_capacity(raw.node.len());
    for (index, n) in raw.node.into_iter().enumerate() {
        let span = n.span();
        let node = node(n.into_inner(), index, src)?;
        if nodes.iter().any(|m: &Node| m.name == node.name) {
            return Err(src.err(span, format!("duplicate node name '{}'", node.name)));
        }
        nodes.push(node);
    }
    let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    let mut events = raw.event.into_iter().map(|e| event(e, &names, src)).collect::<Result<Vec<_>, _>>()?;
    // Stable: events at the same time keep file order.
    events.sort_by_key(|e| e.at_us);
    let name = run.name.unwrap_or_else(|| src.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
    Ok(Scenario {
        name,
        description: run.description.unwrap_or_default(),
        duration_us,
        seed: run.seed,
        loss,
        jitter_us,
        nodes,
        events,
    })
}

fn node(n: RawNode, index: usize, src: &Src) -> Result<Node, LoadError> {
    let name = n.name.get_ref().clone();
    if name.is_empty() {
        return Err(src.err(n.name.span(), "a node name must not be empty"));
    }
    let ip_span = n.ip.span();
    let addrs = n.ip.into_inner().into_vec().iter().map(|s| if_addr(s, &ip_span, src)).collect::<Result<Vec<_>, _>>()?;
    if addrs.is_empty() {
        return Err(src.err(ip_span, format!("node '{name}' needs at least one address in 'ip'")));
    }
    let mac = match &n.mac {
        Some(m) => parse_mac(m.get_ref()).ok_or_else(|| {
            src.err(m.span(), format!("expected a MAC address like \"02:00:00:00:00:01\", found \"{}\"", m.get_ref()))
        })?,
        None => default_mac(index),
    };
    let keepalived = match (&n.keepalived, &n.keepalived_conf) {
        (Some(_), Some(inline)) => {
            return Err(src.err(inline.span(), "give either 'keepalived' (a file) or 'keepalived_conf' (inline text), not both"))
        }
        (Some(file), None) => {
            let path = src.path.parent().unwrap_or(Path::new("")).join(file.get_ref());
            Some(keepalived::parse_file(&path)?)
        }
        (None, Some(inline)) => Some(keepalived::parse_str(inline.get_ref(), src.path, inline_first_line(inline, src))?),
        (None, None) => None,
    };
    let sysctl = |v: &Option<Spanned<i64>>, what: &str| -> Result<u8, LoadError> {
        match v {
            None => Ok(0),
            Some(v) => u8::try_from(*v.get_ref()).ok().filter(|&x| x <= 8).ok_or_else(|| {
                src.err(v.span(), format!("{what} must be between 0 and 8, found {}", v.get_ref()))
            }),
        }
    };
    let arp_ignore = sysctl(&n.arp_ignore, "arp_ignore")?;
    let arp_announce = sysctl(&n.arp_announce, "arp_announce")?;
    let vip_on_lo = match n.vip_on_lo {
        Some(v) => {
            let span = v.span();
            v.into_inner().into_vec().iter().map(|s| if_addr(s, &span, src).map(|a| a.addr)).collect::<Result<_, _>>()?
        }
        None => Vec::new(),
    };
    let gateway = n.gateway.as_ref().map(|g| ip(g, src)).transpose()?;
    let requests = n.requests.map(|r| requests(r.into_inner(), src)).transpose()?;
    let ipvsadm = n.ipvsadm.into_iter().map(|l| l.trim().strip_prefix("ipvsadm ").unwrap_or(l.trim()).to_string()).collect();
    Ok(Node {
        name,
        addrs,
        mac,
        role: match n.role.unwrap_or(RawRole::Router) {
            RawRole::Router => Role::Router,
            RawRole::Director => Role::Director,
            RawRole::RealServer => Role::RealServer,
            RawRole::Client => Role::Client,
        },
        implementation: match n.implementation.unwrap_or(RawImpl::Engine) {
            RawImpl::Engine => Impl::Engine,
            RawImpl::Keepalived => Impl::Keepalived,
        },
        keepalived,
        start_at_us: n.start_at.as_ref().map(|s| duration(s, src)).transpose()?,
        vip_on_lo,
        arp_ignore,
        arp_announce,
        ipvsadm,
        requests,
        gateway,
    })
}

/// The scenario line on which an inline config's first line stands: a
/// multi-line string's content starts after the newline that follows `"""`.
fn inline_first_line(inline: &Spanned<String>, src: &Src) -> usize {
    let start = inline.span().start;
    let (line, _) = src.line_col(start);
    let rest = src.text.get(start..).unwrap_or("");
    let multi = rest.starts_with("\"\"\"") || rest.starts_with("'''");
    let after = rest.get(3..).unwrap_or("");
    if multi && (after.starts_with('\n') || after.starts_with("\r\n")) {
        line + 1
    } else {
        line
    }
}

/// Locally administered, derived from the node's position: 02:00:00:00:HH:LL
/// with HHLL = index + 1, so the first node is 02:00:00:00:00:01.
pub fn default_mac(index: usize) -> [u8; 6] {
    let n = u16::try_from(index + 1).unwrap_or(u16::MAX).to_be_bytes();
    [0x02, 0, 0, 0, n[0], n[1]]
}

fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = s.split([':', '-']);
    for b in &mut mac {
        let p = parts.next()?;
        if p.len() != 2 {
            return None;
        }
        *b = u8::from_str_radix(p, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

fn if_addr(s: &str, span: &Range<usize>, src: &Src) -> Result<IfAddr, LoadError> {
    let bad = || src.err(span.clone(), format!("expected an address like \"192.0.2.11/24\", found \"{s}\""));
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a.parse::<IpAddr>().map_err(|_| bad())?, Some(p.parse::<u8>().map_err(|_| bad())?)),
        None => (s.parse::<IpAddr>().map_err(|_| bad())?, None),
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = prefix.unwrap_or(max);
    if prefix > max {
        return Err(src.err(span.clone(), format!("prefix length {prefix} is too long for {addr}")));
    }
    Ok(IfAddr { addr, prefix })
}

fn ip(s: &Spanned<String>, src: &Src) -> Result<IpAddr, LoadError> {
    s.get_ref().parse().map_err(|_| src.err(s.span(), format!("expected an IP address, found \"{}\"", s.get_ref())))
}

fn socket(s: &Spanned<String>, src: &Src) -> Result<SocketAddr, LoadError> {
    s.get_ref().parse().map_err(|_| {
        src.err(s.span(), format!("expected an address and port like \"192.0.2.100:80\", found \"{}\"", s.get_ref()))
    })
}

fn requests(r: RawRequests, src: &Src) -> Result<Requests, LoadError> {
    Ok(Requests {
        to: socket(&r.to, src)?,
        count: r.count.unwrap_or(1),
        start_us: r.start.as_ref().map(|s| duration(s, src)).transpose()?.unwrap_or(0),
        interval_us: r.interval.as_ref().map(|s| duration(s, src)).transpose()?.unwrap_or(1_000_000),
    })
}

fn duration(s: &Spanned<String>, src: &Src) -> Result<u64, LoadError> {
    parse_duration(s.get_ref()).ok_or_else(|| {
        src.err(s.span(), format!("expected a duration like \"4s\", \"3500ms\", \"1.5s\", \"100us\" or \"2m\", found \"{}\"", s.get_ref()))
    })
}

/// `4s`, `3500ms`, `1.5s`, `100us`, `2m`, `1h` → µs, exactly (no floats).
pub fn parse_duration(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = s.split_at(split);
    let unit_us: u64 = match unit.trim() {
        "us" | "µs" => 1,
        "ms" => 1_000,
        "s" => 1_000_000,
        "m" | "min" => 60_000_000,
        "h" => 3_600_000_000,
        _ => return None,
    };
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if int.is_empty() || frac.contains('.') || (number.contains('.') && frac.is_empty()) {
        return None;
    }
    let whole = int.parse::<u64>().ok()?.checked_mul(unit_us)?;
    let mut part = 0u64;
    let mut scale = unit_us;
    for d in frac.bytes() {
        scale /= 10;
        if scale == 0 {
            // Finer than a microsecond: only zeros are exact.
            if d != b'0' {
                return None;
            }
            continue;
        }
        part += u64::from(d - b'0') * scale;
    }
    whole.checked_add(part)
}

fn event(e: Spanned<RawEvent>, names: &[&str], src: &Src) -> Result<Event, LoadError> {
    let span = e.span();
    let e = e.into_inner();
    let at_us = duration(&e.at, src)?;
    let action = e.action.get_ref().as_str();
    let Some((_, takes)) = ACTIONS.iter().find(|(name, _)| *name == action) else {
        let valid: Vec<&str> = ACTIONS.iter().map(|(n, _)| *n).collect();
        return Err(src.err(e.action.span(), format!("unknown action '{action}'; valid actions: {}", valid.join(", "))));
    };
    let given: [(&str, Option<Range<usize>>); 5] = [
        ("node", e.node.as_ref().map(Spanned::span)),
        ("script", e.script.as_ref().map(Spanned::span)),
        ("priority", e.priority.as_ref().map(Spanned::span)),
        ("groups", e.groups.as_ref().map(Spanned::span)),
        ("real_server", e.real_server.as_ref().map(Spanned::span)),
    ];
    for (field, at) in &given {
        match at {
            Some(at) if !takes.contains(field) => {
                return Err(src.err(at.clone(), format!("action '{action}' does not take '{field}'")))
            }
            None if takes.contains(field) => {
                return Err(src.err(span.clone(), format!("action '{action}' needs '{field}'")))
            }
            _ => {}
        }
    }
    let node = || -> Result<String, LoadError> {
        let n = e.node.as_ref().expect("checked: the action takes 'node'");
        known_node(n, names, src)
    };
    let text = |s: &Option<Spanned<String>>| s.as_ref().map(|s| s.get_ref().clone()).unwrap_or_default();
    let action = match action {
        "start" => Action::Start { node: node()? },
        "stop" => Action::Stop { node: node()? },
        "crash" => Action::Crash { node: node()? },
        "link_down" => Action::LinkDown { node: node()? },
        "link_up" => Action::LinkUp { node: node()? },
        "block_vrrp" => Action::BlockVrrp { node: node()? },
        "unblock_vrrp" => Action::UnblockVrrp { node: node()? },
        "script_fail" => Action::ScriptFail { node: node()?, script: text(&e.script) },
        "script_ok" => Action::ScriptOk { node: node()?, script: text(&e.script) },
        "set_priority" => {
            let p = e.priority.as_ref().expect("checked: set_priority takes 'priority'");
            let priority = u8::try_from(*p.get_ref()).ok().filter(|&v| v >= 1).ok_or_else(|| {
                src.err(p.span(), format!("priority must be between 1 and 255, found {}", p.get_ref()))
            })?;
            Action::SetPriority { node: node()?, priority }
        }
        "partition" => {
            let groups = e.groups.as_ref().expect("checked: partition takes 'groups'");
            let groups = groups
                .get_ref()
                .iter()
                .map(|g| g.iter().map(|n| known_node(n, names, src)).collect::<Result<Vec<_>, _>>())
                .collect::<Result<Vec<_>, _>>()?;
            Action::Partition { groups }
        }
        "heal" => Action::Heal,
        "check_fail" | "check_ok" => {
            let rs = socket(e.real_server.as_ref().expect("checked: the action takes 'real_server'"), src)?;
            if action == "check_fail" {
                Action::CheckFail { node: node()?, real_server: rs }
            } else {
                Action::CheckOk { node: node()?, real_server: rs }
            }
        }
        other => return Err(src.err(e.action.span(), format!("action '{other}' is listed but not handled"))),
    };
    Ok(Event { at_us, action })
}

fn known_node(n: &Spanned<String>, names: &[&str], src: &Src) -> Result<String, LoadError> {
    if names.contains(&n.get_ref().as_str()) {
        Ok(n.get_ref().clone())
    } else {
        Err(src.err(n.span(), format!("unknown node '{}'; nodes: {}", n.get_ref(), names.join(", "))))
    }
}

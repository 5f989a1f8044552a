//! The TOML scenario format of DESIGN.md → [`Scenario`].
//!
//! Deserialization (serde + toml) gives the shape; everything toml cannot
//! check (durations, addresses, node names in events, which fields an action
//! takes) is checked here against the value's span, so that every error
//! names `file:line:column`. A scenario file is bounded like a config:
//! [`MAX_FILE_BYTES`], [`MAX_NODES`], [`MAX_EVENTS`].

mod event;
mod raw;
mod values;

use super::conf::Span;
use super::keepalived::{self, ConfError};
use super::model::{Impl, Node, Role, Scenario};
use raw::{RawImpl, RawNode, RawRole, RawScenario};
use values::{duration, if_addr, ip, requests, Src};

use ::toml::Spanned;
pub use event::ACTIONS;
use std::path::Path;
pub use values::{default_mac, parse_duration, parse_mac};

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
    let whole = |message: String| LoadError::At {
        span: Span {
            file: path.to_path_buf(),
            line: 0,
            column: 0,
        },
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| whole(format!("cannot read scenario: {e}")))?;
    if meta.len() > MAX_FILE_BYTES as u64 {
        return Err(whole(format!(
            "scenario file is larger than {} MiB",
            MAX_FILE_BYTES >> 20
        )));
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| whole(format!("cannot read scenario: {e}")))?;
    parse(&text, path)
}

/// Parses scenario text; `path` names it in messages and anchors relative paths.
pub fn parse(text: &str, path: &Path) -> Result<Scenario, LoadError> {
    let src = Src { text, path };
    if text.len() > MAX_FILE_BYTES {
        return Err(src.err(
            0..0,
            format!("scenario is larger than {} MiB", MAX_FILE_BYTES >> 20),
        ));
    }
    count_events(&src)?;
    let raw: RawScenario = ::toml::from_str(text)
        .map_err(|e| src.err(e.span().unwrap_or(0..0), e.message().trim_end()))?;
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
                return Err(src.err(
                    offset..offset,
                    format!("too many events (more than {MAX_EVENTS})"),
                ));
            }
        }
        offset += line.len();
    }
    Ok(())
}

fn build(raw: RawScenario, src: &Src) -> Result<Scenario, LoadError> {
    if raw.node.len() > MAX_NODES {
        return Err(src.err(
            raw.node[MAX_NODES].span(),
            format!("too many nodes (more than {MAX_NODES})"),
        ));
    }
    if raw.event.len() > MAX_EVENTS {
        return Err(src.err(
            raw.event[MAX_EVENTS].span(),
            format!("too many events (more than {MAX_EVENTS})"),
        ));
    }
    let run = raw.run;
    let duration_us = match &run.duration {
        Some(d) => duration(d, src)?,
        None => DEFAULT_DURATION_US,
    };
    let loss = match run.loss {
        Some(l) if !(0.0..=1.0).contains(l.get_ref()) => {
            return Err(src.err(
                l.span(),
                format!(
                    "loss must be a probability in [0, 1], found {}",
                    l.get_ref()
                ),
            ))
        }
        Some(l) => l.into_inner(),
        None => 0.0,
    };
    let jitter_us = run
        .jitter
        .as_ref()
        .map(|j| duration(j, src))
        .transpose()?
        .unwrap_or(0);
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
    let mut events = raw
        .event
        .into_iter()
        .map(|e| event::event(e, &names, src))
        .collect::<Result<Vec<_>, _>>()?;
    // Stable: events at the same time keep file order.
    events.sort_by_key(|e| e.at_us);
    let name = run.name.unwrap_or_else(|| {
        src.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    Ok(Scenario {
        name,
        // One paragraph, however the file wraps it.
        description: run
            .description
            .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default(),
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
    let addrs =
        n.ip.into_inner()
            .into_vec()
            .iter()
            .map(|s| if_addr(s, &ip_span, src))
            .collect::<Result<Vec<_>, _>>()?;
    if addrs.is_empty() {
        return Err(src.err(
            ip_span,
            format!("node '{name}' needs at least one address in 'ip'"),
        ));
    }
    let mac = match &n.mac {
        Some(m) => parse_mac(m.get_ref()).ok_or_else(|| {
            src.err(
                m.span(),
                format!(
                    "expected a MAC address like \"02:00:00:00:00:01\", found \"{}\"",
                    m.get_ref()
                ),
            )
        })?,
        None => default_mac(index),
    };
    let keepalived =
        match (&n.keepalived, &n.keepalived_conf) {
            (Some(_), Some(inline)) => return Err(src.err(
                inline.span(),
                "give either 'keepalived' (a file) or 'keepalived_conf' (inline text), not both",
            )),
            (Some(file), None) => {
                let path = src
                    .path
                    .parent()
                    .unwrap_or(Path::new(""))
                    .join(file.get_ref());
                Some(keepalived::parse_file(&path)?)
            }
            (None, Some(inline)) => Some(keepalived::parse_str(
                inline.get_ref(),
                src.path,
                inline_first_line(inline, src),
            )?),
            (None, None) => None,
        };
    let sysctl = |v: &Option<Spanned<i64>>, what: &str| -> Result<u8, LoadError> {
        match v {
            None => Ok(0),
            Some(v) => u8::try_from(*v.get_ref())
                .ok()
                .filter(|&x| x <= 8)
                .ok_or_else(|| {
                    src.err(
                        v.span(),
                        format!("{what} must be between 0 and 8, found {}", v.get_ref()),
                    )
                }),
        }
    };
    let arp_ignore = sysctl(&n.arp_ignore, "arp_ignore")?;
    let arp_announce = sysctl(&n.arp_announce, "arp_announce")?;
    let vip_on_lo = match n.vip_on_lo {
        Some(v) => {
            let span = v.span();
            v.into_inner()
                .into_vec()
                .iter()
                .map(|s| if_addr(s, &span, src).map(|a| a.addr))
                .collect::<Result<_, _>>()?
        }
        None => Vec::new(),
    };
    let gateway = n.gateway.as_ref().map(|g| ip(g, src)).transpose()?;
    let requests = n
        .requests
        .map(|r| requests(r.into_inner(), src))
        .transpose()?;
    let ipvsadm = n
        .ipvsadm
        .into_iter()
        .map(|l| {
            l.trim()
                .strip_prefix("ipvsadm ")
                .unwrap_or(l.trim())
                .to_string()
        })
        .collect();
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
        ip_forward: n.ip_forward,
        iptables: n.iptables,
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

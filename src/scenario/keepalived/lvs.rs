//! `virtual_server`, `real_server` and the health checkers. The checker
//! keywords common to all checkers (`connect_timeout`, `retry`,
//! `delay_before_retry`, `warmup`, `alpha`) may also stand at virtual- or
//! real-server level, where keepalived takes them as defaults for the
//! checkers below: they are pushed down into each checker's options here.

use super::args::{self, Args};
use super::parser::{duration, number, other, string};
use super::tree::Stmt;
use super::{keywords, Ctx, Fail};
use crate::scenario::conf::{
    Checker, CheckerKind, CheckerOpts, LbKind, Protocol, RealServer, VirtualServer, VsAddr,
};
use std::net::IpAddr;

const U32_MAX: i64 = u32::MAX as i64;
/// `persistence_timeout` bounds (keepalived: 1 s to 31 days).
const PERSISTENCE_MAX_S: i64 = 2_678_400;

pub fn virtual_server(stmt: &Stmt, ctx: &mut Ctx) -> Result<VirtualServer, Fail> {
    let addr = vs_addr(stmt)?;
    let mut vs = VirtualServer {
        addr,
        delay_loop_us: None,
        lb_algo: None,
        lb_kind: None,
        persistence_timeout_s: None,
        persistence_granularity: None,
        protocol: None,
        sorry_server: None,
        quorum: None,
        real_servers: Vec::new(),
        span: ctx.span(stmt.pos()),
    };
    let mut defaults = CheckerOpts::default();
    for st in args::block(stmt)? {
        match st.keyword() {
            "delay_loop" => vs.delay_loop_us = duration(st, 1, u64::MAX, ctx)?,
            "lb_algo" | "lvs_sched" => {
                let mut a = Args::new(st);
                let w = a.word("a scheduler name")?;
                a.finish(ctx)?;
                if keywords::SCHEDULERS.contains(&w.text.as_str()) {
                    vs.lb_algo = Some(w.text.clone());
                } else {
                    ctx.warn(w.pos, format!("unknown scheduler '{}' (ignored)", w.text));
                }
            }
            "lb_kind" | "lvs_method" => {
                let mut a = Args::new(st);
                let w = a.word("NAT, DR or TUN")?;
                a.finish(ctx)?;
                vs.lb_kind = match w.text.as_str() {
                    "NAT" => Some(LbKind::Nat),
                    "DR" => Some(LbKind::Dr),
                    "TUN" => Some(LbKind::Tun),
                    other => {
                        ctx.warn(
                            w.pos,
                            format!(
                                "unknown [{other}] routing method for virtual server (ignored)"
                            ),
                        );
                        vs.lb_kind
                    }
                };
            }
            "persistence_timeout" => {
                let mut a = Args::new(st);
                vs.persistence_timeout_s = if a.peek().is_none() {
                    Some(360)
                } else {
                    let v = a.int()?;
                    args::in_range(ctx, "persistence_timeout", v, 1, PERSISTENCE_MAX_S)
                        .map(|v| v as u32)
                };
                a.finish(ctx)?;
            }
            "persistence_granularity" => {
                let mut a = Args::new(st);
                match a.ip()? {
                    (IpAddr::V4(mask), _) => vs.persistence_granularity = Some(mask),
                    (IpAddr::V6(_), pos) => ctx.warn(
                        pos,
                        "an IPv6 persistence_granularity is not simulated (ignored)",
                    ),
                }
                a.finish(ctx)?;
            }
            "protocol" => {
                let mut a = Args::new(st);
                let w = a.word("TCP, UDP or SCTP")?;
                a.finish(ctx)?;
                vs.protocol = match w.text.to_ascii_uppercase().as_str() {
                    "TCP" => Some(Protocol::Tcp),
                    "UDP" => Some(Protocol::Udp),
                    "SCTP" => Some(Protocol::Sctp),
                    _ => {
                        return Err(Fail::at(
                            w.pos,
                            format!(
                                "expected TCP, UDP or SCTP after 'protocol', found '{}'",
                                w.text
                            ),
                        ))
                    }
                };
            }
            "sorry_server" => {
                let mut a = Args::new(st);
                let (ip, _) = a.ip()?;
                let port = a.parse::<u16>("a port number")?;
                a.finish(ctx)?;
                vs.sorry_server = Some((ip, port));
            }
            "quorum" => vs.quorum = number(st, 1, U32_MAX, ctx)?,
            "real_server" => vs.real_servers.push(real_server(st, ctx)?),
            _ => {
                if !common(st, &mut defaults, ctx)? {
                    other(st, keywords::VIRTUAL_SERVER, ctx);
                }
            }
        }
    }
    for rs in &mut vs.real_servers {
        for c in &mut rs.checkers {
            inherit(&mut c.opts, &defaults);
        }
    }
    Ok(vs)
}

fn vs_addr(stmt: &Stmt) -> Result<VsAddr, Fail> {
    let mut a = Args::new(stmt);
    let first = a.word("an IP address, 'fwmark' or 'group'")?;
    let addr = match first.text.as_str() {
        "fwmark" => VsAddr::Fwmark(a.parse::<u32>("a firewall mark")?),
        "group" => VsAddr::Group(a.word("a virtual_server_group name")?.text.clone()),
        text => {
            let addr = text.parse::<IpAddr>().map_err(|_| {
                Fail::at(first.pos, format!("expected an IP address, 'fwmark' or 'group' after 'virtual_server', found '{text}'"))
            })?;
            VsAddr::Ip {
                addr,
                port: a.parse::<u16>("a port number")?,
            }
        }
    };
    if let Some(extra) = a.opt() {
        return Err(Fail::at(
            extra.pos,
            format!(
                "expected '{{' after '{}', found '{}'",
                stmt.head(),
                extra.text
            ),
        ));
    }
    Ok(addr)
}

fn real_server(stmt: &Stmt, ctx: &mut Ctx) -> Result<RealServer, Fail> {
    let mut a = Args::new(stmt);
    let (addr, _) = a.ip()?;
    let port = match a.peek() {
        Some(_) => Some(a.parse::<u16>("a port number")?),
        None => None,
    };
    a.finish_head(ctx);
    let mut rs = RealServer {
        addr,
        port,
        weight: None,
        inhibit_on_failure: false,
        checkers: Vec::new(),
        span: ctx.span(stmt.pos()),
    };
    let mut defaults = CheckerOpts::default();
    for st in args::block(stmt)? {
        let kind = match st.keyword() {
            "weight" => {
                rs.weight = number(st, 0, i64::from(i32::MAX), ctx)?;
                continue;
            }
            "inhibit_on_failure" => {
                Args::new(st).finish(ctx)?;
                rs.inhibit_on_failure = true;
                continue;
            }
            "TCP_CHECK" => CheckerKind::TcpCheck,
            "HTTP_GET" => CheckerKind::HttpGet,
            "SSL_GET" => CheckerKind::SslGet,
            "MISC_CHECK" => CheckerKind::MiscCheck,
            "DNS_CHECK" => CheckerKind::DnsCheck,
            "SMTP_CHECK" => CheckerKind::SmtpCheck,
            _ => {
                if !common(st, &mut defaults, ctx)? {
                    other(st, keywords::REAL_SERVER, ctx);
                }
                continue;
            }
        };
        rs.checkers.push(checker(st, kind, ctx)?);
    }
    for c in &mut rs.checkers {
        inherit(&mut c.opts, &defaults);
    }
    Ok(rs)
}

fn checker(stmt: &Stmt, kind: CheckerKind, ctx: &mut Ctx) -> Result<Checker, Fail> {
    Args::new(stmt).finish_head(ctx);
    let mut opts = CheckerOpts::default();
    let http = matches!(kind, CheckerKind::HttpGet | CheckerKind::SslGet);
    for st in args::block(stmt)? {
        if common(st, &mut opts, ctx)? {
            continue;
        }
        match (st.keyword(), kind) {
            ("connect_ip", _) => {
                let mut a = Args::new(st);
                opts.connect_ip = Some(a.ip()?.0);
                a.finish(ctx)?;
            }
            ("connect_port", _) => {
                let mut a = Args::new(st);
                opts.connect_port = Some(a.parse::<u16>("a port number")?);
                a.finish(ctx)?;
            }
            ("delay_loop", _) => opts.delay_loop_us = duration(st, 1, u64::MAX, ctx)?,
            ("nb_get_retry", _) if http => opts.retry = number(st, 0, U32_MAX, ctx)?,
            ("url", _) if http => url(st, &mut opts, ctx)?,
            ("misc_path", CheckerKind::MiscCheck) => {
                opts.misc_path = Some(string(st, "a command", ctx)?)
            }
            _ => {
                let known = match kind {
                    CheckerKind::HttpGet | CheckerKind::SslGet => keywords::HTTP_CHECKER,
                    CheckerKind::MiscCheck => keywords::MISC_CHECKER,
                    CheckerKind::DnsCheck => keywords::DNS_CHECKER,
                    CheckerKind::SmtpCheck => keywords::SMTP_CHECKER,
                    CheckerKind::TcpCheck => &[],
                };
                let all: Vec<&str> = known.iter().chain(keywords::CHECKER).copied().collect();
                other(st, &all, ctx);
            }
        }
    }
    Ok(Checker {
        kind,
        opts,
        span: ctx.span(stmt.pos()),
    })
}

fn url(st: &Stmt, opts: &mut CheckerOpts, ctx: &mut Ctx) -> Result<(), Fail> {
    Args::new(st).finish_head(ctx);
    for line in args::block(st)? {
        match line.keyword() {
            "path" => opts.url_paths.push(string(line, "a URL path", ctx)?),
            _ => other(line, keywords::URL, ctx),
        }
    }
    Ok(())
}

/// The keywords common to every checker; `Ok(true)` when `st` was one.
fn common(st: &Stmt, opts: &mut CheckerOpts, ctx: &mut Ctx) -> Result<bool, Fail> {
    match st.keyword() {
        "connect_timeout" => opts.connect_timeout_us = duration(st, 1, u64::MAX, ctx)?,
        "retry" => opts.retry = number(st, 0, U32_MAX, ctx)?,
        "delay_before_retry" => opts.delay_before_retry_us = duration(st, 0, u64::MAX, ctx)?,
        "warmup" => opts.warmup_us = duration(st, 0, u64::MAX, ctx)?,
        "alpha" => {
            Args::new(st).finish(ctx)?;
            opts.alpha = true;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn inherit(opts: &mut CheckerOpts, defaults: &CheckerOpts) {
    opts.connect_timeout_us = opts.connect_timeout_us.or(defaults.connect_timeout_us);
    opts.retry = opts.retry.or(defaults.retry);
    opts.delay_before_retry_us = opts
        .delay_before_retry_us
        .or(defaults.delay_before_retry_us);
    opts.warmup_us = opts.warmup_us.or(defaults.warmup_us);
    opts.alpha |= defaults.alpha;
}

/// keepalived's checks on virtual servers once they are read.
pub fn complete(servers: &mut [VirtualServer], ctx: &mut Ctx) {
    for vs in servers {
        let span = vs.span.clone();
        let name = match &vs.addr {
            VsAddr::Ip { addr, port } => format!("Virtual server {addr}:{port}"),
            VsAddr::Fwmark(m) => format!("Virtual server FWM {m}"),
            VsAddr::Group(g) => format!("Virtual server group {g}"),
        };
        if let VsAddr::Fwmark(_) = vs.addr {
            if vs.protocol.take().is_some() {
                ctx.warn_span(
                    &span,
                    format!("{name}: protocol specified for fwmark - protocol will be ignored"),
                );
            }
            for rs in &mut vs.real_servers {
                if let Some(port) = rs.port.take() {
                    ctx.warn_span(
                        &rs.span,
                        format!(
                            "{name}: real server {} has port {port} specified - clearing",
                            rs.addr
                        ),
                    );
                }
            }
        } else if vs.protocol.is_none() {
            ctx.warn_span(
                &span,
                format!("{name}: no protocol set, keepalived uses UDP"),
            );
        }
        if vs.lb_algo.is_none() {
            ctx.warn_span(
                &span,
                format!("{name}: no scheduler set, setting default 'wlc'"),
            );
        }
        if vs.lb_kind.is_none() {
            ctx.warn_span(
                &span,
                format!("{name}: no forwarding method set, setting default NAT"),
            );
        }
    }
}

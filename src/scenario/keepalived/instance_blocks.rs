//! The sub-blocks of a `vrrp_instance`: `unicast_peer`, `authentication`,
//! `virtual_ipaddress` and the `track_*` lists, with keepalived's messages
//! where it carries on.

use super::args::{self, Args};
use super::parser::other;
use super::tree::{Stmt, Word};
use super::{Ctx, Fail};
use crate::scenario::conf::{Auth, AuthKind, Track, Vip};
use std::net::IpAddr;

pub fn unicast_peers(st: &Stmt, peers: &mut Vec<IpAddr>, ctx: &mut Ctx) -> Result<(), Fail> {
    Args::new(st).finish_head(ctx);
    for line in args::block(st)? {
        let ip = parse_ip(&line.words[0], "unicast_peer")?;
        let mut rest = line.words[1..].iter();
        while let Some(opt) = rest.next() {
            match opt.text.as_str() {
                "min_ttl" | "max_ttl" => {
                    let v = rest.next().ok_or_else(|| {
                        Fail::at(opt.pos, format!("expected a number after '{}'", opt.text))
                    })?;
                    v.text.parse::<u8>().map_err(|_| {
                        Fail::at(
                            v.pos,
                            format!(
                                "expected a TTL (0-255) after '{}', found '{}'",
                                opt.text, v.text
                            ),
                        )
                    })?;
                    ctx.warn(
                        opt.pos,
                        format!("'{}' is not simulated (ignored)", opt.text),
                    );
                }
                _ => ctx.warn(opt.pos, format!("{} is missing a value", opt.text)),
            }
        }
        no_block(line)?;
        peers.push(ip);
    }
    Ok(())
}

pub fn authentication(st: &Stmt, ctx: &mut Ctx) -> Result<Option<Auth>, Fail> {
    Args::new(st).finish_head(ctx);
    let mut kind = None;
    let mut pass = String::new();
    for line in args::block(st)? {
        let mut a = Args::new(line);
        match line.keyword() {
            "auth_type" => {
                let w = a.word("PASS or AH")?;
                kind = match w.text.as_str() {
                    "PASS" => Some(AuthKind::Pass),
                    "AH" => Some(AuthKind::Ah),
                    other => {
                        ctx.warn(
                            w.pos,
                            format!("unknown authentication type '{other}' (ignored)"),
                        );
                        kind
                    }
                };
                a.finish(ctx)?;
            }
            "auth_pass" => {
                let w = a.word("a password")?;
                if w.text.len() > 8 {
                    ctx.warn(w.pos, "Truncating auth_pass to 8 characters");
                }
                pass = w.text.clone();
                a.finish(ctx)?;
            }
            _ => other(line, &[], ctx),
        }
    }
    Ok(kind.map(|kind| Auth { kind, pass }))
}

pub fn vips(st: &Stmt, out: &mut Vec<Vip>, ctx: &mut Ctx) -> Result<(), Fail> {
    Args::new(st).finish_head(ctx);
    for line in args::block(st)? {
        out.push(vip(line, ctx)?);
        no_block(line)?;
    }
    Ok(())
}

/// `IP[/PFX] {brd X | dev X | scope X | label X | peer X | flags}`. Only
/// `dev` and `label` are kept: `brd`, `scope` and `peer` do not change what
/// the simulator or the lab does with a VIP, but they are checked.
fn vip(line: &Stmt, ctx: &mut Ctx) -> Result<Vip, Fail> {
    let first = &line.words[0];
    let (addr_text, prefix_text) = match first.text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (first.text.as_str(), None),
    };
    let addr: IpAddr = addr_text.parse().map_err(|_| {
        Fail::at(
            first.pos,
            format!("expected a virtual IP address, found '{}'", first.text),
        )
    })?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix_text {
        None => max,
        Some(p) => match p.parse::<u8>() {
            Ok(v) if v <= max => v,
            Ok(v) => {
                ctx.warn(
                    first.pos,
                    format!(
                        "Invalid address prefix len {v} for address {} - using {max}",
                        first.text
                    ),
                );
                max
            }
            Err(_) => {
                return Err(Fail::at(
                    first.pos,
                    format!("expected a prefix length after '/' in '{}'", first.text),
                ))
            }
        },
    };
    let mut vip = Vip {
        addr,
        prefix,
        dev: None,
        label: None,
    };
    let mut rest = line.words[1..].iter();
    while let Some(opt) = rest.next() {
        let mut value = || {
            rest.next().ok_or_else(|| {
                Fail::at(
                    opt.pos,
                    format!("expected a value after '{}' for {}", opt.text, first.text),
                )
            })
        };
        match opt.text.as_str() {
            "dev" => vip.dev = Some(value()?.text.clone()),
            "label" => vip.label = Some(value()?.text.clone()),
            "brd" | "broadcast" => {
                let v = value()?;
                if v.text != "-" && v.text != "+" {
                    parse_ip(v, &opt.text)?;
                }
            }
            "peer" => {
                let v = value()?;
                let ip = v.text.split_once('/').map_or(v.text.as_str(), |(a, _)| a);
                parse_ip(
                    &Word {
                        text: ip.to_string(),
                        pos: v.pos,
                    },
                    "peer",
                )?;
            }
            "scope" => {
                let v = value()?;
                let known =
                    ["host", "link", "site", "global", "nowhere"].contains(&v.text.as_str());
                if !known && v.text.parse::<u8>().is_err() {
                    ctx.warn(
                        v.pos,
                        format!(
                            "Invalid scope '{}' specified for {} - ignoring",
                            v.text, first.text
                        ),
                    );
                }
            }
            "preferred_lft" => {
                value()?;
            }
            "home" | "-nodad" | "mngtmpaddr" | "noprefixroute" | "autojoin" | "no_track"
            | "use_vmac" => {}
            _ => ctx.warn(
                opt.pos,
                format!(
                    "Unknown configuration entry '{}' for ip address - ignoring",
                    opt.text
                ),
            ),
        }
    }
    Ok(vip)
}

/// `NAME [weight N [reverse]]` lines of `track_interface` / `track_script`.
pub fn tracks(
    st: &Stmt,
    interfaces: bool,
    out: &mut Vec<Track>,
    vi: &str,
    ctx: &mut Ctx,
) -> Result<(), Fail> {
    Args::new(st).finish_head(ctx);
    for line in args::block(st)? {
        let mut a = Args::new(line);
        let mut track = Track {
            name: line.keyword().to_string(),
            weight: None,
            reverse: false,
        };
        let mut keep = true;
        if let Some(w) = a.opt() {
            if w.text != "weight" {
                return Err(Fail::at(
                    w.pos,
                    format!(
                        "expected 'weight' after '{}', found '{}'",
                        track.name, w.text
                    ),
                ));
            }
            let n = a.opt();
            let (v, pos) = match n.map(|n| (n.text.parse::<i64>(), n)) {
                Some((Ok(v), n)) => (v, n.pos),
                Some((Err(_), n)) => {
                    return Err(Fail::at(
                        n.pos,
                        format!("expected a number after 'weight', found '{}'", n.text),
                    ))
                }
                None => {
                    return Err(Fail::at(
                        w.pos,
                        "expected a number after 'weight', found end of line",
                    ))
                }
            };
            match v {
                -253..=253 => track.weight = Some(v as i32),
                254 | -254 if interfaces => {
                    ctx.warn(
                        pos,
                        format!(
                            "({vi}) weight for {} cannot be +/-254. Setting to +/-253",
                            track.name
                        ),
                    );
                    track.weight = Some(if v > 0 { 253 } else { -253 });
                }
                _ => {
                    let what = if interfaces { "interface" } else { "script" };
                    ctx.warn(pos, format!("({vi}) track {what} {}: weight must be between [-253..253] inclusive, ignoring...", track.name));
                    keep = false;
                }
            }
            if a.peek().is_some_and(|w| w.text == "reverse") {
                a.opt();
                track.reverse = true;
            }
        }
        a.finish(ctx)?;
        if keep {
            out.push(track);
        }
    }
    Ok(())
}

fn parse_ip(w: &Word, after: &str) -> Result<IpAddr, Fail> {
    w.text.parse().map_err(|_| {
        Fail::at(
            w.pos,
            format!("expected an IP address for '{after}', found '{}'", w.text),
        )
    })
}

fn no_block(line: &Stmt) -> Result<(), Fail> {
    match &line.block {
        Some(b) => Err(Fail::at(
            b.open,
            format!("unexpected '{{' after '{}'", line.keyword()),
        )),
        None => Ok(()),
    }
}

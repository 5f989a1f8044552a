//! `vrrp_script`, `vrrp_instance` and `vrrp_sync_group`, and the checks
//! keepalived makes on them once the whole configuration is read
//! (`vrrp_complete_instance`), with its messages where it carries on.

use super::args::{self, Args};
use super::instance_blocks::{authentication, tracks, unicast_peers, vips};
use super::parser::{duration, flag, number, other, string};
use super::tree::Stmt;
use super::{keywords, Ctx, Fail};
use crate::scenario::conf::{InitialState, KeepalivedConf, SyncGroup, VrrpInstance, VrrpScript};

const U32_MAX: i64 = u32::MAX as i64;
/// keepalived's advert_int bounds: 10 ms (VRRPv3 centiseconds) to 255 s.
const ADVERT_MIN_US: u64 = 10_000;
const ADVERT_MAX_US: u64 = 255_000_000;

/// The name after a section keyword (`vrrp_instance VI_1`).
fn name(stmt: &Stmt) -> Result<(String, &[Stmt]), Fail> {
    let mut a = Args::new(stmt);
    let name = a.word("a name")?.text.clone();
    if let Some(extra) = a.opt() {
        return Err(Fail::at(
            extra.pos,
            format!(
                "expected '{{' after '{} {name}', found '{}'",
                a.kw(),
                extra.text
            ),
        ));
    }
    Ok((name, args::block(stmt)?))
}

pub fn script(stmt: &Stmt, ctx: &mut Ctx) -> Result<VrrpScript, Fail> {
    let (name, body) = name(stmt)?;
    let mut s = VrrpScript {
        name,
        span: ctx.span(stmt.pos()),
        ..Default::default()
    };
    for st in body {
        match st.keyword() {
            "script" => s.script = string(st, "a command", ctx)?,
            "interval" => {
                let mut a = Args::new(st);
                let (us, pos) = a.seconds_us()?;
                a.finish(ctx)?;
                s.interval_us = Some(if us == 0 {
                    ctx.warn(
                        pos,
                        format!(
                            "({}): vrrp script interval must be greater than 0, setting to 1",
                            s.name
                        ),
                    );
                    1_000_000
                } else {
                    us
                });
            }
            "timeout" => s.timeout_us = duration(st, 1, u64::MAX, ctx)?,
            "weight" => {
                let mut a = Args::new(st);
                let w = a.int()?;
                s.reverse = a.peek().is_some_and(|w| w.text == "reverse");
                if s.reverse {
                    a.opt();
                }
                a.finish(ctx)?;
                s.weight = args::in_range(ctx, "weight", w, -253, 253).map(|w| w as i32);
            }
            "rise" => s.rise = number(st, 1, U32_MAX, ctx)?,
            "fall" => s.fall = number(st, 1, U32_MAX, ctx)?,
            _ => other(st, keywords::SCRIPT, ctx),
        }
    }
    Ok(s)
}

pub fn sync_group(stmt: &Stmt, ctx: &mut Ctx) -> Result<SyncGroup, Fail> {
    let (name, body) = name(stmt)?;
    let mut g = SyncGroup {
        name,
        members: Vec::new(),
        span: ctx.span(stmt.pos()),
    };
    for st in body {
        match st.keyword() {
            "group" => {
                Args::new(st)
                    .rest()
                    .iter()
                    .for_each(|w| g.members.push(w.text.clone()));
                for member in args::block(st)? {
                    member
                        .words
                        .iter()
                        .for_each(|w| g.members.push(w.text.clone()));
                    if let Some(b) = &member.block {
                        return Err(Fail::at(
                            b.open,
                            "unexpected '{' in a sync group's member list",
                        ));
                    }
                }
            }
            kw if keywords::NOTIFY.contains(&kw) => {
                notify(st, ctx)?;
                ctx.warn(
                    st.pos(),
                    format!("'{kw}' scripts are not run by the simulator"),
                );
            }
            _ => other(st, keywords::SYNC_GROUP, ctx),
        }
    }
    Ok(g)
}

/// `notify*` script lines. An instance's are kept in the model without a
/// warning: the engine decides (the LVS node runs `bypass_ipvs.sh`, the VRRP
/// daemon warns about the rest); a sync group's are never run.
fn notify(st: &Stmt, ctx: &mut Ctx) -> Result<(String, String), Fail> {
    let script = string(st, "a script", ctx)?;
    Ok((st.keyword().to_string(), script))
}

pub fn instance(stmt: &Stmt, ctx: &mut Ctx) -> Result<VrrpInstance, Fail> {
    let (name, body) = name(stmt)?;
    let mut vi = VrrpInstance {
        name,
        span: ctx.span(stmt.pos()),
        ..Default::default()
    };
    let mut vrid_seen = false;
    for st in body {
        let kw = st.keyword();
        match kw {
            "state" => {
                let mut a = Args::new(st);
                let w = a.word("MASTER or BACKUP")?;
                a.finish(ctx)?;
                vi.state = Some(match w.text.as_str() {
                    "MASTER" => InitialState::Master,
                    "BACKUP" => InitialState::Backup,
                    other => {
                        ctx.warn(
                            w.pos,
                            format!(
                                "({}) unknown state '{other}', defaulting to BACKUP",
                                vi.name
                            ),
                        );
                        InitialState::Backup
                    }
                });
            }
            "interface" => {
                let mut a = Args::new(st);
                vi.interface = Some(a.word("an interface name")?.text.clone());
                a.finish(ctx)?;
            }
            "virtual_router_id" => {
                let mut a = Args::new(st);
                let (v, pos) = a.int()?;
                a.finish(ctx)?;
                vi.vrid = u8::try_from(v).ok().filter(|&v| v != 0).ok_or_else(|| {
                    Fail::at(
                        pos,
                        format!(
                            "({}) virtual_router_id {v} is out of range [1, 255]",
                            vi.name
                        ),
                    )
                })?;
                vrid_seen = true;
            }
            "priority" => vi.priority = number(st, 1, 255, ctx)?,
            "advert_int" => {
                vi.advert_int_us =
                    duration(st, ADVERT_MIN_US, ADVERT_MAX_US, ctx)?.or(vi.advert_int_us)
            }
            "version" => vi.version = number(st, 2, 3, ctx)?.or(vi.version),
            "nopreempt" => {
                Args::new(st).finish(ctx)?;
                vi.nopreempt = true;
            }
            "preempt" => {
                Args::new(st).finish(ctx)?;
                vi.nopreempt = false;
            }
            "preempt_delay" => vi.preempt_delay_us = duration(st, 0, 1_000_000_000, ctx)?,
            "use_vmac" => {
                let mut a = Args::new(st);
                // An interface name, a MAC, or both; a MAC has colons (a
                // name cannot). The MAC is not modelled: the engine sends
                // from RFC 5798's virtual MAC.
                vi.vmac_ifname = a.rest().iter().take(2).find(|w| !w.text.contains(':')).map(|w| w.text.clone());
                a.finish(ctx)?;
                vi.use_vmac = true;
            }
            "mcast_src_ip" | "unicast_src_ip" => {
                let mut a = Args::new(st);
                vi.src_ip = Some(a.ip()?.0);
                a.finish(ctx)?;
            }
            "unicast_peer" => unicast_peers(st, &mut vi.unicast_peers, ctx)?,
            "authentication" => vi.auth = authentication(st, ctx)?.or(vi.auth.take()),
            "virtual_ipaddress" => vips(st, &mut vi.vips, ctx)?,
            "virtual_ipaddress_excluded" => vips(st, &mut vi.excluded_vips, ctx)?,
            "track_interface" => tracks(st, true, &mut vi.track_interfaces, &vi.name, ctx)?,
            "track_script" => tracks(st, false, &mut vi.track_scripts, &vi.name, ctx)?,
            "garp_master_delay" => vi.garp_master_delay_s = number(st, 0, U32_MAX, ctx)?,
            "garp_master_repeat" => vi.garp_master_repeat = number(st, 0, U32_MAX, ctx)?,
            "garp_master_refresh" => vi.garp_master_refresh_s = number(st, 0, U32_MAX, ctx)?,
            "strict_mode" => vi.strict_mode = flag(st, ctx)?,
            "accept" | "no_accept" => {
                Args::new(st).finish(ctx)?;
                vi.accept = Some(kw == "accept");
            }
            kw if keywords::NOTIFY.contains(&kw) => vi.notify.push(notify(st, ctx)?),
            _ => other(st, keywords::INSTANCE, ctx),
        }
    }
    if !vrid_seen {
        return Err(Fail::at(
            stmt.pos(),
            format!(
                "({}) the virtual router id must be set (virtual_router_id)",
                vi.name
            ),
        ));
    }
    Ok(vi)
}

/// What keepalived checks once everything is read, where it carries on.
pub fn complete(conf: &mut KeepalivedConf, ctx: &mut Ctx) {
    let scripts: Vec<String> = conf.scripts.iter().map(|s| s.name.clone()).collect();
    let global_version = conf.global.vrrp_version;
    for vi in &mut conf.instances {
        let span = vi.span.clone();
        vi.track_scripts.retain(|t| {
            let found = scripts.contains(&t.name);
            if !found {
                ctx.warn_span(
                    &span,
                    format!(
                        "({}) track script {} not found, ignoring...",
                        vi.name, t.name
                    ),
                );
            }
            found
        });
        if vi.state == Some(InitialState::Master) && (vi.nopreempt || vi.preempt_delay_us.is_some())
        {
            ctx.warn_span(
                &span,
                format!(
                    "({}) Warning - nopreempt will not work with initial state MASTER - clearing",
                    vi.name
                ),
            );
            vi.nopreempt = false;
            vi.preempt_delay_us = None;
        }
        if vi.vips.is_empty() {
            ctx.warn_span(
                &span,
                format!("({}) No VIP specified; at least one is sensible", vi.name),
            );
        }
        let version = vi.version.or(global_version).unwrap_or(2);
        if let Some(us) = vi
            .advert_int_us
            .filter(|us| version == 2 && us % 1_000_000 != 0)
        {
            let rounded = ((us + 500_000) / 1_000_000).max(1) * 1_000_000;
            ctx.warn_span(
                &span,
                format!(
                    "({}) VRRPv2 advertisement interval {}s must be an integer. rounding to {}s",
                    vi.name,
                    us as f64 / 1e6,
                    rounded / 1_000_000
                ),
            );
            vi.advert_int_us = Some(rounded);
        }
    }
    let names: Vec<String> = conf.instances.iter().map(|v| v.name.clone()).collect();
    for g in &mut conf.sync_groups {
        let span = g.span.clone();
        g.members.retain(|m| {
            let found = names.contains(m);
            if !found {
                ctx.warn_span(
                    &span,
                    format!(
                        "Virtual router {m} specified in sync group {} doesn't exist - ignoring",
                        g.name
                    ),
                );
            }
            found
        });
    }
}

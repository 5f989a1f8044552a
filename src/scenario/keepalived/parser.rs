//! The semantic pass: statements → [`KeepalivedConf`]. This file holds the
//! top level, `global_defs` and the checks keepalived makes once the whole
//! file is read; `vrrp` and `lvs` hold their sections.

use super::args::{self, Args};
use super::tree::Stmt;
use super::{keywords, lvs, vrrp, Ctx, Fail};
use crate::scenario::conf::{GlobalDefs, KeepalivedConf};

pub fn parse(stmts: &[Stmt], ctx: &mut Ctx) -> Result<KeepalivedConf, Fail> {
    let mut conf = KeepalivedConf::default();
    for stmt in stmts {
        match stmt.keyword() {
            "global_defs" => global_defs(args::block(stmt)?, &mut conf.global, ctx)?,
            "vrrp_script" => conf.scripts.push(vrrp::script(stmt, ctx)?),
            "vrrp_instance" => conf.instances.push(vrrp::instance(stmt, ctx)?),
            "vrrp_sync_group" => conf.sync_groups.push(vrrp::sync_group(stmt, ctx)?),
            "virtual_server" => conf.virtual_servers.push(lvs::virtual_server(stmt, ctx)?),
            _ => other(stmt, keywords::ROOT, ctx),
        }
    }
    vrrp::complete(&mut conf, ctx);
    lvs::complete(&mut conf.virtual_servers, ctx);
    Ok(conf)
}

/// A keyword the section does not model: "not simulated" if keepalived knows
/// it (`known`), keepalived's "Unknown keyword" otherwise. Either way its
/// block, if any, is skipped whole.
pub fn other(stmt: &Stmt, known: &[&str], ctx: &mut Ctx) {
    let kw = stmt.keyword();
    let message = if known.contains(&kw) {
        format!("'{kw}' is not simulated (ignored)")
    } else if stmt.block.is_some() {
        format!("Unknown keyword '{kw}' (its block is skipped)")
    } else {
        format!("Unknown keyword '{kw}'")
    };
    ctx.warn(stmt.pos(), message);
}

/// keepalived's `check_true_false`: no argument means true.
pub fn flag(stmt: &Stmt, ctx: &mut Ctx) -> Result<bool, Fail> {
    let mut a = Args::new(stmt);
    let value = match a.peek().map(|w| w.text.as_str()) {
        None => true,
        Some("true" | "on" | "yes") => true,
        Some("false" | "off" | "no") => false,
        Some(_) => {
            let w = a.opt().expect("peeked");
            let kw = a.kw();
            return Err(Fail::at(
                w.pos,
                format!(
                    "expected 'true' or 'false' (or nothing) after '{kw}', found '{}'",
                    w.text
                ),
            ));
        }
    };
    a.opt();
    a.finish(ctx)?;
    Ok(value)
}

/// A whole number within `[lo, hi]` (warning and `None` outside, as keepalived).
pub fn number<T: TryFrom<i64>>(
    stmt: &Stmt,
    lo: i64,
    hi: i64,
    ctx: &mut Ctx,
) -> Result<Option<T>, Fail> {
    let mut a = Args::new(stmt);
    let v = a.int()?;
    let kw = a.kw();
    a.finish(ctx)?;
    Ok(args::in_range(ctx, kw, v, lo, hi).and_then(|v| T::try_from(v).ok()))
}

/// A duration in seconds within `[lo, hi]` µs.
pub fn duration(stmt: &Stmt, lo: u64, hi: u64, ctx: &mut Ctx) -> Result<Option<u64>, Fail> {
    let mut a = Args::new(stmt);
    let v = a.seconds_us()?;
    let kw = a.kw();
    a.finish(ctx)?;
    Ok(args::us_in_range(ctx, kw, v, lo, hi))
}

/// One string argument (quoted if it has spaces); for scripts, the rest of
/// the line joined by spaces, as keepalived's `set_value`.
pub fn string(stmt: &Stmt, what: &str, ctx: &mut Ctx) -> Result<String, Fail> {
    let mut a = Args::new(stmt);
    let first = a.word(what)?;
    let mut s = first.text.clone();
    for w in a.rest() {
        s.push(' ');
        s.push_str(&w.text);
    }
    a.finish(ctx)?;
    Ok(s)
}

const U32_MAX: i64 = u32::MAX as i64;

fn global_defs(body: &[Stmt], g: &mut GlobalDefs, ctx: &mut Ctx) -> Result<(), Fail> {
    for stmt in body {
        match stmt.keyword() {
            "router_id" => {
                let mut a = Args::new(stmt);
                g.router_id = Some(a.word("a name")?.text.clone());
                a.finish(ctx)?;
            }
            "vrrp_strict" => g.vrrp_strict = flag(stmt, ctx)?,
            "vrrp_version" => g.vrrp_version = number(stmt, 2, 3, ctx)?.or(g.vrrp_version),
            "vrrp_garp_master_delay" => g.garp_master_delay_s = number(stmt, 0, U32_MAX, ctx)?,
            "vrrp_garp_master_repeat" => g.garp_master_repeat = number(stmt, 0, U32_MAX, ctx)?,
            "vrrp_garp_master_refresh" => g.garp_master_refresh_s = number(stmt, 0, U32_MAX, ctx)?,
            "vrrp_garp_interval" => {
                g.garp_interval_us = duration(stmt, 1, u64::from(u32::MAX), ctx)?
            }
            "vrrp_skip_check_adv_addr" => g.skip_check_adv_addr = flag(stmt, ctx)?,
            "vrrp_lower_prio_no_advert" => g.lower_prio_no_advert = flag(stmt, ctx)?,
            "vrrp_higher_prio_send_advert" => g.higher_prio_send_advert = flag(stmt, ctx)?,
            _ => other(stmt, keywords::GLOBAL, ctx),
        }
    }
    Ok(())
}

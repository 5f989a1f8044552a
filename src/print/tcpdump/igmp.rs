//! IGMP, as tcpdump's print-igmp.c prints it. keepalived joins 224.0.0.18
//! when it starts, so every real capture of a VRRP start has IGMPv3 reports.

use super::{get, get16, Cx, R};
use crate::wire::checksum;

/// Record types of IGMPv3 group records (RFC 3376 §4.2.12).
fn record_type(t: u8) -> Option<&'static str> {
    Some(match t {
        1 => "is_in",
        2 => "is_ex",
        3 => "to_in",
        4 => "to_ex",
        5 => "allow",
        6 => "block",
        _ => return None,
    })
}

pub(super) fn print(cx: &mut Cx<'_>, b: &[u8], len: usize) -> R {
    cx.proto = "igmp";
    let t = get(b, 0)?;
    match t {
        0x11 => {
            cx.s("igmp query");
            if len >= 12 {
                query_v3(cx, b, len)?;
            } else {
                let mrc = get(b, 1)?;
                if mrc != 100 {
                    cx.s(" [intvl ");
                    cx.dec(mrc);
                    cx.s("]");
                }
                group_if_set(cx, b, " [gaddr ", "]")?;
                if len != 8 {
                    cx.s(" [len ");
                    cx.dec(len as u64);
                    cx.s("]");
                }
            }
        }
        0x12 | 0x16 | 0x17 => {
            cx.s(match t {
                0x12 => "igmp v1 report ",
                0x16 => "igmp v2 report ",
                _ => "igmp leave ",
            });
            let g = super::bytes(b, 4, 4)?;
            cx.ipv4(g);
        }
        0x22 => report_v3(cx, b, len)?,
        _ => {
            cx.s("igmp-");
            cx.dec(t);
        }
    }
    if cx.verbose() && len >= 4 {
        if let Some(msg) = b.get(..len) {
            if checksum::combine(&[checksum::sum(msg)]) != 0xffff {
                cx.s(", bad igmp cksum ");
                cx.hex(get16(b, 2)?);
                cx.s("!");
            }
        }
    }
    Ok(())
}

fn group_if_set(cx: &mut Cx<'_>, b: &[u8], before: &str, after: &str) -> R {
    let g = super::bytes(b, 4, 4)?;
    if g != [0, 0, 0, 0] {
        cx.s(before);
        cx.ipv4(g);
        cx.s(after);
    }
    Ok(())
}

fn report_v3(cx: &mut Cx<'_>, b: &[u8], len: usize) -> R {
    cx.s("igmp v3 report");
    if len < 8 {
        cx.s(" [invalid len ");
        cx.dec(len as u64);
        cx.s("]");
        return Ok(());
    }
    let groups = get16(b, 6)?;
    cx.s(", ");
    cx.dec(groups);
    cx.s(" group record(s)");
    if !cx.verbose() {
        return Ok(());
    }
    let mut at = 8;
    for _ in 0..groups {
        if len < at + 8 {
            cx.s(" [invalid number of groups]");
            return Ok(());
        }
        cx.s(" [gaddr ");
        cx.ipv4(super::bytes(b, at + 4, 4)?);
        let rt = get(b, at)?;
        match record_type(rt) {
            Some(name) => {
                cx.s(" ");
                cx.s(name);
            }
            None => {
                cx.s("  [v3-report-#");
                cx.dec(rt);
                cx.s("]");
            }
        }
        let sources = usize::from(get16(b, at + 2)?);
        if len < at + 8 + (sources << 2) {
            cx.s(" [invalid number of sources ");
            cx.dec(sources as u64);
            cx.s("]");
            return Ok(());
        }
        if cx.opts.verbose == 1 {
            cx.s(", ");
            cx.dec(sources as u64);
            cx.s(" source(s)");
        } else {
            cx.s(" {");
            for j in 0..sources {
                cx.s(" ");
                cx.ipv4(super::bytes(b, at + 8 + (j << 2), 4)?);
            }
            cx.s(" }");
        }
        at += 8 + (sources << 2);
        cx.s("]");
    }
    Ok(())
}

fn query_v3(cx: &mut Cx<'_>, b: &[u8], len: usize) -> R {
    cx.s(" v3");
    let mrc = u32::from(get(b, 1)?);
    let mrt = if mrc < 128 { mrc } else { ((mrc & 0x0f) | 0x10) << (((mrc & 0x70) >> 4) + 3) };
    if mrc != 100 {
        cx.s(" [max resp time ");
        if mrt < 600 {
            cx.dec(mrt / 10);
            cx.s(".");
            cx.dec(mrt % 10);
            cx.s("s");
        } else {
            relative_secs(cx, mrt / 10);
        }
        cx.s("]");
    }
    if super::bytes(b, 4, 4)? == [0, 0, 0, 0] {
        return Ok(());
    }
    group_if_set(cx, b, " [gaddr ", "")?;
    let sources = usize::from(get16(b, 10)?);
    if sources > 0 {
        if len < 12 + (sources << 2) {
            cx.s(" [invalid number of sources]");
        } else if cx.opts.verbose > 1 {
            cx.s(" {");
            for j in 0..sources {
                cx.s(" ");
                cx.ipv4(super::bytes(b, 12 + (j << 2), 4)?);
            }
            cx.s(" }");
        } else {
            cx.s(", ");
            cx.dec(sources as u64);
            cx.s(" source(s)");
        }
    }
    cx.s("]");
    Ok(())
}

/// tcpdump's `unsigned_relts_print`: 1h2m3s.
fn relative_secs(cx: &mut Cx<'_>, mut secs: u32) {
    if secs == 0 {
        cx.s("0s");
        return;
    }
    for (unit, name) in [(31_536_000, "y"), (604_800, "w"), (86_400, "d"), (3600, "h"), (60, "m"), (1, "s")] {
        if secs >= unit {
            cx.dec(secs / unit);
            cx.s(name);
            secs %= unit;
        }
    }
}

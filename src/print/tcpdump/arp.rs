//! ARP, RARP and InARP as tcpdump 4.99 prints them (`print-arp.c`):
//! `ARP, Request who-has 192.0.2.1 tell 192.0.2.2, length 28`. tcpdump never
//! labels a gratuitous ARP; neither does this printer (the analyzer does).

use super::{bytes, get16, Cx, Trunc, R};
use crate::print::names;
use crate::wire::arp::{self, OP_REPLY, OP_REQUEST};

const ETHERTYPE_IP: u16 = 0x0800;
const ETHERTYPE_TRAIL: u16 = 0x1000;
const HRD_FRELAY: u16 = 15;
const HRD_ATM: u16 = 19;

/// `b` is the ARP message as captured; `length` its length on the wire.
pub(super) fn print(cx: &mut Cx<'_>, b: &[u8], length: usize) -> R {
    cx.proto = "arp";
    bytes(b, 0, arp::HEADER_LEN)?;
    let Ok(p) = arp::Packet::new_checked(b) else { return Err(Trunc) };
    let (hrd, pro, op) = (p.htype(), p.ptype(), p.op());
    if hrd == HRD_ATM {
        return atm(cx, b, length);
    }
    let [sha, spa, tha, tpa] = p.addr_ranges();
    bytes(b, tpa.start, tpa.len())?;
    if !cx.opts.link_header {
        cx.s("ARP, ");
    }
    let ip_like = pro == ETHERTYPE_IP || pro == ETHERTYPE_TRAIL;
    if !ip_like || p.plen() != 4 || p.hlen() == 0 || cx.verbose() {
        hardware(cx, hrd);
        cx.s(" (len ");
        cx.dec(p.hlen() as u64);
        cx.s("), ");
        protocol(cx, pro);
        cx.s(" (len ");
        cx.dec(p.plen() as u64);
        cx.s(")");
        if !cx.verbose() {
            return finish(cx, length);
        }
    }
    if cx.verbose() {
        cx.s(", ");
    }
    // The operation and the word that follows it, in one piece.
    match op {
        OP_REQUEST => cx.s("Request who-has "),
        OP_REPLY => cx.s("Reply "),
        3 => cx.s("Reverse Request who-is "),
        8 => cx.s("Inverse Request who-is "),
        _ => {
            match names::arp_op(op) {
                Some(n) => cx.s(n),
                None => {
                    cx.s("Unknown (");
                    cx.dec(op);
                    cx.s(")");
                }
            }
            cx.s(" ");
        }
    }
    let frelay = hrd == HRD_FRELAY;
    let proto_addr = |cx: &mut Cx<'_>, r: std::ops::Range<usize>| -> R {
        if !ip_like {
            cx.s("<wrong proto type>");
        } else if r.len() != 4 {
            cx.s("<wrong len>");
        } else {
            cx.ipv4(bytes(b, r.start, 4)?);
        }
        Ok(())
    };
    let link_addr = |cx: &mut Cx<'_>, r: std::ops::Range<usize>| -> R {
        let a = bytes(b, r.start, r.len())?;
        if frelay && !a.is_empty() {
            q922(cx, a);
        } else {
            cx.mac(a);
        }
        Ok(())
    };
    match op {
        OP_REQUEST => {
            proto_addr(cx, tpa)?;
            if bytes(b, tha.start, tha.len())?.iter().any(|&x| x != 0) {
                cx.s(" (");
                link_addr(cx, tha)?;
                cx.s(")");
            }
            cx.s(" tell ");
            proto_addr(cx, spa)?;
        }
        OP_REPLY => {
            proto_addr(cx, spa)?;
            cx.s(" is-at ");
            link_addr(cx, sha)?;
        }
        3 | 8 => {
            link_addr(cx, tha)?;
            cx.s(" tell ");
            link_addr(cx, sha)?;
        }
        4 => {
            link_addr(cx, tha)?;
            cx.s(" at ");
            proto_addr(cx, tpa)?;
        }
        9 => {
            link_addr(cx, sha)?;
            cx.s(" at ");
            proto_addr(cx, spa)?;
        }
        _ => {
            cx.default_print(b);
            return Ok(());
        }
    }
    finish(cx, length)
}

fn finish(cx: &mut Cx<'_>, length: usize) -> R {
    cx.s(", length ");
    cx.dec(length as u64);
    Ok(())
}

fn hardware(cx: &mut Cx<'_>, hrd: u16) {
    match names::arp_hardware(hrd) {
        Some(n) => cx.s(n),
        None => {
            cx.s("Unknown Hardware (");
            cx.dec(hrd);
            cx.s(")");
        }
    }
}

fn protocol(cx: &mut Cx<'_>, pro: u16) {
    match names::ethertype(pro) {
        Some(n) => cx.s(n),
        None => {
            cx.s("Unknown Protocol (0x");
            cx.hex_pad(pro, 4);
            cx.s(")");
        }
    }
}

/// A Frame Relay Q.922 address as tcpdump names it (`q922_string`).
fn q922(cx: &mut Cx<'_>, a: &[u8]) {
    const EA: u8 = 0x01;
    let dlci = (|| {
        let b0 = *a.first()?;
        if b0 & EA != 0 {
            return Some(None);
        }
        let b1 = *a.get(1)?;
        let mut dlci = (u32::from(b0 & 0xfc) << 2) | u32::from((b1 & 0xf0) >> 4);
        if b1 & EA != 0 {
            return Some(Some(dlci));
        }
        let mut i = 2;
        let b2 = *a.get(i)?;
        if b2 & EA == 0 {
            dlci = (dlci << 7) | u32::from(b2 >> 1);
            i += 1;
        }
        let last = *a.get(i)?;
        if last & EA == 0 {
            return Some(None);
        }
        Some(Some((dlci << 6) | u32::from(last >> 2)))
    })();
    match dlci {
        Some(Some(d)) => {
            cx.s("DLCI ");
            cx.dec(d);
        }
        Some(None) => cx.s("<Invalid DLCI>"),
        None => cx.s("<Truncated>"),
    }
}

/// ATM ARP (RFC 2225), whose header gives each address its own length.
fn atm(cx: &mut Cx<'_>, b: &[u8], length: usize) -> R {
    const HDR: usize = 12;
    bytes(b, 0, HDR)?;
    let pro = get16(b, 2)?;
    let shl = usize::from(b[4] & 0x3f);
    let ssl = usize::from(b[5] & 0x3f);
    let op = get16(b, 6)?;
    let spl = usize::from(b[8]);
    let thl = usize::from(b[9] & 0x3f);
    let tsl = usize::from(b[10] & 0x3f);
    let tpl = usize::from(b[11]);
    let sha = HDR;
    let ssa = sha + shl;
    let spa = ssa + ssl;
    let tha = spa + spl;
    let tsa = tha + thl;
    let tpa = tsa + tsl;
    bytes(b, tpa, tpl)?;
    if !cx.opts.link_header {
        cx.s("ARP, ");
    }
    let ip_like = pro == ETHERTYPE_IP || pro == ETHERTYPE_TRAIL;
    if !ip_like || spl != 4 || tpl != 4 || cx.verbose() {
        hardware(cx, HRD_ATM);
        cx.s(", ");
        protocol(cx, pro);
        cx.s(" (len ");
        cx.dec(spl as u64);
        cx.s("/");
        cx.dec(tpl as u64);
        cx.s(")");
        if !cx.verbose() {
            return finish(cx, length);
        }
        cx.s(", ");
    }
    match names::arp_op(op) {
        Some(n) => cx.s(n),
        None => {
            cx.s("Unknown (");
            cx.dec(op);
            cx.s(")");
        }
    }
    cx.s(" ");
    let paddr = |cx: &mut Cx<'_>, at: usize, len: usize, wrong: &str| -> R {
        if !ip_like {
            cx.s("<wrong proto type>");
        } else if len != 4 {
            cx.s(wrong);
        } else {
            cx.ipv4(bytes(b, at, 4)?);
        }
        Ok(())
    };
    let haddr = |cx: &mut Cx<'_>, at: usize, len: usize, sub: usize, sublen: usize| -> R {
        if len == 0 {
            cx.s("<No address>");
        } else {
            cx.mac(bytes(b, at, len)?);
            if sublen != 0 {
                cx.s(",");
                cx.mac(bytes(b, sub, sublen)?);
            }
        }
        Ok(())
    };
    match op {
        OP_REQUEST => {
            cx.s("who-has ");
            paddr(cx, tpa, tpl, "<wrong tplen>")?;
            if thl != 0 {
                cx.s(" (");
                haddr(cx, tha, thl, tsa, tsl)?;
                cx.s(")");
            }
            cx.s(" tell ");
            paddr(cx, spa, spl, "<wrong splen>")?;
        }
        OP_REPLY => {
            paddr(cx, spa, spl, "<wrong splen>")?;
            cx.s(" is-at ");
            haddr(cx, sha, shl, ssa, ssl)?;
        }
        8 => {
            cx.s("who-is ");
            haddr(cx, tha, thl, tsa, tsl)?;
            cx.s(" tell ");
            haddr(cx, sha, shl, ssa, ssl)?;
        }
        9 => {
            haddr(cx, sha, shl, ssa, ssl)?;
            cx.s("at ");
            paddr(cx, spa, spl, "<wrong splen>")?;
        }
        10 => {
            cx.s("for ");
            paddr(cx, spa, spl, "<wrong splen>")?;
        }
        _ => {
            cx.default_print(b);
            return Ok(());
        }
    }
    finish(cx, length)
}

//! VRRP as tcpdump 4.99 prints it (`print-vrrp.c`):
//! `VRRPv2, Advertisement, vrid 51, prio 100, authtype simple, intvl 1s, length 20`,
//! and with `-v` the checksum verdict, the addresses and the simple auth string.

use super::ip::IpInfo;
use super::{bytes, get, get16, Compat, Cx, Trunc, R};
use crate::wire::vrrp::{field, ChecksumVariant, Family, Packet, HEADER_LEN};

/// `b` is the VRRP message as captured (cut at the IP length); `len` is the
/// length the IP header claims for it.
pub(super) fn print(cx: &mut Cx<'_>, b: &[u8], len: usize, ip: &IpInfo<'_>) -> R {
    cx.proto = "vrrp";
    let Ok(vt) = get(b, field::VER_TYPE) else {
        cx.s("VRRP");
        return Err(Trunc);
    };
    let (version, msg_type) = (vt >> 4, vt & 0x0f);
    match (version, msg_type) {
        (2, 1) => cx.s("VRRPv2, Advertisement"),
        (3, 1) => cx.s("VRRPv3, Advertisement"),
        (_, 1) => {
            cx.s("VRRPv");
            cx.dec(version);
            cx.s(", Advertisement");
        }
        _ => {
            cx.s("VRRPv");
            cx.dec(version);
            cx.s(", unknown type (");
            cx.dec(msg_type);
            cx.s(")");
        }
    }
    if ip.ttl != 255 {
        cx.s(", (ttl ");
        cx.dec(ip.ttl);
        cx.s(")");
    }
    if !(2..=3).contains(&version) || msg_type != 1 {
        return Ok(());
    }
    // tcpdump reads all of a print statement's fields before printing any
    // of it, so a short packet stops before the statement.
    let (vrid, prio) = (get(b, field::VRID)?, get(b, field::PRIORITY)?);
    cx.s(", vrid ");
    cx.dec(vrid);
    cx.s(", prio ");
    cx.dec(prio);
    let mut auth_type = 0;
    if version == 2 {
        auth_type = get(b, field::AUTH_TYPE)?;
        let intvl = get(b, field::ADVER_INT);
        match (auth_type, intvl.is_ok()) {
            (0, true) => cx.s(", authtype none, intvl "),
            (1, true) => cx.s(", authtype simple, intvl "),
            (2, true) => cx.s(", authtype ah, intvl "),
            (n, _) => {
                cx.s(", authtype ");
                match n {
                    0 => cx.s("none"),
                    1 => cx.s("simple"),
                    2 => cx.s("ah"),
                    n => {
                        cx.s("#");
                        cx.dec(n);
                    }
                }
                intvl?;
                cx.s(", intvl ");
            }
        }
        cx.dec(intvl?);
        cx.s("s, length ");
    } else {
        let r = field::MAX_ADVER_INT;
        let intvl = (u16::from(get(b, r.start)? & 0x0f) << 8) | u16::from(get(b, r.start + 1)?);
        cx.s(", intvl ");
        cx.dec(intvl);
        cx.s("cs, length ");
    }
    cx.dec(len as u64);
    if !cx.verbose() {
        return Ok(());
    }
    let naddrs = get(b, field::COUNT)?;
    if let Some(msg) = b.get(..len) {
        // tcpdump verifies only the RFC computation: v2 over the message, v3
        // with the pseudo-header. The other variants wire::vrrp recognises
        // are "bad" here, as they are for tcpdump.
        // A claimed length shorter than the header cannot hold a valid
        // checksum (and the view needs the header to read the version).
        let good = Packet::new_checked(msg).ok().and_then(|p| p.verify_checksum(ip.src(), ip.dst()));
        if good != Some(ChecksumVariant::Rfc) {
            let stored = get16(b, field::CHECKSUM.start)?;
            cx.s(", (bad vrrp cksum ");
            cx.hex(stored);
            cx.s(")");
        }
    }
    cx.s(", addrs");
    if naddrs > 1 {
        cx.s("(");
        cx.dec(naddrs);
        cx.s(")");
    }
    cx.s(":");
    let width = ip.family.addr_len();
    let mut at = HEADER_LEN;
    for i in 0..naddrs {
        let a = bytes(b, at, width)?;
        cx.s(if i == 0 { " " } else { "," });
        match ip.family {
            Family::Ipv4 => cx.ipv4(a),
            Family::Ipv6 => cx.ipv6(a),
        }
        at += width;
    }
    if version == 2 && auth_type == 1 {
        match cx.opts.compat {
            Compat::V4_99 => {
                cx.s(" auth \"");
                // Stops at the first NUL (the string is NUL-padded to 8 bytes).
                for i in 0..8 {
                    let c = get(b, at + i)?;
                    if c == 0 {
                        break;
                    }
                    printable(cx, c);
                }
            }
            Compat::V4_9 => {
                let auth = bytes(b, at, 8)?;
                cx.s(" auth \"");
                for &c in auth {
                    printable(cx, c);
                }
            }
        }
        cx.s("\"");
    }
    Ok(())
}

/// tcpdump's `fn_print_char`: `M-` for high bytes, `^X` for controls.
pub(super) fn printable(cx: &mut Cx<'_>, c: u8) {
    let mut c = c;
    if !c.is_ascii() {
        c &= 0x7f;
        cx.s("M-");
    }
    if !(0x20..0x7f).contains(&c) {
        c ^= 0x40;
        cx.s("^");
    }
    cx.out.push(c);
}

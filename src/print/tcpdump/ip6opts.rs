//! IPv6 hop-by-hop and destination options headers, as tcpdump 4.99
//! prints them (`print-ip6opts.c`): the options with `-v`, and the
//! ` [|hbhopt]` / ` [|dstopt]` note when a header or an option claims more
//! than the packet holds. Those notes do not end the packet's printing the
//! way a capture cut short does (`-x` still skips the link header).

use super::{get, Cx, R};

const PAD1: u8 = 0x00;
const PADN: u8 = 0x01;
const ROUTER_ALERT: u8 = 0x05;
const JUMBO: u8 = 0xc2;
const HOME_ADDRESS: u8 = 0xc9;
/// Whole lengths (type and length bytes included) of the fixed-size options.
const ROUTER_ALERT_LEN: usize = 4;
const JUMBO_LEN: usize = 6;
const HOME_ADDRESS_MIN_LEN: usize = 18;

/// What the hop-by-hop header's options say about the payload length.
pub(super) struct Jumbo {
    /// The IPv6 header's payload length, replaced by a valid Jumbo Payload
    /// option's (RFC 2675: only when the header's is 0).
    pub payload_len: u32,
    pub found: bool,
}

/// One options header at the start of `b` (the rest of the IPv6 payload,
/// cut at its claimed length): its length, or `None` after printing
/// ` [|hbhopt]` when the header or an option runs past the end. `jumbo` is
/// given for a hop-by-hop header, the only place a Jumbo Payload is valid.
pub(super) fn header(cx: &mut Cx<'_>, b: &[u8], jumbo: Option<&mut Jumbo>) -> R<Option<usize>> {
    let hbh = jumbo.is_some();
    cx.proto = if hbh { "hbhopt" } else { "dstopt" };
    let len = (usize::from(get(b, 1)?) + 1) * 8;
    let Some(h) = b.get(..len) else {
        cx.trunc_note();
        return Ok(None);
    };
    cx.s(if hbh { "HBH " } else { "DSTOPT " });
    // Destination options are looked at only with -v.
    if (hbh || cx.verbose()) && options(cx, &h[2..], jumbo).is_none() {
        cx.trunc_note();
        return Ok(None);
    }
    Ok(Some(len))
}

/// The options (tcpdump's `ip6_opt_process`): errors always, the options
/// themselves with -v. `None` when one is cut or malformed.
fn options(cx: &mut Cx<'_>, b: &[u8], mut jumbo: Option<&mut Jumbo>) -> Option<()> {
    let v = cx.verbose();
    let mut seen_jumbo = false;
    let mut i = 0;
    while i < b.len() {
        let kind = b[i];
        let optlen = if kind == PAD1 { 1 } else { usize::from(*b.get(i + 1)?) + 2 };
        let opt = b.get(i..i + optlen)?;
        let rest = b.len() - i;
        match kind {
            PAD1 if v => cx.s("(pad1)"),
            PADN if v => cx.s("(padn)"),
            ROUTER_ALERT => {
                if rest < ROUTER_ALERT_LEN {
                    cx.s("(rtalert: trunc)");
                    return None;
                }
                if optlen != ROUTER_ALERT_LEN {
                    invalid_len(cx, "rtalert", opt[1]);
                    return None;
                }
                if v {
                    cx.s("(rtalert: 0x");
                    cx.hex_pad(u16::from_be_bytes([opt[2], opt[3]]), 4);
                    cx.s(") ");
                }
            }
            JUMBO => {
                if rest < JUMBO_LEN {
                    cx.s("(jumbo: trunc)");
                    return None;
                }
                if optlen != JUMBO_LEN {
                    invalid_len(cx, "jumbo", opt[1]);
                    return None;
                }
                let value = u32::from_be_bytes([opt[2], opt[3], opt[4], opt[5]]);
                let verdict = if std::mem::replace(&mut seen_jumbo, true) {
                    Some(" - already seen")
                } else {
                    match jumbo.as_deref_mut() {
                        None => Some(" - not a hop-by-hop option"),
                        Some(j) if j.payload_len != 0 => Some(" - payload len != 0"),
                        Some(_) if value < 65_536 => Some(" - < 65536"),
                        Some(j) => {
                            j.found = true;
                            j.payload_len = value;
                            None
                        }
                    }
                };
                if v {
                    cx.s("(jumbo: ");
                    cx.dec(value);
                    cx.s(verdict.unwrap_or(""));
                    cx.s(") ");
                }
            }
            HOME_ADDRESS => {
                if rest < HOME_ADDRESS_MIN_LEN {
                    cx.s("(homeaddr: trunc)");
                    return None;
                }
                if optlen < HOME_ADDRESS_MIN_LEN {
                    invalid_len(cx, "homeaddr", opt[1]);
                    return None;
                }
                if v {
                    cx.s("(homeaddr: ");
                    cx.ipv6(&opt[2..18]);
                    sub_options(cx, &opt[18..])?;
                    cx.s(")");
                }
            }
            PAD1 | PADN => {}
            _ if v => {
                cx.s("(opt_type 0x");
                cx.hex_pad(kind, 2);
                cx.s(": len=");
                cx.dec(opt[1]);
                cx.s(")");
            }
            _ => {}
        }
        i += optlen;
    }
    if v && !b.is_empty() {
        cx.s(" ");
    }
    Some(())
}

fn invalid_len(cx: &mut Cx<'_>, what: &str, len: u8) {
    cx.s("(");
    cx.s(what);
    cx.s(": invalid len ");
    cx.dec(len);
    cx.s(")");
}

/// The sub-options of a Home Address option (`ip6_sopt_print`).
fn sub_options(cx: &mut Cx<'_>, b: &[u8]) -> Option<()> {
    let mut i = 0;
    while i < b.len() {
        let kind = b[i];
        let optlen = if kind == PAD1 { 1 } else { usize::from(*b.get(i + 1)?) + 2 };
        let opt = b.get(i..i + optlen)?;
        match kind {
            PAD1 => cx.s(", pad1"),
            PADN => cx.s(", padn"),
            _ => {
                cx.s(", sopt_type 0x");
                cx.hex_pad(kind, 2);
                cx.s(": len=");
                cx.dec(opt[1]);
            }
        }
        i += optlen;
    }
    Some(())
}

//! Literals on the right of a comparison, read by the type of the field on
//! the left, so `ip.src == 300.1.2.3` fails at parse time with a reason.

use super::lex::Op;
use crate::dissect::fields::{Def, Kind};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// Numbers, flags (0/1) and named values (by their number).
    Uint(u64),
    /// An address and a prefix length (32 or 128 for a single address).
    Ip(IpAddr, u8),
    Mac([u8; 6]),
    Bytes(Vec<u8>),
    /// Nanoseconds since 1970.
    Time(i128),
}

/// What a field of `kind` holds, in words.
pub fn describe(kind: Kind) -> String {
    match kind {
        Kind::Protocol => "nothing to compare: it is a protocol".into(),
        Kind::Uint | Kind::Hex16 => "a number, decimal or 0x hex".into(),
        Kind::Bool => "a flag: 1/0 or true/false".into(),
        Kind::Ipv4 => "an IPv4 address, optionally /prefix".into(),
        Kind::Ipv6 => "an IPv6 address, optionally /prefix".into(),
        Kind::Mac => "a MAC address like 00:00:5e:00:01:33".into(),
        Kind::Str => "a quoted string".into(),
        Kind::Enum(names) => {
            let names: Vec<&str> = names.iter().map(|n| n.1).collect();
            format!("one of {} (or its number)", names.join(", "))
        }
        Kind::Time => "seconds since 1970, like 1704067200.5".into(),
    }
}

fn expected(def: &Def) -> String {
    format!("({} holds {})", def.name, describe(def.kind))
}

/// An unquoted literal.
pub fn parse_word(def: &Def, op: Op, w: &str) -> Result<Literal, String> {
    let not_a = |what: &str| format!("'{w}' is not {what} {}", expected(def));
    match def.kind {
        Kind::Uint | Kind::Hex16 => uint(w).map(Literal::Uint).ok_or_else(|| not_a("a number")),
        Kind::Bool => match w.to_ascii_lowercase().as_str() {
            "1" | "true" => Ok(Literal::Uint(1)),
            "0" | "false" => Ok(Literal::Uint(0)),
            _ => Err(not_a("a flag")),
        },
        Kind::Ipv4 | Kind::Ipv6 => ip(def, op, w),
        Kind::Mac => mac(w).map(Literal::Mac).ok_or_else(|| not_a("a MAC address")),
        Kind::Str => Err(format!("'{w}' must be quoted: {} == \"{w}\"", def.name)),
        Kind::Enum(names) => uint(w)
            .or_else(|| names.iter().find(|n| n.1.eq_ignore_ascii_case(w)).map(|n| n.0))
            .map(Literal::Uint)
            .ok_or_else(|| format!("'{w}' is not a value of {}: expected {}", def.name, describe(def.kind))),
        Kind::Time => time(w).map(Literal::Time).ok_or_else(|| not_a("a time")),
        Kind::Protocol => Err(format!("'{}' is a protocol and cannot be compared", def.name)),
    }
}

/// A quoted literal: text for string fields; for the others, the same as
/// the unquoted form (`ip.src == "192.0.2.1"` is fine).
pub fn parse_str(def: &Def, op: Op, s: Vec<u8>) -> Result<Literal, String> {
    if def.kind == Kind::Str {
        return Ok(Literal::Bytes(s));
    }
    match std::str::from_utf8(&s) {
        Ok(w) => parse_word(def, op, w),
        Err(_) => Err(format!("that string is not text {}", expected(def))),
    }
}

fn uint(w: &str) -> Option<u64> {
    match w.strip_prefix("0x").or_else(|| w.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => w.parse().ok(),
    }
}

/// The field of the other address family, for "use ipv6.src" hints.
fn counterpart(name: &str) -> Option<String> {
    if let Some(rest) = name.strip_prefix("ipv6.") {
        return Some(format!("ip.{rest}"));
    }
    if let Some(rest) = name.strip_prefix("ip.") {
        return Some(format!("ipv6.{rest}"));
    }
    match name {
        "vrrp.ip_addr" => Some("vrrp.ipv6_addr".into()),
        "vrrp.ipv6_addr" => Some("vrrp.ip_addr".into()),
        _ => None,
    }
}

fn ip(def: &Def, op: Op, w: &str) -> Result<Literal, String> {
    let v6 = def.kind == Kind::Ipv6;
    let (addr, prefix) = match w.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (w, None),
    };
    let family = if v6 { "IPv6" } else { "IPv4" };
    let parsed: Option<IpAddr> =
        if v6 { addr.parse::<Ipv6Addr>().ok().map(IpAddr::V6) } else { addr.parse::<Ipv4Addr>().ok().map(IpAddr::V4) };
    let Some(parsed) = parsed else {
        let other_family = if v6 { addr.parse::<Ipv4Addr>().is_ok() } else { addr.parse::<Ipv6Addr>().is_ok() };
        return Err(match counterpart(def.name) {
            Some(other) if other_family => {
                format!("'{w}' is not an {family} address: {} holds {family} addresses; use {other}", def.name)
            }
            _ => format!("'{w}' is not an {family} address {}", expected(def)),
        });
    };
    let full: u8 = if v6 { 128 } else { 32 };
    let prefix = match prefix {
        None => full,
        Some(p) => p
            .parse::<u8>()
            .ok()
            .filter(|&p| p <= full)
            .ok_or_else(|| format!("'/{p}' is not a prefix length for an {family} address (0 to {full})"))?,
    };
    if prefix < full && !matches!(op, Op::Eq | Op::Ne) {
        return Err(format!("a subnet ('{w}') can only be compared with == or !="));
    }
    Ok(Literal::Ip(parsed, prefix))
}

/// `00:00:5e:00:01:33`, `00-00-5e-00-01-33` or `0000.5e00.0133`.
fn mac(w: &str) -> Option<[u8; 6]> {
    let hex: String = if w.len() == 14 && w.split('.').count() == 3 && w.split('.').all(|g| g.len() == 4) {
        w.split('.').collect()
    } else {
        let groups: Vec<&str> = w.split([':', '-']).collect();
        if groups.len() != 6 || groups.iter().any(|g| g.is_empty() || g.len() > 2) {
            return None;
        }
        groups.iter().map(|g| format!("{g:0>2}")).collect()
    };
    if hex.len() != 12 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 6];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// `1704067200` or `1704067200.123456789`, as nanoseconds.
fn time(w: &str) -> Option<i128> {
    let (secs, frac) = w.split_once('.').unwrap_or((w, ""));
    if secs.is_empty() || frac.len() > 9 || !secs.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: i128 = secs.parse().ok()?;
    let nanos: i128 = if frac.is_empty() { 0 } else { format!("{frac:0<9}").parse().ok()? };
    secs.checked_mul(1_000_000_000)?.checked_add(nanos)
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::dissect::fields::lookup;

    fn word(field: &str, w: &str) -> Result<Literal, String> {
        parse_word(lookup(field).unwrap(), Op::Eq, w)
    }

    #[test]
    fn numbers_flags_and_names() {
        assert_eq!(word("vrrp.prio", "100"), Ok(Literal::Uint(100)));
        assert_eq!(word("vrrp.checksum", "0xE92e"), Ok(Literal::Uint(0xe92e)));
        assert_eq!(word("arp.isgratuitous", "True"), Ok(Literal::Uint(1)));
        assert_eq!(word("vrrp.checksum.status", "GOOD"), Ok(Literal::Uint(1)));
        assert_eq!(word("vrrplab.checksum_variant", "v3_as_v2"), Ok(Literal::Uint(1)));
        assert!(word("vrrp.prio", "-1").is_err());
        assert!(word("vrrp.prio", "18446744073709551616").is_err());
    }

    #[test]
    fn addresses() {
        assert_eq!(word("ip.dst", "224.0.0.18"), Ok(Literal::Ip("224.0.0.18".parse().unwrap(), 32)));
        assert_eq!(word("ipv6.dst", "ff02::12"), Ok(Literal::Ip("ff02::12".parse().unwrap(), 128)));
        assert_eq!(word("ip.addr", "192.0.2.0/24"), Ok(Literal::Ip("192.0.2.0".parse().unwrap(), 24)));
        assert!(word("ip.addr", "192.0.2.0/33").unwrap_err().contains("prefix length"));
        assert!(word("vrrp.ip_addr", "2001:db8::1").unwrap_err().contains("use vrrp.ipv6_addr"));
        let vmac = [0, 0, 0x5e, 0, 1, 0x33];
        assert_eq!(word("eth.src", "00:00:5e:00:01:33"), Ok(Literal::Mac(vmac)));
        assert_eq!(word("eth.src", "0:0:5e:0:1:33"), Ok(Literal::Mac(vmac)));
        assert_eq!(word("eth.src", "0000.5e00.0133"), Ok(Literal::Mac(vmac)));
        assert!(word("eth.src", "00:00:5e:00:01").is_err());
        assert!(word("eth.src", "00:00:5e:00:01:3g").is_err());
    }

    #[test]
    fn strings_and_times() {
        let auth = lookup("vrrp.auth_string").unwrap();
        assert_eq!(parse_str(auth, Op::Eq, b"1111".to_vec()), Ok(Literal::Bytes(b"1111".to_vec())));
        assert_eq!(
            parse_str(lookup("ip.src").unwrap(), Op::Eq, b"192.0.2.1".to_vec()).unwrap(),
            Literal::Ip("192.0.2.1".parse().unwrap(), 32)
        );
        assert_eq!(word("frame.time_epoch", "1704067200.5"), Ok(Literal::Time(1_704_067_200_500_000_000)));
        assert_eq!(word("frame.time_epoch", "17"), Ok(Literal::Time(17_000_000_000)));
        assert!(word("frame.time_epoch", "1.2.3").is_err());
        assert!(word("frame.time_epoch", "1.0123456789").is_err());
    }
}

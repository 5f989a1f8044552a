//! Values of a scenario file: durations, addresses, MACs, and the source
//! text that turns byte spans into `file:line:column`.

use super::raw::RawRequests;
use super::LoadError;
use crate::scenario::conf::Span;
use crate::scenario::model::{IfAddr, Requests};
use ::toml::Spanned;
use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::path::Path;

pub struct Src<'a> {
    pub text: &'a str,
    pub path: &'a Path,
}

impl Src<'_> {
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset);
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    pub fn span(&self, range: &Range<usize>) -> Span {
        let (line, column) = self.line_col(range.start);
        Span {
            file: self.path.to_path_buf(),
            line,
            column,
        }
    }

    pub fn err(&self, range: Range<usize>, message: impl Into<String>) -> LoadError {
        LoadError::At {
            span: self.span(&range),
            message: message.into(),
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Locally administered, derived from the node's position: 02:00:00:00:HH:LL
/// with HHLL = index + 1, so the first node is 02:00:00:00:00:01.
pub fn default_mac(index: usize) -> [u8; 6] {
    let n = u16::try_from(index + 1).unwrap_or(u16::MAX).to_be_bytes();
    [0x02, 0, 0, 0, n[0], n[1]]
}

pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = s.split([':', '-']);
    for b in &mut mac {
        let p = parts.next()?;
        if p.len() != 2 {
            return None;
        }
        *b = u8::from_str_radix(p, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

pub fn if_addr(s: &str, span: &Range<usize>, src: &Src) -> Result<IfAddr, LoadError> {
    let bad = || {
        src.err(
            span.clone(),
            format!("expected an address like \"192.0.2.11/24\", found \"{s}\""),
        )
    };
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (
            a.parse::<IpAddr>().map_err(|_| bad())?,
            Some(p.parse::<u8>().map_err(|_| bad())?),
        ),
        None => (s.parse::<IpAddr>().map_err(|_| bad())?, None),
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = prefix.unwrap_or(max);
    if prefix > max {
        return Err(src.err(
            span.clone(),
            format!("prefix length {prefix} is too long for {addr}"),
        ));
    }
    Ok(IfAddr { addr, prefix })
}

pub fn ip(s: &Spanned<String>, src: &Src) -> Result<IpAddr, LoadError> {
    s.get_ref().parse().map_err(|_| {
        src.err(
            s.span(),
            format!("expected an IP address, found \"{}\"", s.get_ref()),
        )
    })
}

pub fn socket(s: &Spanned<String>, src: &Src) -> Result<SocketAddr, LoadError> {
    s.get_ref().parse().map_err(|_| {
        src.err(
            s.span(),
            format!(
                "expected an address and port like \"192.0.2.100:80\", found \"{}\"",
                s.get_ref()
            ),
        )
    })
}

pub fn requests(r: RawRequests, src: &Src) -> Result<Requests, LoadError> {
    Ok(Requests {
        to: socket(&r.to, src)?,
        count: r.count.unwrap_or(1),
        start_us: r
            .start
            .as_ref()
            .map(|s| duration(s, src))
            .transpose()?
            .unwrap_or(0),
        interval_us: r
            .interval
            .as_ref()
            .map(|s| duration(s, src))
            .transpose()?
            .unwrap_or(1_000_000),
    })
}

pub fn duration(s: &Spanned<String>, src: &Src) -> Result<u64, LoadError> {
    parse_duration(s.get_ref()).ok_or_else(|| {
        src.err(s.span(), format!("expected a duration like \"4s\", \"3500ms\", \"1.5s\", \"100us\" or \"2m\", found \"{}\"", s.get_ref()))
    })
}

/// `4s`, `3500ms`, `1.5s`, `100us`, `2m`, `1h` → µs, exactly (no floats).
pub fn parse_duration(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = s.split_at(split);
    let unit_us: u64 = match unit.trim() {
        "us" | "µs" => 1,
        "ms" => 1_000,
        "s" => 1_000_000,
        "m" | "min" => 60_000_000,
        "h" => 3_600_000_000,
        _ => return None,
    };
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if int.is_empty() || frac.contains('.') || (number.contains('.') && frac.is_empty()) {
        return None;
    }
    let whole = int.parse::<u64>().ok()?.checked_mul(unit_us)?;
    let mut part = 0u64;
    let mut scale = unit_us;
    for d in frac.bytes() {
        scale /= 10;
        if scale == 0 {
            // Finer than a microsecond: only zeros are exact.
            if d != b'0' {
                return None;
            }
            continue;
        }
        part += u64::from(d - b'0') * scale;
    }
    whole.checked_add(part)
}

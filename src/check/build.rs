//! From `key op value` pairs to an [`Expectation`]: the rules both forms
//! (`--expect` text and `[[expect]]` tables) share, so they accept exactly
//! the same things and report errors at the same places.

use super::expect::{family_of, Check, Compare, Expectation, Kind, Op, Scope};
use crate::analyze::report::{Cause, Family, Severity};
use std::borrow::Cow;
use std::net::IpAddr;
use std::time::Duration;

/// One `key op value` of an expectation, with byte offsets into its source.
#[derive(Debug, Clone)]
pub(crate) struct Arg<'a> {
    pub key: &'a str,
    pub key_at: usize,
    pub op: Op,
    pub op_at: usize,
    pub value: Cow<'a, str>,
    pub value_at: usize,
}

/// An error at a byte offset of the source; each form renders the offset its
/// own way (a caret under the `--expect` text, file:line:column for TOML).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SpanError {
    pub at: usize,
    pub message: String,
}

fn err<T>(at: usize, message: impl Into<String>) -> Result<T, SpanError> {
    Err(SpanError {
        at,
        message: message.into(),
    })
}

pub(crate) fn kind(name: &str, at: usize) -> Result<Kind, SpanError> {
    match Kind::from_name(name) {
        Some(k) => Ok(k),
        None => err(
            at,
            format!("unknown kind `{name}`; kinds: {}", Kind::names()),
        ),
    }
}

/// Parses an operator written before a value: `=`, `==`, `>=`, `<=`, `>`, `<`.
pub(crate) fn op(symbol: &str) -> Option<Op> {
    Some(match symbol {
        "=" | "==" => Op::Eq,
        ">=" => Op::Ge,
        "<=" => Op::Le,
        ">" => Op::Gt,
        "<" => Op::Lt,
        _ => return None,
    })
}

/// The values read so far, each with where its value was written.
#[derive(Default)]
struct Fields {
    scope: Scope,
    addrs: Vec<(&'static str, IpAddr, usize)>,
    cause: Option<Cause>,
    within: Option<Duration>,
    max: Option<Duration>,
    count: Option<Compare<u64>>,
    severity: Option<Compare<Severity>>,
    finding: Option<String>,
}

impl Fields {
    fn addr(&self, key: &str) -> Option<IpAddr> {
        self.addrs
            .iter()
            .find(|(k, ..)| *k == key)
            .map(|(_, a, _)| *a)
    }
}

/// Builds an expectation of `kind` from its arguments; `end` is where a
/// missing key is reported (the end of the text, or the table).
pub(crate) fn build(kind: Kind, args: &[Arg<'_>], end: usize) -> Result<Expectation, SpanError> {
    let mut f = Fields::default();
    for (i, a) in args.iter().enumerate() {
        let Some(&key) = kind.keys().iter().find(|k| **k == a.key) else {
            return err(
                a.key_at,
                format!(
                    "unknown key `{}` for {}; its keys: {}",
                    a.key,
                    kind.name(),
                    kind.keys().join(", ")
                ),
            );
        };
        if args[..i].iter().any(|b| b.key == key) {
            return err(a.key_at, format!("`{key}` given twice"));
        }
        let compares = matches!(key, "count" | "severity");
        if a.op != Op::Eq && !compares {
            return err(
                a.op_at,
                format!("`{key}` takes `=`, not `{}`", a.op.symbol()),
            );
        }
        set(&mut f, key, a).map_err(|message| SpanError {
            at: a.value_at,
            message,
        })?;
    }
    check_families(&f)?;
    let need = |v: Option<IpAddr>, key: &str| match v {
        Some(v) => Ok(v),
        None => err(end, format!("{} needs {key}=<address>", kind.name())),
    };
    let check = match kind {
        Kind::Master => Check::Master {
            initial: need(f.addr("initial"), "initial")?,
        },
        Kind::Failover => Check::Failover {
            to: f.addr("to"),
            from: f.addr("from"),
            cause: f.cause,
            within: f.within,
        },
        Kind::Takeover => match f.max {
            Some(max) => Check::Takeover { max },
            None => return err(end, "takeover needs max=<duration>, e.g. max=4s"),
        },
        Kind::NoSplitBrain => Check::NoSplitBrain,
        Kind::SplitBrain => Check::SplitBrain,
        Kind::GarpAfterTakeover => Check::GarpAfterTakeover {
            router: f.addr("router"),
            within: f.within,
            count: f.count,
        },
        Kind::FinalMaster => Check::FinalMaster {
            is: need(f.addr("is"), "is")?,
        },
        Kind::NoFindings => Check::NoFindings {
            severity: f.severity.unwrap_or(Compare {
                op: Op::Ge,
                value: Severity::Warn,
            }),
            kind: f.finding,
        },
    };
    Ok(Expectation {
        scope: f.scope,
        check,
    })
}

/// Addresses fix the family: they must agree with `family=` and each other.
fn check_families(f: &Fields) -> Result<(), SpanError> {
    let mut want = f.scope.family.map(|fam| (fam, "family=".to_string()));
    for &(key, addr, at) in &f.addrs {
        let fam = family_of(addr);
        match &want {
            Some((w, by)) if *w != fam => {
                return err(
                    at,
                    format!(
                        "{key}={addr} is {} but {by} is {}",
                        fam_name(fam),
                        fam_name(*w)
                    ),
                )
            }
            Some(_) => {}
            None => want = Some((fam, format!("{key}={addr}"))),
        }
    }
    Ok(())
}

fn fam_name(f: Family) -> &'static str {
    match f {
        Family::Ipv4 => "IPv4",
        Family::Ipv6 => "IPv6",
    }
}

fn set(f: &mut Fields, key: &'static str, a: &Arg<'_>) -> Result<(), String> {
    let v = a.value.as_ref();
    match key {
        "vrid" => f.scope.vrid = Some(vrid(v)?),
        "family" => {
            f.scope.family = Some(match v {
                "ipv4" => Family::Ipv4,
                "ipv6" => Family::Ipv6,
                _ => return Err(format!("family is ipv4 or ipv6, not `{v}`")),
            })
        }
        "version" => {
            f.scope.version = Some(match v {
                "2" => 2,
                "3" => 3,
                _ => return Err(format!("version is 2 or 3, not `{v}`")),
            })
        }
        "initial" | "is" | "to" | "from" | "router" => {
            let addr = v
                .parse()
                .map_err(|_| format!("`{v}` is not an IP address"))?;
            f.addrs.push((key, addr, a.value_at));
        }
        "cause" => {
            f.cause = Some(match v {
                "resign" => Cause::Resign,
                "timeout" => Cause::Timeout,
                "preempt" => Cause::Preempt,
                _ => return Err(format!("cause is resign, timeout or preempt, not `{v}`")),
            })
        }
        "within" => f.within = Some(duration(v)?),
        "max" => f.max = Some(duration(v)?),
        "count" => {
            let n = v
                .parse()
                .map_err(|_| format!("count is a whole number, not `{v}`"))?;
            f.count = Some(Compare { op: a.op, value: n });
        }
        "severity" => {
            let s = match v {
                "info" => Severity::Info,
                "warn" => Severity::Warn,
                "error" => Severity::Error,
                _ => return Err(format!("severity is info, warn or error, not `{v}`")),
            };
            f.severity = Some(Compare { op: a.op, value: s });
        }
        "kind" => {
            let ok = !v.is_empty()
                && v.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !ok {
                return Err(format!(
                    "kind is a finding kind such as garp_missing, not `{v}`"
                ));
            }
            f.finding = Some(v.to_string());
        }
        _ => return Err(format!("unknown key `{key}`")),
    }
    Ok(())
}

fn vrid(v: &str) -> Result<u8, String> {
    match v.parse::<u8>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("vrid is 1 to 255, not `{v}`")),
    }
}

/// `4s`, `3500ms`, `1.5s`, `250us` (or `µs`); exact to the microsecond,
/// since that is what captures measure.
pub(crate) fn duration(v: &str) -> Result<Duration, String> {
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let scale: u64 = match unit {
        "s" => 1_000_000,
        "ms" => 1000,
        "us" | "µs" => 1,
        "" => return Err(format!("`{v}` needs a unit: s, ms or us (e.g. 4s, 3500ms)")),
        _ => return Err(format!("unknown unit `{unit}` in `{v}`; units: s, ms, us")),
    };
    let (whole, frac) = num.split_once('.').unwrap_or((num, ""));
    let bad = || format!("`{v}` is not a duration (e.g. 4s, 1.5s, 3500ms, 250us)");
    if whole.is_empty() || (num.contains('.') && frac.is_empty()) || frac.contains('.') {
        return Err(bad());
    }
    let whole: u64 = whole.parse().map_err(|_| bad())?;
    let mut us = whole
        .checked_mul(scale)
        .ok_or_else(|| format!("`{v}` is too long"))?;
    // Each fraction digit is worth a tenth of the one before; a digit that
    // would fall below a microsecond must be zero.
    let mut place = scale;
    for d in frac.bytes().map(|b| u64::from(b - b'0')) {
        if place % 10 != 0 {
            if d != 0 {
                return Err(format!("`{v}` is finer than a microsecond"));
            }
            continue;
        }
        place /= 10;
        us = us
            .checked_add(d * place)
            .ok_or_else(|| format!("`{v}` is too long"))?;
    }
    Ok(Duration::from_micros(us))
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn durations() {
        let us = |v| duration(v).map(|d| d.as_micros());
        assert_eq!(us("4s"), Ok(4_000_000));
        assert_eq!(us("3500ms"), Ok(3_500_000));
        assert_eq!(us("1.5s"), Ok(1_500_000));
        assert_eq!(us("0.000001s"), Ok(1));
        assert_eq!(us("250us"), Ok(250));
        assert_eq!(us("250µs"), Ok(250));
        assert_eq!(us("1.25ms"), Ok(1250));
        assert_eq!(us("2.00us"), Ok(2));
        assert_eq!(us("0s"), Ok(0));
    }

    #[test]
    fn bad_durations() {
        for (v, msg) in [
            ("4", "`4` needs a unit: s, ms or us (e.g. 4s, 3500ms)"),
            ("4m", "unknown unit `m` in `4m`; units: s, ms, us"),
            ("1.5us", "`1.5us` is finer than a microsecond"),
            ("0.0000001s", "`0.0000001s` is finer than a microsecond"),
            (
                ".5s",
                "`.5s` is not a duration (e.g. 4s, 1.5s, 3500ms, 250us)",
            ),
            (
                "5.s",
                "`5.s` is not a duration (e.g. 4s, 1.5s, 3500ms, 250us)",
            ),
            (
                "1.2.3s",
                "`1.2.3s` is not a duration (e.g. 4s, 1.5s, 3500ms, 250us)",
            ),
            ("s", "`s` is not a duration (e.g. 4s, 1.5s, 3500ms, 250us)"),
            ("-4s", "unknown unit `-4s` in `-4s`; units: s, ms, us"),
            (
                "99999999999999999999s",
                "`99999999999999999999s` is not a duration (e.g. 4s, 1.5s, 3500ms, 250us)",
            ),
            ("99999999999999s", "`99999999999999s` is too long"),
        ] {
            assert_eq!(duration(v), Err(msg.to_string()), "{v}");
        }
    }
}

//! The `--expect` text form: `KIND key=value key>=value ...`, separated by
//! whitespace. Errors carry the column, shown under the text with a caret.

use super::build::{self, Arg, SpanError};
use super::expect::Expectation;
use std::borrow::Cow;
use std::fmt;

/// A bad `--expect`: where (1-based column, in characters) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub text: String,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bad expectation at column {}: {}\n  {}\n  {:>width$}",
            self.column,
            self.message,
            self.text,
            "^",
            width = self.column
        )
    }
}

impl std::error::Error for ParseError {}

impl std::str::FromStr for Expectation {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<Self, ParseError> {
        parse(text).map_err(|e| ParseError {
            text: text.to_string(),
            column: text[..e.at].chars().count() + 1,
            message: e.message,
        })
    }
}

fn parse(text: &str) -> Result<Expectation, SpanError> {
    let mut words = words(text);
    let Some((kind_at, kind)) = words.next() else {
        return Err(SpanError {
            at: text.len(),
            message: format!("empty expectation; kinds: {}", super::Kind::names()),
        });
    };
    let kind = build::kind(kind, kind_at)?;
    let args = words
        .map(|(at, w)| arg(at, w))
        .collect::<Result<Vec<_>, _>>()?;
    build::build(kind, &args, text.len())
}

/// The whitespace-separated words of `text`, with their byte offsets.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_whitespace()
        .map(move |w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
}

/// Splits `key>=value` at its operator.
fn arg(at: usize, word: &str) -> Result<Arg<'_>, SpanError> {
    let is_op = |c: char| matches!(c, '=' | '<' | '>' | '!');
    let Some(op_start) = word.find(is_op) else {
        return Err(SpanError {
            at,
            message: format!("expected key=value, not `{word}`"),
        });
    };
    let op_end = word[op_start..]
        .find(|c| !is_op(c))
        .map_or(word.len(), |i| op_start + i);
    let (key, symbol, value) = (&word[..op_start], &word[op_start..op_end], &word[op_end..]);
    if key.is_empty() {
        return Err(SpanError {
            at,
            message: format!("expected key=value, not `{word}`"),
        });
    }
    let Some(op) = build::op(symbol) else {
        return Err(SpanError {
            at: at + op_start,
            message: format!("unknown operator `{symbol}`; operators: =, >=, <=, >, <"),
        });
    };
    if value.is_empty() {
        return Err(SpanError {
            at: at + op_end,
            message: format!("`{key}` needs a value after `{symbol}`"),
        });
    }
    Ok(Arg {
        key,
        key_at: at,
        op,
        op_at: at + op_start,
        value: Cow::Borrowed(value),
        value_at: at + op_end,
    })
}

#[cfg(test)]
mod test {
    use super::super::expect::{Check, Compare, Op, Scope};
    use super::*;
    use crate::analyze::report::{Cause, Family, Severity};
    use std::time::Duration;

    fn ok(text: &str) -> Expectation {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn bad(text: &str) -> (usize, String) {
        let e = text.parse::<Expectation>().expect_err(text);
        (e.column, e.message)
    }

    #[test]
    fn every_kind_parses_and_prints_back() {
        for text in [
            "master vrid=51 initial=192.0.2.11",
            "failover vrid=51 to=192.0.2.12 within=4s",
            "failover vrid=51 family=ipv6 version=3 to=fe80::2 from=fe80::1 cause=timeout within=3500ms",
            "takeover vrid=51 max=4s",
            "no-split-brain",
            "no-split-brain vrid=51",
            "split-brain vrid=51 version=2",
            "garp-after-takeover vrid=51 within=1s count>=5",
            "garp-after-takeover version=3 router=2001:db8::2 within=1500ms count<3",
            "garp-after-takeover router=192.0.2.12 count=10",
            "final-master vrid=51 is=192.0.2.11",
            "no-findings severity>=warn",
            "no-findings vrid=51 family=ipv4 severity=error kind=garp_missing",
        ] {
            assert_eq!(ok(text).to_string(), text);
        }
    }

    #[test]
    fn values() {
        assert_eq!(
            ok("failover  vrid=51\tto=192.0.2.12 within=1.5s cause=resign"),
            Expectation {
                scope: Scope {
                    vrid: Some(51),
                    family: None,
                    version: None
                },
                check: Check::Failover {
                    to: Some("192.0.2.12".parse().unwrap()),
                    from: None,
                    cause: Some(Cause::Resign),
                    within: Some(Duration::from_millis(1500)),
                },
            }
        );
        let garp = ok("garp-after-takeover count<=3");
        assert_eq!(
            garp.check,
            Check::GarpAfterTakeover {
                router: None,
                within: None,
                count: Some(Compare {
                    op: Op::Le,
                    value: 3
                })
            }
        );
        assert_eq!(
            ok("no-findings").check,
            ok("no-findings severity>=warn").check
        );
        assert_eq!(
            ok("no-findings severity>error").check,
            Check::NoFindings {
                severity: Compare {
                    op: Op::Gt,
                    value: Severity::Error
                },
                kind: None
            }
        );
        assert_eq!(
            ok("garp-after-takeover count==5").to_string(),
            "garp-after-takeover count=5"
        );
        assert_eq!(ok("takeover max=250us").to_string(), "takeover max=250us");
    }

    #[test]
    fn router_address_fixes_the_family() {
        assert_eq!(
            ok("final-master is=2001:db8::1").family(),
            Some(Family::Ipv6)
        );
        assert_eq!(ok("final-master is=192.0.2.1").family(), Some(Family::Ipv4));
        assert_eq!(ok("takeover max=1s").family(), None);
        assert_eq!(
            ok("no-split-brain family=ipv6").family(),
            Some(Family::Ipv6)
        );
    }

    #[test]
    fn errors_point_at_the_column() {
        let kinds = "kinds: master, failover, takeover, no-split-brain, split-brain, \
                     garp-after-takeover, final-master, no-findings";
        let cases: &[(&str, usize, String)] = &[
            ("failovr vrid=51", 1, format!("unknown kind `failovr`; {kinds}")),
            ("  failovr", 3, format!("unknown kind `failovr`; {kinds}")),
            ("", 1, format!("empty expectation; {kinds}")),
            ("   ", 4, format!("empty expectation; {kinds}")),
            (
                "failover vrid=51 to=192.0.2.12 withn=4s",
                32,
                "unknown key `withn` for failover; its keys: vrid, family, version, to, from, cause, within".into(),
            ),
            ("failover vrid=51 to=192.0.2.12 within=4", 39, "`4` needs a unit: s, ms or us (e.g. 4s, 3500ms)".into()),
            ("failover vrid=256", 15, "vrid is 1 to 255, not `256`".into()),
            ("failover vrid=0", 15, "vrid is 1 to 255, not `0`".into()),
            ("failover to=192.0.2.300", 13, "`192.0.2.300` is not an IP address".into()),
            ("failover 51", 10, "expected key=value, not `51`".into()),
            ("failover =51", 10, "expected key=value, not `=51`".into()),
            ("failover vrid=", 15, "`vrid` needs a value after `=`".into()),
            ("failover vrid>=51", 14, "`vrid` takes `=`, not `>=`".into()),
            ("garp-after-takeover count!=5", 26, "unknown operator `!=`; operators: =, >=, <=, >, <".into()),
            ("garp-after-takeover count=>5", 26, "unknown operator `=>`; operators: =, >=, <=, >, <".into()),
            ("garp-after-takeover count>=five", 28, "count is a whole number, not `five`".into()),
            ("master vrid=51", 15, "master needs initial=<address>".into()),
            ("final-master vrid=51", 21, "final-master needs is=<address>".into()),
            ("takeover vrid=51", 17, "takeover needs max=<duration>, e.g. max=4s".into()),
            ("takeover max=1s max=2s", 17, "`max` given twice".into()),
            ("split-brain family=ipv5", 20, "family is ipv4 or ipv6, not `ipv5`".into()),
            ("split-brain version=4", 21, "version is 2 or 3, not `4`".into()),
            (
                "no-findings version=3",
                13,
                "unknown key `version` for no-findings; its keys: vrid, family, severity, kind".into(),
            ),
            ("failover cause=initial", 16, "cause is resign, timeout or preempt, not `initial`".into()),
            ("no-findings severity>=fatal", 23, "severity is info, warn or error, not `fatal`".into()),
            (
                "no-findings kind=Split-Brain",
                18,
                "kind is a finding kind such as garp_missing, not `Split-Brain`".into(),
            ),
            ("failover family=ipv6 to=192.0.2.12", 25, "to=192.0.2.12 is IPv4 but family= is IPv6".into()),
            ("failover to=192.0.2.12 from=fe80::1", 29, "from=fe80::1 is IPv6 but to=192.0.2.12 is IPv4".into()),
            // Columns count characters, not bytes.
            ("takeover max=1µs vrid=x", 23, "vrid is 1 to 255, not `x`".into()),
        ];
        for (text, column, message) in cases {
            assert_eq!(bad(text), (*column, message.clone()), "{text}");
        }
    }

    #[test]
    fn error_display_has_a_caret_under_the_column() {
        let e = "failover vrid=51 withn=4s"
            .parse::<Expectation>()
            .unwrap_err();
        let text = e.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[0].starts_with("bad expectation at column 18: unknown key `withn`"),
            "{text}"
        );
        assert_eq!(lines[1], "  failover vrid=51 withn=4s");
        assert_eq!(lines[2], "                   ^");
        assert_eq!(lines[1].find('w'), lines[2].find('^'));
    }
}

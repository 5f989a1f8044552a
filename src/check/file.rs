//! The `--expect-file` form: a TOML file of `[[expect]]` tables, one per
//! expectation, with the same kinds and keys as the text form:
//!
//! ```toml
//! [[expect]]
//! kind = "failover"
//! vrid = 51
//! to = "192.0.2.12"
//! within = "4s"
//!
//! [[expect]]
//! kind = "garp-after-takeover"
//! count = ">=5"        # a comparison is written at the start of the string
//! ```
//!
//! Numbers may be TOML integers or strings; durations, addresses and names
//! are strings. Errors name file:line:column.

use super::build::{self, Arg, SpanError};
use super::expect::{Expectation, Op};
use std::borrow::Cow;
use std::fmt;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// A bad expectation file: where (1-based line and column) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for FileError {}

/// Parses the text of an expectation file; `path` only names it in errors.
pub fn parse_file(path: &str, text: &str) -> Result<Vec<Expectation>, FileError> {
    parse(text).map_err(|e| {
        let before = &text[..e.at.min(text.len())];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        FileError {
            path: path.to_string(),
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
            message: e.message,
        }
    })
}

fn parse(text: &str) -> Result<Vec<Expectation>, SpanError> {
    let doc = DeTable::parse(text).map_err(|e| SpanError {
        at: e.span().map_or(0, |s| s.start),
        message: e.message().trim_end().to_string(),
    })?;
    let doc = doc.get_ref();
    if let Some((key, _)) = doc.iter().find(|(k, _)| k.get_ref() != "expect") {
        return Err(SpanError {
            at: key.span().start,
            message: format!(
                "unknown table `{}`; the file holds [[expect]] tables",
                key.get_ref()
            ),
        });
    }
    let Some(tables) = doc.get("expect") else {
        return Err(SpanError {
            at: 0,
            message: "no [[expect]] tables".into(),
        });
    };
    let DeValue::Array(tables) = tables.get_ref() else {
        return Err(SpanError {
            at: tables.span().start,
            message: "`expect` must be [[expect]] tables".into(),
        });
    };
    tables.iter().map(expectation).collect()
}

fn expectation(table: &Spanned<DeValue<'_>>) -> Result<Expectation, SpanError> {
    let DeValue::Table(entries) = table.get_ref() else {
        return Err(SpanError {
            at: table.span().start,
            message: "`expect` must be [[expect]] tables".into(),
        });
    };
    let Some((kind_key, kind)) = entries.iter().find(|(k, _)| k.get_ref() == "kind") else {
        return Err(SpanError {
            at: table.span().start,
            message: format!(
                "[[expect]] needs kind = \"...\"; kinds: {}",
                super::Kind::names()
            ),
        });
    };
    let DeValue::String(name) = kind.get_ref() else {
        return Err(SpanError {
            at: kind.span().start,
            message: "kind must be a string".into(),
        });
    };
    let kind = build::kind(name, kind.span().start)?;
    let mut args = entries
        .iter()
        .filter(|(k, _)| k != &kind_key)
        .map(|(k, v)| arg(k, v))
        .collect::<Result<Vec<_>, _>>()?;
    // The table is sorted by key; report the first error in file order.
    args.sort_by_key(|a| a.key_at);
    build::build(kind, &args, table.span().start)
}

/// A TOML entry as `key op value`: integers as their text, strings with an
/// optional leading operator (`">=5"`).
fn arg<'a>(
    key: &'a Spanned<Cow<'a, str>>,
    value: &'a Spanned<DeValue<'a>>,
) -> Result<Arg<'a>, SpanError> {
    let at = value.span().start;
    let (op, text) = match value.get_ref() {
        DeValue::Integer(i) if i.radix() == 10 => (Op::Eq, Cow::Borrowed(i.as_str())),
        DeValue::Integer(_) => {
            return Err(SpanError {
                at,
                message: format!("write `{}` in decimal", key.get_ref()),
            });
        }
        DeValue::String(s) => {
            let end = s
                .find(|c| !matches!(c, '=' | '<' | '>' | '!'))
                .unwrap_or(s.len());
            let op = if end == 0 {
                Op::Eq
            } else {
                build::op(&s[..end]).ok_or_else(|| SpanError {
                    at,
                    message: format!(
                        "unknown operator `{}`; operators: =, >=, <=, >, <",
                        &s[..end]
                    ),
                })?
            };
            (op, Cow::Borrowed(&s[end..]))
        }
        other => {
            return Err(SpanError {
                at,
                message: format!(
                    "`{}` must be a string or an integer, found {}",
                    key.get_ref(),
                    other.type_str()
                ),
            })
        }
    };
    Ok(Arg {
        key: key.get_ref(),
        key_at: key.span().start,
        op,
        op_at: at,
        value: text,
        value_at: at,
    })
}

#[cfg(test)]
mod test {
    use super::*;

    fn ok(text: &str) -> Vec<String> {
        parse_file("x.toml", text)
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    fn bad(text: &str) -> String {
        parse_file("x.toml", text).expect_err(text).to_string()
    }

    #[test]
    fn the_same_kinds_as_the_text_form() {
        let text = r#"
[[expect]]
kind = "failover"
vrid = 51
to = "192.0.2.12"
within = "4s"

[[expect]]
kind = "garp-after-takeover"
vrid = "51"
within = "1s"
count = ">=5"

[[expect]]
kind = "no-findings"
severity = ">=warn"

[[expect]]
kind = "no-split-brain"
"#;
        assert_eq!(
            ok(text),
            [
                "failover vrid=51 to=192.0.2.12 within=4s",
                "garp-after-takeover vrid=51 within=1s count>=5",
                "no-findings severity>=warn",
                "no-split-brain",
            ]
        );
        assert_eq!(
            ok("[[expect]]\nkind = \"garp-after-takeover\"\ncount = 10\n"),
            ["garp-after-takeover count=10"]
        );
        assert_eq!(
            ok("expect = [{kind = \"split-brain\", vrid = 7}]"),
            ["split-brain vrid=7"]
        );
    }

    #[test]
    fn errors_name_line_and_column() {
        for (text, want) in [
            ("[[expect]]\nkind = \"failover\"\nwithin = \"4\"\n", "x.toml:3:10: `4` needs a unit: s, ms or us (e.g. 4s, 3500ms)"),
            (
                "[[expect]]\nkind = \"failovr\"\n",
                "x.toml:2:8: unknown kind `failovr`; kinds: master, failover, takeover, no-split-brain, \
                 split-brain, garp-after-takeover, final-master, no-findings",
            ),
            (
                "[[expect]]\nkind = \"failover\"\nwithn = \"4s\"\n",
                "x.toml:3:1: unknown key `withn` for failover; its keys: vrid, family, version, to, from, cause, within",
            ),
            ("[[expect]]\nkind = \"failover\"\nvrid = 300\n", "x.toml:3:8: vrid is 1 to 255, not `300`"),
            ("[[expect]]\nkind = \"failover\"\nvrid = 0x33\n", "x.toml:3:8: write `vrid` in decimal"),
            ("[[expect]]\nkind = \"takeover\"\nmax = 4\n", "x.toml:3:7: `4` needs a unit: s, ms or us (e.g. 4s, 3500ms)"),
            ("[[expect]]\nkind = \"takeover\"\nmax = true\n", "x.toml:3:7: `max` must be a string or an integer, found boolean"),
            ("[[expect]]\nkind = \"failover\"\nvrid = \">=5\"\n", "x.toml:3:8: `vrid` takes `=`, not `>=`"),
            ("[[expect]]\nkind = \"garp-after-takeover\"\ncount = \"=>5\"\n", "x.toml:3:9: unknown operator `=>`; operators: =, >=, <=, >, <"),
            ("[[expect]]\nkind = 5\n", "x.toml:2:8: kind must be a string"),
            ("[[expect]]\nvrid = 5\n", "x.toml:1:1: [[expect]] needs kind = \"...\"; kinds: master, failover, takeover, no-split-brain, split-brain, garp-after-takeover, final-master, no-findings"),
            ("[[expects]]\nkind = \"failover\"\n", "x.toml:1:3: unknown table `expects`; the file holds [[expect]] tables"),
            ("", "x.toml:1:1: no [[expect]] tables"),
            ("expect = 5\n", "x.toml:1:10: `expect` must be [[expect]] tables"),
            ("[[expect]]\nkind = \"master\"\n", "x.toml:1:1: master needs initial=<address>"),
        ] {
            assert_eq!(bad(text), want, "{text}");
        }
    }

    #[test]
    fn toml_syntax_errors_name_line_and_column() {
        let e = parse_file("x.toml", "[[expect]]\nkind = \"failover\nvrid = 51\n").unwrap_err();
        assert_eq!((e.path.as_str(), e.line), ("x.toml", 2), "{e}");
        assert!(e.column > 1, "{e}");
        let e = parse_file(
            "x.toml",
            "[[expect]]\nkind = \"failover\"\nkind = \"master\"\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 3, "{e}");
    }
}

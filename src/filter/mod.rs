//! Display filters over the Wireshark field names of [`crate::dissect::fields`]
//! (`vrrp.virt_rtr_id == 51 && vrrp.prio < 100`, `arp.isgratuitous`,
//! `ip.addr == 192.0.2.0/24`). Parsed once; matching a frame allocates nothing.
//!
//! Semantics follow Wireshark's: a comparison holds when any value of the
//! field satisfies it (`ip.addr` is the source and the destination);
//! `a != b` holds when the field is present and no value equals `b`; a bare
//! name tests presence, and a flag (`arp.isgratuitous`) tests that it is set.

mod eval;
mod lex;
mod literal;
mod parse;

use crate::dissect::FrameRef;
use std::fmt;

/// A parsed display filter.
#[derive(Debug, Clone)]
pub struct Filter {
    expr: parse::Expr,
    source: String,
}

impl Filter {
    pub fn parse(source: &str) -> Result<Filter, Error> {
        Ok(Filter { expr: parse::parse(source)?, source: source.to_owned() })
    }

    pub fn matches(&self, f: &FrameRef) -> bool {
        eval::eval(&self.expr, f)
    }

    pub fn source(&self) -> &str {
        &self.source
    }
}

impl std::str::FromStr for Filter {
    type Err = Error;
    fn from_str(s: &str) -> Result<Filter, Error> {
        Filter::parse(s)
    }
}

/// A filter that does not parse: where and why. Displayed with the filter
/// and a caret under the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
    source: String,
}

impl Error {
    fn at(source: &str, byte: usize, message: impl Into<String>) -> Error {
        let byte = byte.min(source.len());
        let column = source.char_indices().take_while(|&(i, _)| i < byte).count() + 1;
        Error { column, message: message.into(), source: source.to_owned() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self.source.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        write!(f, "column {}: {}\n    {}\n    {}^", self.column, self.message, shown, " ".repeat(self.column - 1))
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn error_shows_a_caret_under_the_column() {
        let e = Filter::parse("vrrp.prio == ").unwrap_err();
        assert_eq!(
            e.to_string(),
            "column 14: expected a value after '==' (vrrp.prio holds a number, decimal or 0x hex)\n    vrrp.prio == \n                 ^"
        );
        let e = Filter::parse("vrrp.auth_string == \"é\" && bogus").unwrap_err();
        assert_eq!(e.column, 28);
        assert!(
            e.to_string().ends_with("\n    vrrp.auth_string == \"é\" && bogus\n                               ^"),
            "{e}"
        );
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics(s in "\\PC{0,60}") {
            let _ = Filter::parse(&s);
        }

        #[test]
        fn parser_never_panics_on_filter_like_text(
            s in "([!()&|=<> \"]|vrrp(\\.prio)?|ip\\.src|eth\\.src|arp|0x1f|192\\.0\\.2\\.1(/24)?|and|not|[0-9a-f:.]{1,6}){0,24}"
        ) {
            if let Err(e) = Filter::parse(&s) {
                proptest::prop_assert!(e.column >= 1 && e.column <= s.chars().count() + 1);
                let _ = e.to_string();
            }
        }
    }
}

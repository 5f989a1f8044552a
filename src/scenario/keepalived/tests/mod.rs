//! Tests of the keepalived.conf importer: lexing, includes, each section's
//! keywords, and the exact position of each error.

mod errors;
mod includes;
mod lexing;
mod sections;

use super::{parse_str, ConfError};
use crate::scenario::conf::KeepalivedConf;
use std::path::Path;

/// Parses `text` as `t.conf`, panicking on an error (tests only).
fn conf(text: &str) -> KeepalivedConf {
    parse_str(text, Path::new("t.conf"), 1).unwrap_or_else(|e| panic!("unexpected error: {e}"))
}

/// The error for `text`, as `file:line:column: message`.
fn err(text: &str) -> String {
    match parse_str(text, Path::new("t.conf"), 1) {
        Ok(c) => panic!("expected an error, got {c:#?}"),
        Err(ConfError { span, message }) => format!("{span}: {message}"),
    }
}

/// The warnings for `text`, one `line:column: message` each.
fn warnings(text: &str) -> Vec<String> {
    conf(text)
        .warnings
        .iter()
        .map(|w| format!("{}:{}: {}", w.span.line, w.span.column, w.message))
        .collect()
}

/// A minimal valid instance around `body`.
fn instance(body: &str) -> String {
    format!("vrrp_instance VI_1 {{\n virtual_router_id 51\n virtual_ipaddress {{\n  192.0.2.1\n }}\n{body}\n}}\n")
}

mod never_panics {
    use super::super::parse_str;
    use proptest::prelude::*;
    use std::path::Path;

    /// Pieces that reach every branch of the lexer and the sections.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "vrrp_instance",
                "vrrp_script",
                "vrrp_sync_group",
                "virtual_server",
                "real_server",
                "global_defs",
                "TCP_CHECK",
                "HTTP_GET",
                "url",
                "path",
                "group",
                "virtual_ipaddress",
                "track_script",
                "track_interface",
                "unicast_peer",
                "authentication",
                "auth_type",
                "auth_pass",
                "PASS",
                "state",
                "MASTER",
                "priority",
                "virtual_router_id",
                "advert_int",
                "weight",
                "reverse",
                "fwmark",
                "include",
                "protocol",
                "lb_kind",
                "persistence_timeout",
                "dev",
                "brd",
                "scope",
                "label",
                "min_ttl",
                "nopreempt",
                "script",
                "interval",
                "192.0.2.1",
                "192.0.2.1/24",
                "2001:db8::1",
                "80",
                "0",
                "255",
                "-254",
                "1.5",
                "99999999999999999999",
                "{",
                "}",
                "\"",
                "\\",
                "#",
                "!",
                "\n",
                " ",
                "\t",
                "\r\n",
                "VI_1",
                "chk",
                "\u{4f18}",
            ])
            .prop_map(str::to_string),
            "[ -~]{0,8}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn keyword_soup(pieces in prop::collection::vec(piece(), 0..60)) {
            let text = pieces.join(" ");
            let _ = parse_str(&text, Path::new("p.conf"), 1);
        }

        #[test]
        fn arbitrary_text(text in "\\PC{0,300}") {
            let _ = parse_str(&text, Path::new("p.conf"), 1);
        }
    }
}

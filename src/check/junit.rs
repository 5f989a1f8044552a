//! Verdicts as JUnit XML, the test report format GitLab (`artifacts:reports:junit`)
//! and Jenkins (`junit` step) read: one `<testsuite>` for the run, one
//! `<testcase>` per expectation, a `<failure>` for each that failed.

use super::eval::Verdict;
use super::output::{frames_text, Summary};
use std::io::{self, Write};

/// Writes the report; `suite` names the run (e.g. the captures checked),
/// `time_s` is how long reading and checking took.
pub fn write_junit(w: &mut impl Write, suite: &str, verdicts: &[Verdict], time_s: f64) -> io::Result<()> {
    let s = Summary::of(verdicts);
    let (tests, failures) = (s.total(), s.failed);
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(w, r#"<testsuites name="vrrplab check" tests="{tests}" failures="{failures}" errors="0" time="{time_s:.3}">"#)?;
    writeln!(
        w,
        r#"  <testsuite name="{}" tests="{tests}" failures="{failures}" errors="0" skipped="0" time="{time_s:.3}">"#,
        escape(suite, true)
    )?;
    for v in verdicts {
        let kind = v.expectation.kind().name();
        let name = escape(&v.expectation.to_string(), true);
        let details = format!("expected: {}\nseen: {}{}", v.expectation, v.seen, frames_text(&v.frames));
        writeln!(w, r#"    <testcase classname="vrrplab.check.{kind}" name="{name}" time="0">"#)?;
        if v.passed {
            writeln!(w, "      <system-out>{}</system-out>", escape(&details, false))?;
        } else {
            writeln!(
                w,
                r#"      <failure message="{}" type="{kind}">{}</failure>"#,
                escape(&v.seen, true),
                escape(&details, false)
            )?;
        }
        writeln!(w, "    </testcase>")?;
    }
    writeln!(w, "  </testsuite>")?;
    writeln!(w, "</testsuites>")
}

/// Escapes markup, and replaces characters XML 1.0 cannot hold (controls
/// such as the NULs of a VRRPv2 auth string) with U+FFFD. In attributes,
/// line breaks and tabs become character references so they survive
/// attribute-value normalization.
fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\t' | '\n' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
    out
}

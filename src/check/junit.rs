//! Verdicts as JUnit XML, the test report format GitLab (`artifacts:reports:junit`)
//! and Jenkins (`junit` step) read: one `<testsuite>` for the run, one
//! `<testcase>` per expectation, a `<failure>` for each that failed.

use super::eval::Verdict;
use super::expect::Expectation;
use super::output::frames_text;
use std::io::{self, Write};

/// Writes the report; `suite` names the run (e.g. the captures checked),
/// `time_s` is how long reading and checking took.
pub fn write_junit(
    w: &mut impl Write,
    suite: &str,
    verdicts: &[Verdict],
    time_s: f64,
) -> io::Result<()> {
    let cases = verdicts.iter().map(|v| {
        let details = format!(
            "expected: {}\nseen: {}{}",
            v.expectation,
            v.seen,
            frames_text(&v.frames)
        );
        let outcome = if v.passed {
            Outcome::Passed(details)
        } else {
            Outcome::Failed(&v.seen, details)
        };
        (&v.expectation, outcome)
    });
    write(w, suite, cases.collect(), time_s)
}

/// Writes a report in which every expectation is an error, for when the
/// captures could not be read: the CI test view then says why.
pub fn write_junit_error(
    w: &mut impl Write,
    suite: &str,
    expectations: &[Expectation],
    error: &str,
    time_s: f64,
) -> io::Result<()> {
    write(
        w,
        suite,
        expectations
            .iter()
            .map(|e| (e, Outcome::Error(error)))
            .collect(),
        time_s,
    )
}

enum Outcome<'a> {
    Passed(String),
    /// The message (what was seen), and the details.
    Failed(&'a str, String),
    Error(&'a str),
}

fn write(
    w: &mut impl Write,
    suite: &str,
    cases: Vec<(&Expectation, Outcome<'_>)>,
    time_s: f64,
) -> io::Result<()> {
    let tests = cases.len();
    let failures = cases
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Failed(..)))
        .count();
    let errors = cases
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Error(_)))
        .count();
    let counts = format!(r#"tests="{tests}" failures="{failures}" errors="{errors}""#);
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="vrrplab check" {counts} time="{time_s:.3}">"#
    )?;
    writeln!(
        w,
        r#"  <testsuite name="{}" {counts} skipped="0" time="{time_s:.3}">"#,
        escape(suite, true)
    )?;
    for (expectation, outcome) in &cases {
        let kind = expectation.kind().name();
        let name = escape(&expectation.to_string(), true);
        writeln!(
            w,
            r#"    <testcase classname="vrrplab.check.{kind}" name="{name}" time="0">"#
        )?;
        match outcome {
            Outcome::Passed(details) => writeln!(
                w,
                "      <system-out>{}</system-out>",
                escape(details, false)
            )?,
            Outcome::Failed(message, details) => writeln!(
                w,
                r#"      <failure message="{}" type="{kind}">{}</failure>"#,
                escape(message, true),
                escape(details, false)
            )?,
            Outcome::Error(message) => writeln!(
                w,
                r#"      <error message="{}" type="input">{}</error>"#,
                escape(message, true),
                escape(message, false)
            )?,
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

#[cfg(test)]
mod test {
    use super::super::output::test::verdicts;
    use super::*;
    use serde::Deserialize;

    // The elements and attributes that GitLab and Jenkins need, as required
    // fields: a report lacking one fails to deserialize. <testsuites> and
    // <testsuite> carry the same attributes.
    #[derive(Deserialize, Debug)]
    struct Suite {
        #[serde(rename = "@name")]
        name: String,
        #[serde(rename = "@tests")]
        tests: usize,
        #[serde(rename = "@failures")]
        failures: usize,
        #[serde(rename = "@errors")]
        errors: usize,
        #[serde(rename = "@time")]
        time: f64,
        #[serde(default)]
        testsuite: Vec<Suite>,
        #[serde(default)]
        testcase: Vec<Testcase>,
    }

    #[derive(Deserialize, Debug)]
    struct Testcase {
        #[serde(rename = "@classname")]
        classname: String,
        #[serde(rename = "@name")]
        name: String,
        #[serde(rename = "@time")]
        time: f64,
        failure: Option<Failure>,
        error: Option<Failure>,
        #[serde(rename = "system-out")]
        system_out: Option<String>,
    }

    #[derive(Deserialize, Debug)]
    struct Failure {
        #[serde(rename = "@message")]
        message: String,
        #[serde(rename = "@type")]
        kind: String,
        #[serde(rename = "$text")]
        text: String,
    }

    fn junit(verdicts: &[Verdict], suite: &str) -> (String, Suite) {
        let mut out = vec![];
        write_junit(&mut out, suite, verdicts, 0.25).unwrap();
        let xml = String::from_utf8(out).unwrap();
        // Well-formed: every event reads without error.
        let mut reader = quick_xml::Reader::from_str(&xml);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{e} at {}:\n{xml}", reader.buffer_position()),
            }
        }
        let parsed = quick_xml::de::from_str(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
        (xml, parsed)
    }

    #[test]
    fn one_testcase_per_expectation() {
        let (xml, doc) = junit(&verdicts(), "failover.pcap");
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "),
            "{xml}"
        );
        assert_eq!(
            (
                doc.name.as_str(),
                doc.tests,
                doc.failures,
                doc.errors,
                doc.time
            ),
            ("vrrplab check", 3, 1, 0, 0.25)
        );
        assert!(doc.testcase.is_empty(), "testcases belong in the <testsuite>");
        let [suite] = doc.testsuite.as_slice() else {
            panic!("{doc:?}")
        };
        assert_eq!(
            (
                suite.name.as_str(),
                suite.tests,
                suite.failures,
                suite.errors,
                suite.time
            ),
            ("failover.pcap", 3, 1, 0, 0.25)
        );
        let cases: Vec<(&str, &str, bool)> = suite
            .testcase
            .iter()
            .map(|c| (c.classname.as_str(), c.name.as_str(), c.failure.is_some()))
            .collect();
        assert_eq!(
            cases,
            [
                (
                    "vrrplab.check.master",
                    "master vrid=51 initial=192.0.2.11",
                    false
                ),
                (
                    "vrrplab.check.failover",
                    "failover vrid=51 to=192.0.2.12 within=4s",
                    true
                ),
                ("vrrplab.check.no-split-brain", "no-split-brain", false),
            ]
        );
        assert!(suite.testcase.iter().all(|c| c.time == 0.0));
        let failure = suite.testcase[1].failure.as_ref().unwrap();
        assert_eq!(
            failure.message,
            "saw 192.0.2.12 take over after 4.609s (timeout)"
        );
        assert_eq!(failure.kind, "failover");
        assert_eq!(
            failure.text,
            "expected: failover vrid=51 to=192.0.2.12 within=4s\n\
             seen: saw 192.0.2.12 take over after 4.609s (timeout), frames 12, 47"
        );
        assert_eq!(
            suite.testcase[0].system_out.as_deref(),
            Some("expected: master vrid=51 initial=192.0.2.11\nseen: saw 192.0.2.11 master first (priority 150), frame 1")
        );
    }

    #[test]
    fn markup_and_control_characters_are_escaped() {
        let mut vs = verdicts();
        let nasty = "saw <b>&\"quoted\" 'auth' \"1111\0\0\0\0\"\nsecond\tline\r";
        vs[1].seen = nasty.into();
        let (xml, doc) = junit(&vs, "a&b <c>.pcap");
        assert!(!xml.contains('\0'));
        let suite = &doc.testsuite[0];
        assert_eq!(suite.name, "a&b <c>.pcap");
        let failure = suite.testcase[1].failure.as_ref().unwrap();
        let readable = nasty.replace('\0', "\u{fffd}");
        assert_eq!(failure.message, readable);
        assert!(
            failure.text.contains(&format!("seen: {readable}")),
            "{:?}",
            failure.text
        );
    }

    #[test]
    fn an_unreadable_capture_makes_every_testcase_an_error() {
        let exps: Vec<Expectation> = verdicts().into_iter().map(|v| v.expectation).collect();
        let mut out = vec![];
        write_junit_error(
            &mut out,
            "x.pcap",
            &exps,
            "x.pcap: not a pcap or pcapng file",
            0.0,
        )
        .unwrap();
        let doc: Suite = quick_xml::de::from_str(std::str::from_utf8(&out).unwrap()).unwrap();
        assert_eq!((doc.tests, doc.failures, doc.errors), (3, 0, 3));
        let suite = &doc.testsuite[0];
        assert_eq!((suite.tests, suite.failures, suite.errors), (3, 0, 3));
        for case in &suite.testcase {
            let error = case.error.as_ref().expect("an <error>");
            assert_eq!(
                (error.message.as_str(), error.kind.as_str()),
                ("x.pcap: not a pcap or pcapng file", "input")
            );
            assert!(case.failure.is_none());
        }
    }

    #[test]
    fn no_expectations_is_an_empty_suite() {
        let (_, doc) = junit(&[], "x.pcap");
        assert_eq!(
            (doc.tests, doc.failures, doc.testsuite[0].testcase.len()),
            (0, 0, 0)
        );
    }
}

//! Verdicts as text lines (one per expectation, then a summary) and as JSON
//! lines (`{"type":"expectation",..}` per expectation, then `{"type":"summary",..}`).

use super::eval::Verdict;
use crate::analyze::report::FrameNo;
use serde::Serialize;
use std::io::{self, Write};

/// How many expectations passed and failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
}

impl Summary {
    pub fn of(verdicts: &[Verdict]) -> Summary {
        let passed = verdicts.iter().filter(|v| v.passed).count();
        Summary {
            passed,
            failed: verdicts.len() - passed,
        }
    }
    pub fn total(self) -> usize {
        self.passed + self.failed
    }
}

fn status(passed: bool) -> &'static str {
    if passed {
        "pass"
    } else {
        "fail"
    }
}

/// `PASS failover vrid=51 to=192.0.2.12 within=4s: saw ..., frames 12, 47`
pub fn write_text(w: &mut impl Write, verdicts: &[Verdict]) -> io::Result<()> {
    for v in verdicts {
        let mark = if v.passed { "PASS" } else { "FAIL" };
        writeln!(
            w,
            "{mark} {}: {}{}",
            v.expectation,
            v.seen,
            frames_text(&v.frames)
        )?;
    }
    let s = Summary::of(verdicts);
    writeln!(
        w,
        "{} expectation{}: {} passed, {} failed",
        s.total(),
        if s.total() == 1 { "" } else { "s" },
        s.passed,
        s.failed
    )
}

/// ", frame 12", ", frames 12, 47", or nothing; at most ten numbers.
pub fn frames_text(frames: &[FrameNo]) -> String {
    const SHOWN: usize = 10;
    let (word, numbers) = match frames {
        [] => return String::new(),
        [_] => ("frame", frames),
        _ => ("frames", &frames[..frames.len().min(SHOWN)]),
    };
    let list: Vec<String> = numbers.iter().map(FrameNo::to_string).collect();
    let more = match frames.len().saturating_sub(SHOWN) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    format!(", {word} {}{more}", list.join(", "))
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line<'a> {
    Expectation {
        kind: &'static str,
        expectation: String,
        status: &'static str,
        seen: &'a str,
        frames: &'a [FrameNo],
    },
    Summary {
        expectations: usize,
        passed: usize,
        failed: usize,
        status: &'static str,
    },
}

pub fn write_json(w: &mut impl Write, verdicts: &[Verdict]) -> io::Result<()> {
    for v in verdicts {
        let line = Line::Expectation {
            kind: v.expectation.kind().name(),
            expectation: v.expectation.to_string(),
            status: status(v.passed),
            seen: &v.seen,
            frames: &v.frames,
        };
        serde_json::to_writer(&mut *w, &line)?;
        writeln!(w)?;
    }
    let s = Summary::of(verdicts);
    let line = Line::Summary {
        expectations: s.total(),
        passed: s.passed,
        failed: s.failed,
        status: status(s.failed == 0),
    };
    serde_json::to_writer(&mut *w, &line)?;
    writeln!(w)
}

#[cfg(test)]
pub(super) mod test {
    use super::super::Expectation;
    use super::*;

    pub fn verdicts() -> Vec<Verdict> {
        let v = |text: &str, passed, seen: &str, frames: &[FrameNo]| Verdict {
            expectation: text.parse::<Expectation>().unwrap(),
            passed,
            seen: seen.into(),
            frames: frames.to_vec(),
        };
        vec![
            v(
                "master vrid=51 initial=192.0.2.11",
                true,
                "saw 192.0.2.11 master first (priority 150)",
                &[1],
            ),
            v(
                "failover vrid=51 to=192.0.2.12 within=4s",
                false,
                "saw 192.0.2.12 take over after 4.609s (timeout)",
                &[12, 47],
            ),
            v("no-split-brain", true, "saw no split brain", &[]),
        ]
    }

    #[test]
    fn text_lines() {
        let mut out = vec![];
        write_text(&mut out, &verdicts()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "PASS master vrid=51 initial=192.0.2.11: saw 192.0.2.11 master first (priority 150), frame 1\n\
             FAIL failover vrid=51 to=192.0.2.12 within=4s: saw 192.0.2.12 take over after 4.609s (timeout), frames 12, 47\n\
             PASS no-split-brain: saw no split brain\n\
             3 expectations: 2 passed, 1 failed\n"
        );
    }

    #[test]
    fn long_frame_lists_are_cut() {
        let frames: Vec<FrameNo> = (1..=13).collect();
        assert_eq!(
            frames_text(&frames),
            ", frames 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 3 more"
        );
        assert_eq!(
            frames_text(&frames[..10]),
            ", frames 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
        );
    }

    #[test]
    fn json_lines() {
        let mut out = vec![];
        write_json(&mut out, &verdicts()).unwrap();
        let lines: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines[1],
            serde_json::json!({
                "type": "expectation",
                "kind": "failover",
                "expectation": "failover vrid=51 to=192.0.2.12 within=4s",
                "status": "fail",
                "seen": "saw 192.0.2.12 take over after 4.609s (timeout)",
                "frames": [12, 47],
            })
        );
        assert_eq!(lines[2]["status"], "pass");
        assert_eq!(
            lines[3],
            serde_json::json!({"type": "summary", "expectations": 3, "passed": 2, "failed": 1, "status": "fail"})
        );
    }
}

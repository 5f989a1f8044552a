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
        Summary { passed, failed: verdicts.len() - passed }
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
        writeln!(w, "{mark} {}: {}{}", v.expectation, v.seen, frames_text(&v.frames))?;
    }
    let s = Summary::of(verdicts);
    writeln!(w, "{} expectation{}: {} passed, {} failed", s.total(), if s.total() == 1 { "" } else { "s" }, s.passed, s.failed)
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
    let line =
        Line::Summary { expectations: s.total(), passed: s.passed, failed: s.failed, status: status(s.failed == 0) };
    serde_json::to_writer(&mut *w, &line)?;
    writeln!(w)
}

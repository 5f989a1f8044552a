//! The lab's event log: keepalived's lines and the lab's own actions, each
//! stamped with the time since the lab started, in one list in arrival order.

use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Lines kept at most; a daemon that logs more than this in a bounded run
/// is broken, and the rest is dropped rather than filling memory.
const MAX_LINES: usize = 200_000;

/// Whose line it is when the lab itself speaks.
pub const LAB: &str = "lab";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Since the lab's start (its `t0`).
    pub at: Duration,
    /// The node's name, or [`LAB`].
    pub node: String,
    pub text: String,
}

impl fmt::Display for LogLine {
    /// `12.345678 n1 (VI_1) Entering MASTER STATE`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06} {} {}", self.at.as_secs(), self.at.subsec_micros(), self.node, self.text)
    }
}

/// A shared, bounded log. Cloning shares it.
#[derive(Clone)]
pub struct LogBook {
    t0: Instant,
    echo: bool,
    lines: Arc<Mutex<Vec<LogLine>>>,
}

impl LogBook {
    /// A log whose times count from `t0`; `echo` also prints each line to
    /// stdout as it arrives (`lab run`, `lab up`).
    pub fn new(t0: Instant, echo: bool) -> LogBook {
        LogBook { t0, echo, lines: Arc::new(Mutex::new(Vec::new())) }
    }

    pub fn push(&self, node: &str, text: impl Into<String>) {
        let line = LogLine { at: self.t0.elapsed(), node: node.to_string(), text: text.into() };
        if self.echo {
            let _ = writeln!(std::io::stdout().lock(), "{line}");
        }
        let mut lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        if lines.len() < MAX_LINES {
            lines.push(line);
        }
    }

    /// A copy of the lines so far.
    pub fn lines(&self) -> Vec<LogLine> {
        self.lines.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn line_format() {
        let l = LogLine { at: Duration::from_micros(12_345_678), node: "n1".into(), text: "(VI_1) Entering MASTER STATE".into() };
        assert_eq!(l.to_string(), "12.345678 n1 (VI_1) Entering MASTER STATE");
    }

    #[test]
    fn shared_and_ordered() {
        let log = LogBook::new(Instant::now(), false);
        let other = log.clone();
        log.push(LAB, "a");
        other.push("n1", "b");
        let lines = log.lines();
        assert_eq!(lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert!(lines[0].at <= lines[1].at);
    }
}

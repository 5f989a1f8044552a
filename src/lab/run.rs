//! Running a scenario in the lab in real time: the daemons start and the
//! events happen at their times after the lab comes up, the LAN is captured
//! for the scenario's duration, then everything is torn down.

use anyhow::{bail, Context};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use super::capture::CaptureLimits;
use super::log::{LogLine, LAB};
use super::{sleep_until, Lab, LabOptions};
use crate::capture::{Frame, LinkType, Timestamp};
use crate::scenario::model::{Action, Scenario};

/// The longest run the lab accepts.
pub const MAX_DURATION: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Overrides the scenario's duration.
    pub duration: Option<Duration>,
    /// Bounds of the LAN capture; `None` captures nothing.
    pub capture: Option<CaptureLimits>,
    /// Print the log as it comes.
    pub echo_log: bool,
}

/// What a run saw.
#[derive(Debug, Clone)]
pub struct Recording {
    /// The lab's name.
    pub lab: String,
    /// When the lab came up, on the capture's clock; log times count from it.
    pub t0: Timestamp,
    pub frames: Vec<Frame>,
    pub log: Vec<LogLine>,
    /// The run was cut short by SIGINT/SIGTERM.
    pub interrupted: bool,
}

impl Recording {
    /// Writes the frames as a classic pcap (microsecond timestamps).
    pub fn write_pcap(&self, path: &Path) -> anyhow::Result<()> {
        let mut w = crate::capture::writer::create(path, LinkType::Ethernet, 65_535, false)?;
        for f in &self.frames {
            w.write_frame(f)?;
        }
        Ok(w.flush()?)
    }

    /// Writes the log, one line each (`SECS.MICROS NODE TEXT`), after a
    /// first line giving `t0` on the capture's clock.
    pub fn write_log(&self, mut out: impl Write) -> std::io::Result<()> {
        writeln!(out, "0.000000 {LAB} t0 {}.{:06}", self.t0.secs, self.t0.nanos / 1000)?;
        for l in &self.log {
            writeln!(out, "{l}")?;
        }
        out.flush()
    }
}

/// Brings the lab up, runs the scenario in real time and tears it down.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> anyhow::Result<Recording> {
    let duration = opts.duration.unwrap_or(Duration::from_micros(scenario.duration_us));
    if duration.is_zero() {
        bail!("the run has no duration (set [run] duration or --duration)");
    }
    if duration > MAX_DURATION {
        bail!("the lab runs for at most {} s", MAX_DURATION.as_secs());
    }
    let schedule = schedule(scenario);
    let capture = opts.capture.map(|l| CaptureLimits { max_duration: l.max_duration.min(duration * 2), ..l });
    let mut lab = Lab::up(scenario, &LabOptions { capture, echo_log: opts.echo_log })?;
    let t0 = lab.t0();
    let mut interrupted = false;
    for (at, action) in &schedule {
        if *at >= duration {
            break;
        }
        if !sleep_until(t0, *at) {
            interrupted = true;
            break;
        }
        lab.apply(action).with_context(|| format!("at {:.3} s", at.as_secs_f64()))?;
    }
    if !interrupted {
        interrupted = !sleep_until(t0, duration);
    }
    if interrupted {
        lab.log().push(LAB, "interrupted");
    }
    // The run ends here: what the daemons do while being stopped is
    // teardown, not part of the scenario.
    let log = lab.log().lines();
    let frames = if opts.capture.is_some() { lab.finish_capture()? } else { Vec::new() };
    lab.stop_all()?;
    Ok(Recording { lab: lab.name().to_string(), t0: lab.t0_wall(), frames, log, interrupted })
}

/// The daemons' starts and the scenario's events, in time order (a start
/// before an event at the same time; events keep file order).
pub fn schedule(scenario: &Scenario) -> Vec<(Duration, Action)> {
    let mut s: Vec<(Duration, Action)> = Lab::starts(scenario)
        .into_iter()
        .map(|(at, node)| (Duration::from_micros(at), Action::Start { node }))
        .chain(scenario.events.iter().map(|e| (Duration::from_micros(e.at_us), e.action.clone())))
        .collect();
    s.sort_by_key(|(at, _)| *at);
    s
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::scenario::conf::KeepalivedConf;
    use crate::scenario::model::{Event, Node};

    #[test]
    fn schedule_merges_starts_and_events_in_time_order() {
        let node = |name: &str, start: Option<u64>| Node {
            name: name.into(),
            keepalived: Some(KeepalivedConf::default()),
            start_at_us: start,
            ..Default::default()
        };
        let scenario = Scenario {
            nodes: vec![node("n1", None), node("n2", Some(2_000_000)), Node { name: "c".into(), ..Default::default() }],
            events: vec![
                Event { at_us: 2_000_000, action: Action::Stop { node: "n1".into() } },
                Event { at_us: 1_000_000, action: Action::BlockVrrp { node: "n2".into() } },
            ],
            ..Default::default()
        };
        let got: Vec<(u64, String)> =
            schedule(&scenario).into_iter().map(|(at, a)| (at.as_micros() as u64, super::super::describe(&a))).collect();
        let want = [(0, "start n1"), (1_000_000, "block_vrrp n2"), (2_000_000, "start n2"), (2_000_000, "stop n1")];
        assert_eq!(got, want.map(|(t, s)| (t, s.to_string())));
    }

    #[test]
    fn log_file_starts_with_t0() {
        let rec = Recording {
            lab: "vl-1-0".into(),
            t0: Timestamp::new(1_700_000_000, 250_000_000),
            frames: vec![],
            log: vec![LogLine { at: Duration::from_millis(1500), node: "n1".into(), text: "Stopping".into() }],
            interrupted: false,
        };
        let mut out = Vec::new();
        rec.write_log(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "0.000000 lab t0 1700000000.250000\n1.500000 n1 Stopping\n");
    }
}

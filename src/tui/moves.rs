//! Moving through the capture: selecting a frame, the replay's play,
//! steps and jumps (to the next event, change of master, finding, band
//! mark), and the timeline's zoom.

use super::analysis::EventKind;
use super::app::App;
use std::time::Instant;

/// A clocked feed (the simulator) runs at most this many steps looking for
/// the next frame to show.
const MAX_STEPS: usize = 10_000;

impl App {
    /// The frame (0-based) steps and jumps start from.
    fn cursor(&self) -> usize {
        self.list.selected.unwrap_or(0)
    }

    /// Selects frame `frame`; during a replay, also moves the replay there.
    pub fn goto(&mut self, frame: usize, now: Instant) {
        if frame >= self.frames.len() {
            return;
        }
        if self.in_replay() {
            self.replay.shown = (frame + 1 < self.frames.len()).then_some(frame + 1);
            self.replay.set_at(self.frames.micros(frame), now);
        }
        self.list.follow = false;
        if self.is_row(frame) {
            self.list.selected = Some(frame);
        } else {
            self.list.selected = Some(frame);
            self.complain(format!("frame {} is hidden by the display filter", frame + 1));
        }
        self.fix_selection();
    }

    /// Starts a replay at the selected frame when none is under way.
    fn enter_replay(&mut self) {
        if !self.in_replay() && !self.frames.is_empty() {
            let from = match self.list.selected {
                Some(f) if f + 1 < self.frames.len() => f,
                _ => 0,
            };
            self.replay.shown = Some(from + 1);
            self.replay.at = self.frames.micros(from);
            self.list.selected = Some(from);
        }
    }

    pub(super) fn play_pause(&mut self, now: Instant) {
        if self.replay.playing {
            self.replay.pause(now);
            self.say("paused");
        } else {
            self.enter_replay();
            self.replay.play(now);
            self.list.follow = true;
            self.say(format!("playing at {}", self.replay.speed_label()));
        }
    }

    fn passes(&self, frame: usize) -> bool {
        self.filter.active.is_none() || self.filter.matches.binary_search(&(frame as u32)).is_ok()
    }

    pub(super) fn step_forward(&mut self, now: Instant) {
        self.replay.pause(now);
        self.enter_replay();
        let from = self.visible();
        let mut next = (from..self.frames.len()).find(|&i| self.passes(i));
        if next.is_none() && self.feed.clocked() {
            for _ in 0..MAX_STEPS {
                let before = self.frames.len();
                match self.feed.step_one(&mut self.frames) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => {
                        self.complain(format!("{e:#}"));
                        break;
                    }
                }
                self.filter.catch_up(&self.frames, &mut self.scratch);
                next = (before..self.frames.len()).find(|&i| self.passes(i));
                if next.is_some() {
                    break;
                }
            }
        }
        match next {
            Some(i) => {
                self.goto(i, now);
                self.list.follow = true;
            }
            None => self.say("no later packet"),
        }
    }

    pub(super) fn step_back(&mut self, now: Instant) {
        self.replay.pause(now);
        self.enter_replay();
        let rows = self.row_count();
        if rows < 2 {
            self.say("no earlier packet");
            return;
        }
        let prev = self.row_frame(rows - 2);
        self.goto(prev, now);
        self.list.follow = true;
    }

    /// Jumps to the next (or previous) event of the kinds `want` accepts.
    pub(super) fn jump_event(&mut self, forward: bool, want: fn(EventKind) -> bool, now: Instant) {
        let cur = self.cursor() as u64 + 1;
        let events = &self.analysis.events;
        let found = if forward {
            events.iter().find(|e| e.frame > cur && want(e.kind))
        } else {
            events.iter().rev().find(|e| e.frame < cur && want(e.kind))
        };
        let Some(e) = found.copied() else {
            self.say(if forward { "no later event" } else { "no earlier event" });
            return;
        };
        self.goto(e.frame as usize - 1, now);
        if e.kind == EventKind::Finding {
            let shown = self.shown_findings();
            let findings = &self.analysis.report.findings;
            if let Some(pos) = shown.iter().position(|&i| findings[i].frames.first() == Some(&e.frame)) {
                self.findings.selected = pos;
            }
        }
    }

    /// The previous or next mark (run start, priority change, GARP) on the
    /// selected band.
    pub(super) fn band_mark(&mut self, forward: bool, now: Instant) {
        let Some(&(v, r)) = self.bands().get(self.timeline.band) else { return };
        let router = &self.analysis.bands.vrs[v].routers[r];
        let mut marks: Vec<u64> = router.runs.iter().map(|run| run.first_frame).collect();
        marks.extend(router.prio_changes.iter().chain(&router.garps).map(|m| m.frame));
        marks.sort_unstable();
        let cur = self.cursor() as u64 + 1;
        let found = if forward { marks.iter().find(|&&m| m > cur) } else { marks.iter().rev().find(|&&m| m < cur) };
        match found {
            Some(&m) => self.goto(m as usize - 1, now),
            None => self.say("no more marks on this band"),
        }
    }

    pub(super) fn zoom(&mut self, zoom_in: bool) {
        let Some((first, last)) = self.time_range() else { return };
        let (from, to) = self.timeline.window.unwrap_or((first, last));
        let width = to - from;
        let centre = self.list.selected.map_or((from + to) / 2, |f| self.frames.micros(f));
        let width = if zoom_in { (width / 2).max(100_000) } else { width.saturating_mul(2) };
        // (Halving and doubling an odd width loses a microsecond.)
        if width >= (last - first) * 99 / 100 {
            self.timeline.window = None;
        } else {
            let from = (centre - width / 2).clamp(first, last - width);
            self.timeline.window = Some((from, from + width));
        }
    }
}

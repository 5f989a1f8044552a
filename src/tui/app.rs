//! The UI's state: the frames, what the analysis concluded, what each pane
//! shows and has selected, the display filter and the replay clock. Keys
//! change it ([`super::control`]); the panes only read it, apart from
//! remembering their scroll positions ([`super::ui`]).

use super::analysis::Analysis;
use super::explain::Explanation;
use super::feed::Feed;
use super::replay::Replay;
use super::store::Frames;
use super::theme::Theme;
use super::tree_state::TreeState;
use crate::capture::Frame;
use crate::dissect::{dissect, FrameRef};
use crate::filter::{self, Filter};
use crate::print::time::TimeFormat;
use crate::print::{Options, Tcpdump};
use std::time::{Duration, Instant};

/// How often, at most, the analysis of a growing capture (live,
/// simulation) is redone; and never more than a tenth of the time.
const REANALYSE: Duration = Duration::from_millis(300);
const REANALYSE_SHARE: u32 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    List,
    Tree,
    Hex,
    Timeline,
    Findings,
}

pub const PANES: [Pane; 5] = [Pane::List, Pane::Tree, Pane::Hex, Pane::Timeline, Pane::Findings];

#[derive(Debug, Clone, Default)]
pub struct ListView {
    /// The selected frame (0-based), always one of the rows when rows exist.
    pub selected: Option<usize>,
    /// The first row on screen.
    pub offset: usize,
    /// Keep the newest row selected as frames arrive.
    pub follow: bool,
}

#[derive(Debug, Clone, Default)]
pub struct FilterState {
    pub active: Option<Filter>,
    /// Frames (0-based) that pass `active`, in order.
    pub matches: Vec<u32>,
    /// Frames the filter has been tried on.
    checked: usize,
    /// The `/` prompt while it is open.
    pub prompt: Option<Prompt>,
}

#[derive(Debug, Clone, Default)]
pub struct Prompt {
    pub text: String,
    pub error: Option<filter::Error>,
}

impl FilterState {
    /// Tries the filter on the frames it has not seen yet.
    pub(super) fn catch_up(&mut self, frames: &Frames, scratch: &mut Frame) {
        let Some(f) = &self.active else {
            self.checked = frames.len();
            return;
        };
        for i in self.checked..frames.len() {
            frames.load(i, scratch);
            if f.matches(&FrameRef::new(i as u64 + 1, scratch)) {
                self.matches.push(i as u32);
            }
        }
        self.checked = frames.len();
    }

    pub fn set(&mut self, filter: Option<Filter>) {
        self.active = filter;
        self.matches.clear();
        self.checked = 0;
    }
}

#[derive(Debug, Clone, Default)]
pub struct TimelineView {
    /// The selected band, counting every router of every virtual router.
    pub band: usize,
    /// The time window shown, µs; `None`: the whole capture.
    pub window: Option<(i64, i64)>,
}

#[derive(Debug, Clone, Default)]
pub struct FindingsView {
    /// Index into the findings shown.
    pub selected: usize,
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Popup {
    Help { scroll: usize },
    Explain { what: Explanation, scroll: usize },
}

/// Rows inside each pane at the last draw: what a page is.
#[derive(Debug, Clone, Copy, Default)]
pub struct Heights {
    pub list: usize,
    pub tree: usize,
    pub hex: usize,
    pub timeline: usize,
    pub findings: usize,
    /// Lines of the hex dump of the selected frame.
    pub hex_lines: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    pub text: String,
    pub error: bool,
}

pub struct App {
    pub frames: Frames,
    pub(super) feed: Box<dyn Feed>,
    pub analysis: Analysis,
    /// Frames the analysis covers.
    analysed: usize,
    analysed_at: Option<Instant>,
    /// How long the last analysis took.
    analysis_cost: Duration,
    pub theme: Theme,
    pub focus: Pane,
    pub list: ListView,
    pub filter: FilterState,
    pub tree: TreeState,
    /// First line of the hex pane.
    pub hex_offset: usize,
    pub timeline: TimelineView,
    pub findings: FindingsView,
    pub replay: Replay,
    pub popup: Option<Popup>,
    pub status: Option<StatusLine>,
    pub heights: Heights,
    pub quit: bool,
    /// Whether the replay has paused at the end of the feed's scenario.
    end_reached: bool,
    pub(super) scratch: Frame,
    /// Prints the list's lines (without timestamps: the list has its own column).
    pub(super) printer: Tcpdump,
    pub(super) line: Vec<u8>,
    /// The frame and field the hex pane last scrolled to.
    pub(super) hex_seen: Option<(usize, Option<std::ops::Range<usize>>)>,
}

impl App {
    pub fn new(feed: Box<dyn Feed>, theme: Theme) -> App {
        let mut replay = Replay::default();
        if let Some(origin) = feed.origin() {
            replay.at = origin;
        }
        App {
            frames: Frames::new(),
            feed,
            analysis: Analysis::default(),
            analysed: 0,
            analysed_at: None,
            analysis_cost: Duration::ZERO,
            theme,
            focus: Pane::List,
            list: ListView::default(),
            filter: FilterState::default(),
            tree: TreeState::default(),
            hex_offset: 0,
            timeline: TimelineView::default(),
            findings: FindingsView::default(),
            replay,
            popup: None,
            status: None,
            heights: Heights::default(),
            quit: false,
            end_reached: false,
            scratch: Frame::default(),
            printer: Tcpdump::new(Options { time: TimeFormat::None, ..Options::default() }),
            line: Vec::with_capacity(256),
            hex_seen: None,
        }
    }

    /// What the status bar calls the input.
    pub fn source_label(&self) -> String {
        self.feed.label()
    }

    pub fn loading(&self) -> bool {
        !self.feed.finished() && !self.feed.endless()
    }

    pub fn is_simulation(&self) -> bool {
        self.feed.clocked()
    }

    /// Tells the user something on the status line.
    pub(super) fn say(&mut self, text: impl Into<String>) {
        self.status = Some(StatusLine { text: text.into(), error: false });
    }

    /// Tells the user what went wrong, on the status line in red.
    pub(super) fn complain(&mut self, text: impl Into<String>) {
        self.status = Some(StatusLine { text: text.into(), error: true });
    }

    /// Starts the replay clock (a simulation runs as soon as it opens).
    pub fn start_playing(&mut self, now: Instant) {
        self.replay.play(now);
        self.list.follow = true;
    }

    /// Moves time on: pulls frames, advances the replay, refreshes the
    /// analysis when it is due, and keeps the selection valid.
    pub fn tick(&mut self, now: Instant) {
        let mut at = self.replay.advance(now);
        if let Some(end) = self.feed.end().filter(|&end| !self.end_reached && at >= end) {
            // A scenario's events are over: pause there once, so its end
            // state can be looked at; playing on runs the simulation further.
            self.end_reached = true;
            at = end;
            self.replay.pause(now);
            self.replay.at = end;
            self.say("the scenario is over: space runs on, faults still work");
        }
        if let Err(e) = self.feed.pull(at, &mut self.frames) {
            self.complain(format!("{e:#}"));
        }
        self.filter.catch_up(&self.frames, &mut self.scratch);
        if let Some(n) = self.replay.shown {
            let n = self.frames.count_until(n, at);
            self.replay.shown = (n < self.frames.len()).then_some(n);
        }
        if self.replay.playing && self.replay.shown.is_none() && !self.feed.clocked() {
            self.replay.pause(now);
            self.say("replay reached the newest packet");
        }
        let stale = self.analysed != self.frames.len();
        let due = if self.feed.endless() {
            let wait = REANALYSE.max(self.analysis_cost * REANALYSE_SHARE);
            self.analysed_at.is_none_or(|t| now.saturating_duration_since(t) >= wait)
        } else {
            self.feed.finished()
        };
        if stale && due {
            let started = Instant::now();
            self.analysis = Analysis::of(&self.frames, &self.feed.states());
            self.analysis_cost = started.elapsed();
            self.analysed = self.frames.len();
            self.analysed_at = Some(now);
        }
        self.fix_selection();
    }

    /// Frames revealed: all of them unless a replay is hiding the later ones.
    pub fn visible(&self) -> usize {
        self.replay.shown.unwrap_or(self.frames.len()).min(self.frames.len())
    }

    /// Whether a replay is under way: later frames hidden, or time moving,
    /// or a simulation (whose frames come with its clock).
    pub fn in_replay(&self) -> bool {
        self.replay.shown.is_some() || self.replay.playing || self.feed.clocked()
    }

    /// The capture time up to which things have happened on screen, µs.
    pub fn horizon(&self) -> Option<i64> {
        let v = self.visible();
        if self.in_replay() {
            let last = v.checked_sub(1).map(|i| self.frames.micros(i));
            return Some(last.map_or(self.replay.at, |l| l.max(self.replay.at)));
        }
        v.checked_sub(1).map(|i| self.frames.micros(i))
    }

    pub fn row_count(&self) -> usize {
        let v = self.visible();
        match &self.filter.active {
            None => v,
            Some(_) => self.filter.matches.partition_point(|&i| (i as usize) < v),
        }
    }

    /// The frame shown on row `row`.
    pub fn row_frame(&self, row: usize) -> usize {
        match &self.filter.active {
            None => row,
            Some(_) => self.filter.matches[row] as usize,
        }
    }

    /// The row of frame `frame`, or of the last frame before it that is a row.
    pub fn row_at_or_before(&self, frame: usize) -> Option<usize> {
        let n = self.row_count();
        let rows_before = match &self.filter.active {
            None => (frame + 1).min(n),
            Some(_) => self.filter.matches[..n].partition_point(|&i| (i as usize) <= frame),
        };
        rows_before.checked_sub(1).or((n > 0).then_some(0))
    }

    pub fn is_row(&self, frame: usize) -> bool {
        frame < self.visible()
            && match &self.filter.active {
                None => true,
                Some(_) => self.filter.matches.binary_search(&(frame as u32)).is_ok(),
            }
    }

    /// The selected row.
    pub fn selected_row(&self) -> Option<usize> {
        self.list.selected.and_then(|f| self.row_at_or_before(f))
    }

    /// Keeps the selection on a row, and the fields pane on the selected frame.
    pub fn fix_selection(&mut self) {
        let n = self.row_count();
        if n == 0 {
            self.list.selected = None;
            self.tree.clear();
            return;
        }
        let sel = match self.list.selected {
            _ if self.list.follow => self.row_frame(n - 1),
            None => self.row_frame(0),
            Some(f) if self.is_row(f) => f,
            Some(f) => self.row_frame(self.row_at_or_before(f).unwrap_or(0)),
        };
        self.list.selected = Some(sel);
        if self.tree.frame != Some(sel) {
            self.frames.load(sel, &mut self.scratch);
            let layers = dissect(&FrameRef::new(sel as u64 + 1, &self.scratch)).layers;
            self.tree.show(sel, layers);
        }
    }

    /// The findings revealed so far (indices into the report's list): during
    /// a replay, those whose time has come (a failover's evidence starts
    /// with the old master's last advert, before the takeover is known).
    pub fn shown_findings(&self) -> Vec<usize> {
        let findings = &self.analysis.report.findings;
        let horizon = if self.in_replay() { self.horizon() } else { None };
        (0..findings.len())
            .filter(|&i| horizon.is_none_or(|h| super::analysis::micros(findings[i].ts) <= h))
            .collect()
    }

    /// Every band of the timeline: (virtual router, router) index pairs.
    pub fn bands(&self) -> Vec<(usize, usize)> {
        let vrs = &self.analysis.bands.vrs;
        (0..vrs.len()).flat_map(|v| (0..vrs[v].routers.len()).map(move |r| (v, r))).collect()
    }

    /// The time range of the whole capture so far, µs.
    pub fn time_range(&self) -> Option<(i64, i64)> {
        let n = self.frames.len();
        let first = self.feed.origin().or_else(|| (n > 0).then(|| self.frames.micros(0)))?;
        // A simulation's axis spans its scenario from the start, so the bands
        // do not stretch as they grow.
        let end = self.feed.end().unwrap_or(first);
        let last = n.checked_sub(1).map_or(first, |i| self.frames.micros(i)).max(self.replay.at).max(end);
        Some((first, last.max(first + 1)))
    }
}

//! Keys into state changes: the filter prompt and the pop-ups take keys
//! first, then [`super::action::action_for`] maps the rest to actions.

use super::action::{action_for, Action};
use super::analysis::EventKind;
use super::app::{App, Pane, Popup, Prompt, StatusLine, PANES};
use super::explain::{self, Explanation};
use super::feed::Fault;
use crate::capture::Frame;
use crate::dissect::FrameRef;
use crate::filter::Filter;
use crate::wire::decode::decode;
use crate::wire::vrrp::{self, Interval};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::net::IpAddr;
use std::time::Instant;

/// A clocked feed (the simulator) runs at most this many steps looking for
/// the next frame to show.
const MAX_STEPS: usize = 10_000;

impl App {
    pub fn key(&mut self, e: KeyEvent, now: Instant) {
        if e.kind == KeyEventKind::Release {
            return;
        }
        if self.filter.prompt.is_some() {
            self.prompt_key(e);
        } else if self.popup.is_some() {
            self.popup_key(e);
        } else if let Some(a) = action_for(&e) {
            self.apply(a, now);
        }
        self.fix_selection();
    }

    fn say(&mut self, text: impl Into<String>) {
        self.status = Some(StatusLine { text: text.into(), error: false });
    }

    fn complain(&mut self, text: impl Into<String>) {
        self.status = Some(StatusLine { text: text.into(), error: true });
    }

    fn prompt_key(&mut self, e: KeyEvent) {
        let Some(p) = self.filter.prompt.as_mut() else { return };
        match e.code {
            KeyCode::Esc => self.filter.prompt = None,
            KeyCode::Enter => {
                if p.text.trim().is_empty() {
                    self.filter.set(None);
                    self.filter.prompt = None;
                    self.say("filter cleared");
                } else if p.error.is_none() {
                    let f = Filter::parse(&p.text).ok();
                    self.filter.set(f);
                    self.filter.prompt = None;
                    self.catch_up_filter();
                }
            }
            KeyCode::Backspace => {
                p.text.pop();
            }
            KeyCode::Char('u') if e.modifiers.contains(KeyModifiers::CONTROL) => p.text.clear(),
            KeyCode::Char(c) if !e.modifiers.contains(KeyModifiers::CONTROL) => p.text.push(c),
            _ => {}
        }
        if let Some(p) = self.filter.prompt.as_mut() {
            p.error = if p.text.trim().is_empty() { None } else { Filter::parse(&p.text).err() };
        }
    }

    fn catch_up_filter(&mut self) {
        self.filter.catch_up(&self.frames, &mut self.scratch);
        if let Some(f) = &self.filter.active {
            let text = format!("filter `{}`: {} of {} frames", f.source(), self.filter.matches.len(), self.frames.len());
            self.say(text);
        }
    }

    fn popup_key(&mut self, e: KeyEvent) {
        let Some(popup) = self.popup.as_mut() else { return };
        let scroll = match popup {
            Popup::Help { scroll } | Popup::Explain { scroll, .. } => scroll,
        };
        match e.code {
            KeyCode::Char('j') | KeyCode::Down => *scroll += 1,
            KeyCode::Char('k') | KeyCode::Up => *scroll = scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => *scroll += 10,
            KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
            KeyCode::Char('g') | KeyCode::Home => *scroll = 0,
            _ => self.popup = None,
        }
    }

    pub fn apply(&mut self, a: Action, now: Instant) {
        match a {
            Action::Quit => self.quit = true,
            Action::Help => self.popup = Some(Popup::Help { scroll: 0 }),
            Action::Explain => {
                self.popup = self.explain().map(|what| Popup::Explain { what, scroll: 0 });
                if self.popup.is_none() {
                    self.say("nothing selected to explain");
                }
            }
            Action::Filter => {
                let text = self.filter.active.as_ref().map(|f| f.source().to_string()).unwrap_or_default();
                self.filter.prompt = Some(Prompt { text, error: None });
            }
            Action::NextPane | Action::PrevPane => {
                let i = PANES.iter().position(|p| *p == self.focus).unwrap_or(0);
                let step = if a == Action::NextPane { 1 } else { PANES.len() - 1 };
                self.focus = PANES[(i + step) % PANES.len()];
            }
            Action::Down => self.move_by(1),
            Action::Up => self.move_by(-1),
            Action::PageDown => self.move_by(self.page() as i64),
            Action::PageUp => self.move_by(-(self.page() as i64)),
            Action::Top => self.move_by(i64::MIN / 2),
            Action::Bottom => self.move_by(i64::MAX / 2),
            Action::Left => match self.focus {
                Pane::Tree => self.tree.collapse(),
                Pane::Timeline => self.band_mark(false, now),
                _ => {}
            },
            Action::Right => match self.focus {
                Pane::Tree => self.tree.expand(),
                Pane::Timeline => self.band_mark(true, now),
                _ => {}
            },
            Action::Activate => self.activate(now),
            Action::PlayPause => self.play_pause(now),
            Action::StepForward => self.step_forward(now),
            Action::StepBack => self.step_back(now),
            Action::EventForward => self.jump_event(true, |_| true, now),
            Action::EventBack => self.jump_event(false, |_| true, now),
            Action::NextChange => self.jump_event(true, EventKind::is_state_change, now),
            Action::PrevChange => self.jump_event(false, EventKind::is_state_change, now),
            Action::NextFinding => self.jump_event(true, |k| k == EventKind::Finding, now),
            Action::PrevFinding => self.jump_event(false, |k| k == EventKind::Finding, now),
            Action::Faster => {
                self.replay.faster(now);
                self.say(format!("replay speed {}", self.replay.speed_label()));
            }
            Action::Slower => {
                self.replay.slower(now);
                self.say(format!("replay speed {}", self.replay.speed_label()));
            }
            Action::Live => {
                self.replay.shown = None;
                if !self.feed.clocked() {
                    self.replay.pause(now);
                }
                self.list.follow = true;
            }
            Action::ZoomIn => self.zoom(true),
            Action::ZoomOut => self.zoom(false),
            Action::ToggleTheme => self.theme = self.theme.toggled(),
            Action::SimStop => self.fault(Fault::Stop),
            Action::SimCrash => self.fault(Fault::Crash),
            Action::SimStart => self.fault(Fault::Start),
            Action::SimBlockVrrp => self.fault(Fault::ToggleBlockVrrp),
        }
    }

    fn page(&self) -> usize {
        let h = match self.focus {
            Pane::List => self.heights.list,
            Pane::Tree => self.heights.tree,
            Pane::Hex => self.heights.hex,
            Pane::Timeline => self.heights.timeline,
            Pane::Findings => self.heights.findings,
        };
        h.max(2) - 1
    }

    fn move_by(&mut self, delta: i64) {
        let clamp = |cur: usize, len: usize| -> usize {
            if len == 0 {
                return 0;
            }
            (cur as i64).saturating_add(delta).clamp(0, len as i64 - 1) as usize
        };
        match self.focus {
            Pane::List => {
                let Some(row) = self.selected_row() else { return };
                let row = clamp(row, self.row_count());
                self.list.selected = Some(self.row_frame(row));
                self.list.follow = false;
            }
            Pane::Tree => self.tree.selected = clamp(self.tree.selected, self.tree.len()),
            Pane::Hex => self.hex_offset = clamp(self.hex_offset, self.heights.hex_lines),
            Pane::Timeline => self.timeline.band = clamp(self.timeline.band, self.bands().len()),
            Pane::Findings => self.findings.selected = clamp(self.findings.selected, self.shown_findings().len()),
        }
    }

    fn activate(&mut self, now: Instant) {
        match self.focus {
            Pane::List => self.focus = Pane::Tree,
            Pane::Tree => self.tree.toggle(),
            Pane::Hex => {}
            Pane::Timeline => self.band_mark(true, now),
            Pane::Findings => {
                let shown = self.shown_findings();
                let Some(&i) = shown.get(self.findings.selected) else { return };
                match self.analysis.report.findings[i].frames.first() {
                    Some(&no) => {
                        self.goto(no as usize - 1, now);
                        self.focus = Pane::List;
                    }
                    None => self.say("this finding has no evidence frame"),
                }
            }
        }
    }

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

    fn play_pause(&mut self, now: Instant) {
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

    fn step_forward(&mut self, now: Instant) {
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

    fn step_back(&mut self, now: Instant) {
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
    fn jump_event(&mut self, forward: bool, want: fn(EventKind) -> bool, now: Instant) {
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
    fn band_mark(&mut self, forward: bool, now: Instant) {
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

    fn zoom(&mut self, zoom_in: bool) {
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

    fn fault(&mut self, fault: Fault) {
        if self.feed.faults().is_none() {
            self.complain("faults can only be injected into a simulation (vrrplab tui --sim SCENARIO)");
            return;
        }
        let Some(&(v, r)) = self.bands().get(self.timeline.band) else {
            self.complain("select a router's band in the timeline first");
            return;
        };
        let addr = self.analysis.bands.vrs[v].routers[r].addr;
        let Some(faults) = self.feed.faults() else { return };
        let Some(node) = faults.node_of(addr) else {
            self.complain(format!("no simulated node has the address {addr}"));
            return;
        };
        match faults.inject(&node, fault) {
            Ok(text) => self.say(text),
            Err(e) => self.complain(format!("{e:#}")),
        }
    }

    /// The election events whose evidence is frame `no`, explained together
    /// (a preemption can start a split brain in the same advert).
    fn explain_events(&self, no: u64) -> Option<Explanation> {
        let all: Vec<Explanation> = self.analysis.timeline_at(no).map(|e| explain::event(e, &self.analysis)).collect();
        let first = all.first()?.title.clone();
        let text: Vec<String> = all.iter().map(|e| if e.title == first { e.text.clone() } else { format!("{}\n\n{}", e.title, e.text) }).collect();
        Some(Explanation { title: first, text: text.join("\n\n") })
    }

    /// What `e` shows for the focused pane's selection.
    pub fn explain(&mut self) -> Option<Explanation> {
        let frame = self.list.selected?;
        let no = frame as u64 + 1;
        match self.focus {
            Pane::Tree | Pane::Hex => {
                let node = self.tree.selected_node()?.clone();
                let f = self.frames.frame(frame);
                let bytes = node.range.clone().and_then(|r| f.data.get(r)).unwrap_or(&[]).to_vec();
                Some(explain::field(&node, &bytes, advert_in(&f).map(|(_, _, a)| a)))
            }
            Pane::Findings => {
                let shown = self.shown_findings();
                let i = *shown.get(self.findings.selected)?;
                Some(explain::finding(&self.analysis.report.findings[i]))
            }
            Pane::Timeline => {
                if let Some(e) = self.explain_events(no) {
                    return Some(e);
                }
                let (v, r) = *self.bands().get(self.timeline.band)?;
                let vr = &self.analysis.bands.vrs[v];
                Some(explain::band(vr, &vr.routers[r]))
            }
            Pane::List => {
                if let Some(e) = self.explain_events(no) {
                    return Some(e);
                }
                let f = self.frames.frame(frame);
                if let Some((src, vrid, a)) = advert_in(&f) {
                    return Some(explain::advert(no, src, vrid, a));
                }
                if let Some(vip) = garp_in(&f) {
                    return Some(explain::garp(no, vip));
                }
                let layers = crate::dissect::dissect(&FrameRef::new(no, &f)).layers;
                let top = layers.iter().rev().find(|l| !l.meaning.is_empty()).or(layers.last())?;
                let bytes = top.range.clone().and_then(|r| f.data.get(r)).unwrap_or(&[]).to_vec();
                Some(explain::field(top, &bytes, None))
            }
        }
    }
}

/// The sender, VRID and timer inputs of a VRRP advert.
pub fn advert_in(f: &Frame) -> Option<(IpAddr, u8, explain::Advert)> {
    let d = decode(f.linktype, &f.data);
    let (ip, bytes) = d.vrrp()?;
    let p = vrrp::Packet::new_checked(bytes).ok()?;
    let repr = vrrp::Repr::parse(&p, ip.family).ok()?;
    let interval_us = match repr.interval {
        Interval::Seconds(0) | Interval::Centis(0) => 1_000_000,
        other => other.micros(),
    };
    Some((ip.src, repr.vrid, explain::Advert { version: repr.version(), prio: repr.priority, interval_us }))
}

/// The address a gratuitous ARP claims.
pub fn garp_in(f: &Frame) -> Option<IpAddr> {
    let d = decode(f.linktype, &f.data);
    let a = crate::wire::arp::Packet::new_checked(d.arp()?).ok()?.ether_ipv4()?;
    a.is_gratuitous().then_some(IpAddr::V4(a.spa))
}

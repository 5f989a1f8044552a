//! Keys into state changes: the filter prompt and the pop-ups take keys
//! first, then [`super::action::action_for`] maps the rest to actions.

use super::action::{action_for, Action};
use super::analysis::EventKind;
use super::app::{App, Pane, Popup, Prompt, PANES};
use super::feed::Fault;
use crate::filter::Filter;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::time::Instant;

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
}

//! The timeline: per virtual router, a band per router over capture time.
//! `█` advertising (master), `─` silent (backup or down), `P` a new
//! priority, `0` a priority-0 advert, `G` a gratuitous ARP, and a red `!`
//! row while the analyzer saw a split brain. The selected packet's time is
//! the cursor column; during a replay nothing is drawn past the present.

use super::{block, fit, inner, keep_visible, rel};
use crate::tui::app::{App, Pane};
use crate::tui::bands::{any_in, Router, State, Vr};
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

const LABEL: usize = 20;

/// The time axis of the band columns.
struct Axis {
    from: i64,
    to: i64,
    cols: usize,
    /// Nothing is drawn after this time (the replay's present).
    horizon: Option<i64>,
    cursor: Option<usize>,
}

impl Axis {
    /// The time span of column `c`.
    fn span(&self, c: usize) -> (i64, i64) {
        let w = (self.to - self.from) as i128;
        let at = |c: usize| self.from + (w * c as i128 / self.cols as i128) as i64;
        (at(c), at(c + 1))
    }

    fn col(&self, us: i64) -> Option<usize> {
        if us < self.from || us > self.to {
            return None;
        }
        let c = ((us - self.from) as i128 * self.cols as i128 / (self.to - self.from).max(1) as i128) as usize;
        Some(c.min(self.cols - 1))
    }

    fn future(&self, t0: i64) -> bool {
        self.horizon.is_some_and(|h| t0 > h)
    }
}

/// Appends a character, merging it into the last span when the style matches.
fn put(spans: &mut Vec<Span<'static>>, c: char, style: Style) {
    if let Some(last) = spans.last_mut() {
        if last.style == style {
            last.content.to_mut().push(c);
            return;
        }
    }
    spans.push(Span::styled(c.to_string(), style));
}

fn band_cells(spans: &mut Vec<Span<'static>>, r: &Router, colour: Style, axis: &Axis, t: &Theme) {
    for c in 0..axis.cols {
        let (t0, t1) = axis.span(c);
        let (ch, mut style) = if axis.future(t0) {
            (' ', t.base)
        } else {
            let resigned = r.runs_in(t0, t1).any(|run| run.prio == 0);
            let base = if r.states.is_empty() {
                // From the adverts alone: advertising or silent.
                if r.runs_in(t0, t1).any(|run| run.prio > 0) { ('█', colour) } else { ('─', t.backup) }
            } else {
                reported(r, t0, t1, colour, t)
            };
            if any_in(&r.garps, t0, t1) {
                ('G', colour.patch(t.mark))
            } else if resigned {
                ('0', t.warn.patch(t.mark))
            } else if any_in(&r.prio_changes, t0, t1) {
                ('P', colour.patch(t.mark))
            } else {
                base
            }
        };
        if axis.cursor == Some(c) {
            style = style.patch(Style::new().bg(t.cursor.bg.unwrap_or_default()));
        }
        put(spans, ch, style);
    }
}

/// The glyph of a column from reported states: the most telling state the
/// router was in during it (a short mastership still shows).
fn reported(r: &Router, t0: i64, t1: i64, colour: Style, t: &Theme) -> (char, Style) {
    let first = r.states.partition_point(|s| s.0 <= t0);
    let during = r.states[first..].iter().take_while(|s| s.0 < t1).map(|s| s.1);
    let states: Vec<State> = r.state_at(t0).into_iter().chain(during).collect();
    let has = |s: State| states.contains(&s);
    if has(State::Master) {
        ('█', colour)
    } else if has(State::Fault) {
        ('×', t.warn)
    } else if has(State::Backup) {
        ('─', t.backup)
    } else if has(State::Init) {
        ('·', t.dim)
    } else {
        (' ', t.base)
    }
}

fn split_cells(spans: &mut Vec<Span<'static>>, vr: &Vr, axis: &Axis, t: &Theme) {
    for c in 0..axis.cols {
        let (t0, t1) = axis.span(c);
        let end_default = axis.horizon.unwrap_or(axis.to);
        let on = !axis.future(t0) && vr.splits.iter().any(|s| s.start < t1 && s.end.unwrap_or(end_default) >= t0);
        put(spans, if on { '!' } else { ' ' }, if on { t.split } else { t.base });
    }
}

/// A round tick step (µs) that puts labels at least `min_cols` apart.
fn tick_step(width_us: i64, cols: usize, min_cols: usize) -> i64 {
    const STEPS: [i64; 17] = [
        1_000, 10_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000, 30_000_000,
        60_000_000, 120_000_000, 300_000_000, 600_000_000, 1_800_000_000, 3_600_000_000, 86_400_000_000,
    ];
    let need = width_us as i128 * min_cols as i128 / cols.max(1) as i128;
    STEPS.into_iter().find(|&s| s as i128 >= need).unwrap_or(86_400_000_000)
}

fn tick_label(us: i64) -> String {
    if us % 1_000_000 != 0 {
        format!("{}s", rel(us, 0).trim_end_matches('0'))
    } else if us % 3_600_000_000 == 0 && us != 0 {
        format!("{}h", us / 3_600_000_000)
    } else if us % 60_000_000 == 0 && us != 0 {
        format!("{}m", us / 60_000_000)
    } else {
        format!("{}s", us / 1_000_000)
    }
}

fn axis_line(axis: &Axis, base: i64, t: &Theme) -> Line<'static> {
    let step = tick_step(axis.to - axis.from, axis.cols, 10);
    let mut row = vec![' '; axis.cols];
    let first = (axis.from - base).div_euclid(step) * step + base;
    let mut at = if first < axis.from { first + step } else { first };
    let mut next_free = 0;
    while at <= axis.to {
        if let Some(c) = axis.col(at) {
            let label: Vec<char> = format!("|{}", tick_label(at - base)).chars().collect();
            if c >= next_free && c + label.len() <= axis.cols {
                row[c..c + label.len()].copy_from_slice(&label);
                next_free = c + label.len() + 1;
            }
        }
        at += step;
    }
    Line::from(vec![Span::raw(" ".repeat(LABEL)), Span::styled(row.into_iter().collect::<String>(), t.dim)])
}

pub fn draw(f: &mut Frame, area: Rect, app: &mut App) {
    let inside = inner(area);
    let height = inside.height as usize;
    app.heights.timeline = height;
    let Some((first, last)) = app.time_range() else {
        f.render_widget(Paragraph::new(Line::styled("no packets", app.theme.dim)).block(block(app, Pane::Timeline, " Timeline ")), area);
        return;
    };
    let (from, to) = app.timeline.window.unwrap_or((first, last));
    let cols = (inside.width as usize).saturating_sub(LABEL).max(1);
    let cursor_us = app.list.selected.map(|i| app.frames.micros(i));
    let axis = Axis { from, to, cols, horizon: app.in_replay().then(|| app.horizon()).flatten(), cursor: None };
    let axis = Axis { cursor: cursor_us.and_then(|u| axis.col(u)), ..axis };
    let t = &app.theme;
    let bands = app.bands();
    app.timeline.band = app.timeline.band.min(bands.len().saturating_sub(1));
    let mut lines: Vec<Line> = vec![];
    let mut selected_line = 0;
    let mut band = 0;
    for vr in &app.analysis.bands.vrs {
        let mut head = format!("VRID {} {} v{}", vr.key.vrid, vr.key.family.name(), vr.version);
        if vr.key.vlan != 0 {
            head.push_str(&format!(" vlan {}", vr.key.vlan));
        }
        if let Some(vip) = vr.vips.first() {
            head.push_str(&format!(" · {vip}"));
            if vr.vips.len() > 1 {
                head.push_str(&format!(" +{}", vr.vips.len() - 1));
            }
        }
        lines.push(Line::styled(fit(&head, inside.width as usize), t.vrid(vr.key.vrid)));
        for r in &vr.routers {
            let colour = app.analysis.colour_of(r.addr).map_or(t.base, |c| t.router(c));
            let prio = cursor_us.and_then(|u| r.prio_at(u)).or(r.runs.first().map(|run| run.prio));
            let label = format!("{:<16}{:>3} ", r.addr.to_string(), prio.map_or(String::new(), |p| p.to_string()));
            let label_style = if band == app.timeline.band {
                selected_line = lines.len();
                if app.focus == Pane::Timeline {
                    t.selected
                } else {
                    t.selected_unfocused
                }
            } else {
                colour
            };
            let mut spans = vec![Span::styled(fit(&label, LABEL), label_style)];
            band_cells(&mut spans, r, colour, &axis, t);
            lines.push(Line::from(spans));
            band += 1;
        }
        if !vr.splits.is_empty() {
            let mut spans = vec![Span::styled(format!("{:<LABEL$}", "split brain"), t.split)];
            split_cells(&mut spans, vr, &axis, t);
            lines.push(Line::from(spans));
        }
    }
    let base = first;
    let mut title = format!(" Timeline {}–{} s ", rel(from, base), rel(to, base));
    if app.timeline.window.is_some() {
        title.push_str("(zoomed) ");
    }
    if lines.is_empty() {
        let msg = if app.loading() { "analysing when loaded…" } else { "no VRRP adverts" };
        lines.push(Line::styled(msg, t.dim));
    }
    // The axis stays at the bottom; the bands scroll to keep the selected one in view.
    let rows = height.saturating_sub(1);
    let mut offset = 0;
    keep_visible(&mut offset, selected_line, rows);
    let mut shown: Vec<Line> = lines.into_iter().skip(offset).take(rows).collect();
    while shown.len() < rows {
        shown.push(Line::raw(""));
    }
    if height > 0 {
        shown.push(axis_line(&axis, base, t));
    }
    f.render_widget(Paragraph::new(shown).block(block(app, Pane::Timeline, title)), area);
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn ticks_are_round_and_spaced() {
        assert_eq!(tick_step(20_000_000, 100, 10), 2_000_000);
        assert_eq!(tick_step(3_600_000_000, 60, 10), 600_000_000);
        assert_eq!(tick_label(5_000_000), "5s");
        assert_eq!(tick_label(120_000_000), "2m");
        assert_eq!(tick_label(500_000), "0.5s");
        let axis = Axis { from: 0, to: 100, cols: 10, horizon: None, cursor: None };
        assert_eq!(axis.span(0), (0, 10));
        assert_eq!(axis.col(100), Some(9));
        assert_eq!(axis.col(101), None);
    }
}

//! The packet list: number, time since the first packet, VRID, and the
//! tcpdump line, coloured by the router that sent it. Only the rows on
//! screen are decoded and printed.

use super::{block, fit, inner, keep_visible, pad, rel};
use crate::print::{FrameView, Numbers, Printer};
use crate::tui::app::{App, Pane};
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, app: &mut App) {
    let rows = app.row_count();
    let total = app.frames.len();
    let mut title = format!(" Packets {rows}");
    if rows != total {
        title.push_str(&format!(" of {total}"));
    }
    if app.loading() {
        title.push_str(" (loading…)");
    }
    title.push(' ');
    let inside = inner(area);
    let height = inside.height as usize;
    app.heights.list = height;
    let selected = app.selected_row();
    if app.list.follow {
        app.list.offset = rows.saturating_sub(height);
    } else if let Some(s) = selected {
        keep_visible(&mut app.list.offset, s, height);
    }
    app.list.offset = app.list.offset.min(rows.saturating_sub(1));
    let base = app.time_range().map_or(0, |r| r.0);
    let width = inside.width as usize;
    let mut lines = Vec::with_capacity(height);
    if rows == 0 {
        let msg = if app.loading() {
            "loading…"
        } else if app.filter.active.is_some() {
            "no packet matches the display filter"
        } else if app.is_simulation() {
            "no packet yet: space runs the simulation, . steps it"
        } else {
            "no packets"
        };
        lines.push(Line::styled(msg, app.theme.dim));
    }
    for row in app.list.offset..(app.list.offset + height).min(rows) {
        let i = app.row_frame(row);
        let mut spans = row_spans(app, i, base, width);
        if Some(row) == selected {
            pad(&mut spans, width);
            let style = if app.focus == Pane::List { app.theme.selected } else { app.theme.selected_unfocused };
            lines.push(Line::from(spans).style(style));
        } else {
            lines.push(Line::from(spans));
        }
    }
    f.render_widget(Paragraph::new(lines).block(block(app, Pane::List, title)), area);
}

/// The spans of frame `i`'s row.
fn row_spans(app: &mut App, i: usize, base: i64, width: usize) -> Vec<Span<'static>> {
    app.frames.load(i, &mut app.scratch);
    let no = i as u64 + 1;
    let view = FrameView::new(&app.scratch);
    app.line.clear();
    app.printer.print(Numbers { printed: no, in_file: no }, &view, &mut app.line);
    let d = view.decoded();
    let text = String::from_utf8_lossy(&app.line);
    let text: String = text.lines().next().unwrap_or("").chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let mut vrid = Span::raw("    ");
    let mut style = app.theme.base;
    if let Some((ip, bytes)) = d.vrrp() {
        if let Some(&v) = bytes.get(1) {
            vrid = Span::styled(format!("{v:>3} "), app.theme.vrid(v));
        }
        if let Some(c) = app.analysis.colour_of(ip.src) {
            style = app.theme.router(c);
        }
        if bytes.get(2) == Some(&0) {
            style = style.add_modifier(Modifier::BOLD);
        }
    } else if let Some(c) = crate::tui::explain::garp_in(&app.scratch)
        .and(d.macs())
        .and_then(|(src, _)| app.analysis.router_with_mac(src))
        .and_then(|r| app.analysis.colour_of(r))
    {
        style = app.theme.router(c).add_modifier(Modifier::ITALIC);
    }
    let head = format!("{no:>7} {:>12} ", rel(app.frames.micros(i), base));
    let rest = width.saturating_sub(head.chars().count() + 4);
    vec![Span::styled(head, app.theme.dim), vrid, Span::styled(fit(&text, rest), style)]
}

/// The style of a row that is not selected, for tests of colouring.
#[cfg(test)]
pub fn row_style(app: &mut App, i: usize) -> ratatui::style::Style {
    row_spans(app, i, 0, 200)[2].style
}

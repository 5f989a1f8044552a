//! The bytes pane: the selected packet in hex and ASCII, with the bytes of
//! the selected field lit. The byte ranges are the dissector's, which come
//! from the wire modules' field constants.

use super::{block, inner};
use crate::tui::app::{App, Pane};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// 16 bytes a line when there is room, else 8.
fn per_line(pane_width: u16) -> usize {
    if pane_width >= width_for(16) {
        16
    } else {
        8
    }
}

fn width_for(bytes: usize) -> u16 {
    // Borders, "0000  ", "xx " per byte, a space, one character per byte.
    (2 + 6 + bytes * 3 + 1 + bytes) as u16
}

/// The pane's width when the middle row is `total` columns wide.
pub fn width(total: u16) -> u16 {
    if total >= 130 {
        width_for(16)
    } else {
        width_for(8).min(total / 2)
    }
}

pub fn draw(f: &mut Frame, area: Rect, app: &mut App) {
    let inside = inner(area);
    let per = per_line(area.width);
    let height = inside.height as usize;
    app.heights.hex = height;
    let Some(frame) = app.list.selected else {
        f.render_widget(Paragraph::new(Line::styled("no packet selected", app.theme.dim)).block(block(app, Pane::Hex, " Bytes ")), area);
        return;
    };
    let data = app.frames.data(frame);
    let range = app.tree.selected_node().and_then(|n| n.range.clone());
    let lines_total = data.len().div_ceil(per);
    app.heights.hex_lines = lines_total;
    // Bring the field into view when the selection changes; leave manual scrolling alone otherwise.
    let seen = (frame, range.clone());
    if app.hex_seen.as_ref() != Some(&seen) {
        if let Some(r) = &range {
            let line = r.start / per;
            if line < app.hex_offset || line >= app.hex_offset + height {
                app.hex_offset = line.saturating_sub(1);
            }
        }
        app.hex_seen = Some(seen);
    }
    app.hex_offset = app.hex_offset.min(lines_total.saturating_sub(1));
    let lit = |i: usize| range.as_ref().is_some_and(|r| r.contains(&i));
    let t = &app.theme;
    let mut lines = vec![];
    for l in app.hex_offset..(app.hex_offset + height).min(lines_total) {
        let start = l * per;
        let chunk = &data[start..(start + per).min(data.len())];
        let mut spans = vec![Span::styled(format!("{start:04x}  "), t.dim)];
        for (k, b) in chunk.iter().enumerate() {
            let style = if lit(start + k) { t.highlight } else { t.base };
            spans.push(Span::styled(format!("{b:02x}"), style));
            // The space after a lit byte stays lit when the next is lit too.
            let gap = if lit(start + k) && lit(start + k + 1) && k + 1 < chunk.len() { t.highlight } else { t.base };
            spans.push(Span::styled(" ", gap));
        }
        spans.push(Span::raw("   ".repeat(per - chunk.len()) + " "));
        for (k, b) in chunk.iter().enumerate() {
            let c = if b.is_ascii_graphic() || *b == b' ' { *b as char } else { '.' };
            let style = if lit(start + k) { t.highlight } else { t.dim };
            spans.push(Span::styled(c.to_string(), style));
        }
        lines.push(Line::from(spans));
    }
    let title = match &range {
        Some(r) if r.end > r.start => format!(" Bytes {}..{} of {} ", r.start, r.end, data.len()),
        _ => format!(" Bytes ({}) ", data.len()),
    };
    f.render_widget(Paragraph::new(lines).block(block(app, Pane::Hex, title)), area);
}

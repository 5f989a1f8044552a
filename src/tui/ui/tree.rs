//! The fields pane: the `-V` tree of the selected packet, layers folding,
//! and under it what the selected field means.

use super::{block, fit, inner, keep_visible, pad, wrap};
use crate::dissect::Level;
use crate::tui::app::{App, Pane};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

/// Lines under the tree for the selected field's meaning.
const MEANING_LINES: u16 = 3;

pub fn draw(f: &mut Frame, area: Rect, app: &mut App) {
    let title = match app.tree.frame {
        Some(i) => format!(" Fields of packet {} ", i + 1),
        None => " Fields ".to_string(),
    };
    let inside = inner(area);
    f.render_widget(block(app, Pane::Tree, title), area);
    let show_meaning = inside.height > MEANING_LINES + 3;
    let [rows_area, meaning_area] = if show_meaning {
        Layout::vertical([Constraint::Fill(1), Constraint::Length(MEANING_LINES + 1)]).areas(inside)
    } else {
        [inside, Rect::default()]
    };
    let height = rows_area.height as usize;
    app.heights.tree = height;
    let rows = app.tree.rows();
    keep_visible(&mut app.tree.offset, app.tree.selected, height);
    let width = rows_area.width as usize;
    let t = &app.theme;
    let mut lines = vec![];
    for (n, row) in rows.iter().enumerate().skip(app.tree.offset).take(height) {
        let Some(node) = app.tree.node(&row.path) else { continue };
        let indent = "  ".repeat(row.depth);
        let text = if row.depth == 0 && !node.title.is_empty() {
            let fold = if app.tree.collapsed.contains(node.name) { "▸" } else { "▾" };
            let value = if node.value.is_empty() { String::new() } else { format!(": {}", node.value) };
            format!("{fold} {}{value}", node.title)
        } else if node.value.is_empty() {
            format!("{indent}{}", node.name)
        } else {
            format!("{indent}{}: {}", node.name, node.value)
        };
        let style = match node.worst() {
            Level::Info if row.depth == 0 => t.title,
            Level::Info => t.base,
            Level::Warn => t.warn,
            Level::Error => t.error,
        };
        let mut spans = vec![Span::styled(fit(&text, width), style)];
        if n == app.tree.selected {
            pad(&mut spans, width);
            let sel = if app.focus == Pane::Tree { t.selected } else { t.selected_unfocused };
            lines.push(Line::from(spans).style(sel));
        } else {
            lines.push(Line::from(spans));
        }
    }
    if rows.is_empty() {
        lines.push(Line::styled("no packet selected", t.dim));
    }
    f.render_widget(Paragraph::new(lines), rows_area);
    if show_meaning {
        let meaning = app.tree.selected_node().map(|n| n.meaning.clone()).unwrap_or_default();
        let mut lines = vec![Line::styled("─".repeat(meaning_area.width as usize), t.border)];
        let wrapped = wrap(&meaning, meaning_area.width as usize);
        let more = wrapped.len() > MEANING_LINES as usize;
        for (i, l) in wrapped.into_iter().take(MEANING_LINES as usize).enumerate() {
            let l = if more && i + 1 == MEANING_LINES as usize { format!("{} (e: more)", fit(&l, meaning_area.width as usize - 11)) } else { l };
            lines.push(Line::styled(l, t.dim));
        }
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), meaning_area);
    }
}

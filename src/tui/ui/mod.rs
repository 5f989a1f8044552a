//! Drawing: one function per pane, each reading the [`App`] and writing
//! into its rectangle. The layout:
//!
//! ```text
//! ┌ Packets ─────────────────────────────────────────────────────────────┐
//! │ No.  Time  VRID  tcpdump line, coloured by router                      │
//! └──────────────────────────────────────────────────────────────────────┘
//! ┌ Fields ──────────────────────────────┐┌ Bytes ─────────────────────────┐
//! │ the -V tree of the selected packet    ││ hex, the selected field lit    │
//! └──────────────────────────────────────┘└────────────────────────────────┘
//! ┌ Timeline ────────────────────────────────────────────┐┌ Findings ──────┐
//! │ per VRID, a band per router: █ master ─ silent        ││ severity, what │
//! └──────────────────────────────────────────────────────┘└────────────────┘
//!  status: input, frames, filter, replay                       ? help  q quit
//! ```

mod findings;
mod hex;
mod list;
mod popup;
mod status;
mod timeline;
mod tree;

use super::app::{App, Pane};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType};
use ratatui::Frame;

/// Draws the whole screen.
pub fn draw(f: &mut Frame, app: &mut App) {
    let area = f.area();
    f.buffer_mut().set_style(area, app.theme.base);
    let [main, status_line] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let [top, middle, bottom] =
        Layout::vertical([Constraint::Percentage(36), Constraint::Percentage(32), Constraint::Fill(1)]).areas(main);
    let hex_width = hex::width(middle.width);
    let [tree_area, hex_area] = Layout::horizontal([Constraint::Fill(1), Constraint::Length(hex_width)]).areas(middle);
    let [timeline_area, findings_area] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Fill(1)]).areas(bottom);
    list::draw(f, top, app);
    tree::draw(f, tree_area, app);
    hex::draw(f, hex_area, app);
    timeline::draw(f, timeline_area, app);
    findings::draw(f, findings_area, app);
    status::draw(f, status_line, app);
    popup::draw(f, area, app);
}

/// A pane's frame, its border lit when it has the focus.
fn block<'a>(app: &App, pane: Pane, title: impl Into<Line<'a>>) -> Block<'a> {
    let focused = app.focus == pane;
    let style = if focused { app.theme.focused_border } else { app.theme.border };
    let title: Line = title.into();
    Block::bordered()
        .border_type(if focused { BorderType::Thick } else { BorderType::Plain })
        .border_style(style)
        .title(title.style(app.theme.title))
}

/// The inside of a pane's rectangle (without the border).
fn inner(area: Rect) -> Rect {
    Block::bordered().inner(area)
}

/// Scrolls `offset` so that `selected` is one of `height` rows.
fn keep_visible(offset: &mut usize, selected: usize, height: usize) {
    if height == 0 {
        return;
    }
    if selected < *offset {
        *offset = selected;
    } else if selected >= *offset + height {
        *offset = selected + 1 - height;
    }
}

/// Seconds since `base` (µs), as the list's time column and the timeline print them.
fn rel(us: i64, base: i64) -> String {
    let d = us - base;
    let sign = if d < 0 { "-" } else { "" };
    let d = d.unsigned_abs();
    format!("{sign}{}.{:06}", d / 1_000_000, d % 1_000_000)
}

/// A line cut to `width` characters.
fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A line padded with spaces to `width` (so a selection bar spans the pane).
fn pad(spans: &mut Vec<Span<'static>>, width: usize) {
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    if used < width {
        spans.push(Span::raw(" ".repeat(width - used)));
    }
}

/// Splits `text` into lines of at most `width` characters, at spaces;
/// keeps the text's own line breaks.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut lines = vec![];
    for para in text.split('\n') {
        let indent: String = para.chars().take_while(|c| *c == ' ').collect();
        let mut line = String::new();
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let len = line.chars().count();
            if len > 0 && len + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if line.is_empty() {
                line.push_str(&indent);
            } else {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
pub use list::row_style;

/// The help pop-up's text, for tests.
#[cfg(test)]
pub fn help_text() -> String {
    popup::help_lines().join("\n")
}

/// Draws one part of the screen over the whole frame, for the pane snapshots.
#[cfg(test)]
pub fn draw_part(f: &mut Frame, app: &mut App, part: &str) {
    let area = f.area();
    match part {
        "list" => list::draw(f, area, app),
        "tree" => tree::draw(f, area, app),
        "hex" => hex::draw(f, area, app),
        "timeline" => timeline::draw(f, area, app),
        "findings" => findings::draw(f, area, app),
        "status" => status::draw(f, area, app),
        other => panic!("no part {other}"),
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn wrapping_keeps_indents_and_breaks() {
        assert_eq!(wrap("one two three four", 9), ["one two", "three", "four"]);
        assert_eq!(wrap("a\n  b c", 20), ["a", "  b c"]);
        assert_eq!(rel(3_609_375, 0), "3.609375");
        assert_eq!(rel(-5, 0), "-0.000005");
        assert_eq!(fit("abcdef", 4), "abc…");
    }
}

//! The bottom line: the input, how many frames, the filter, the replay
//! state and the last message; or, while `/` is open, the filter being
//! typed, red while it does not parse.

use crate::tui::app::App;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    if let Some(p) = &app.filter.prompt {
        let style = if p.error.is_some() { t.error } else { t.ok };
        let mut spans = vec![Span::styled("/", t.title), Span::styled(p.text.clone(), style), Span::styled("▏", t.dim)];
        match &p.error {
            Some(e) => spans.push(Span::styled(format!("   column {}: {}", e.column, e.message), t.error)),
            None => spans.push(Span::styled("   Enter applies, Esc cancels, empty clears", t.dim)),
        }
        f.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    let mut parts = vec![app.source_label()];
    let (v, n) = (app.visible(), app.frames.len());
    parts.push(if v == n { format!("{n} frames") } else { format!("{v}/{n} frames") });
    if let Some(flt) = &app.filter.active {
        parts.push(format!("filter: {}", flt.source()));
    }
    if app.in_replay() {
        let state = if app.replay.playing { "▶" } else { "❚❚" };
        let base = app.time_range().map_or(0, |r| r.0);
        parts.push(format!("{state} {} t={}", app.replay.speed_label(), super::rel(app.replay.at, base)));
    }
    let left = format!(" {}", parts.join(" │ "));
    let right = " ? help  q quit ";
    let mut spans = vec![Span::styled(left.clone(), t.status)];
    if let Some(s) = &app.status {
        spans.push(Span::styled(format!(" │ {}", s.text), if s.error { t.status.patch(t.error) } else { t.status }));
    }
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let width = area.width as usize;
    if used + right.len() < width {
        spans.push(Span::styled(" ".repeat(width - used - right.len()), t.status));
        spans.push(Span::styled(right, t.status));
    }
    f.render_widget(Paragraph::new(Line::from(spans)).style(t.status), area);
}

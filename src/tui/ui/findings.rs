//! The findings list: severity, time, evidence frame, what was found.
//! Enter jumps to the evidence; during a replay only what has happened
//! so far is listed.

use super::{block, fit, inner, keep_visible, pad, rel};
use crate::analyze::report::Severity;
use crate::tui::analysis::micros;
use crate::tui::app::{App, Pane};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, app: &mut App) {
    let inside = inner(area);
    let height = inside.height as usize;
    app.heights.findings = height;
    let shown = app.shown_findings();
    app.findings.selected = app.findings.selected.min(shown.len().saturating_sub(1));
    keep_visible(&mut app.findings.offset, app.findings.selected, height);
    let base = app.time_range().map_or(0, |r| r.0);
    let width = inside.width as usize;
    let t = &app.theme;
    let mut lines = vec![];
    for (n, &i) in shown.iter().enumerate().skip(app.findings.offset).take(height) {
        let fd = &app.analysis.report.findings[i];
        let (sev, style) = match fd.severity {
            Severity::Info => ("info ", t.base),
            Severity::Warn => ("warn ", t.warn),
            Severity::Error => ("error", t.error),
        };
        let frame = fd.frames.first().map_or("     -".to_string(), |no| format!("#{no:<5}"));
        let head = format!("{sev} {:>10} {frame} ", rel(micros(fd.ts), base));
        let rest = width.saturating_sub(head.chars().count());
        let mut spans = vec![Span::styled(head, style), Span::styled(fit(&fd.message, rest), t.base)];
        if n == app.findings.selected {
            pad(&mut spans, width);
            let sel = if app.focus == Pane::Findings { t.selected } else { t.selected_unfocused };
            lines.push(Line::from(spans).style(sel));
        } else {
            lines.push(Line::from(spans));
        }
    }
    if shown.is_empty() {
        let msg = if app.loading() { "analysing when loaded…" } else { "no findings" };
        lines.push(Line::styled(msg, t.dim));
    }
    let total = app.analysis.report.findings.len();
    let title = if shown.len() == total { format!(" Findings {total} ") } else { format!(" Findings {} of {total} ", shown.len()) };
    f.render_widget(Paragraph::new(lines).block(block(app, Pane::Findings, title)), area);
}

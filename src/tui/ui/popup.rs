//! Pop-ups over the panes: `?` help, generated from the key table, and
//! `e` explanations.

use super::wrap;
use crate::tui::action::{Section, BINDINGS};
use crate::tui::app::{App, Popup};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

const SECTIONS: [Section; 5] = [Section::Move, Section::Replay, Section::Teach, Section::Simulation, Section::Other];

/// The help text: every binding, by section, then the timeline's symbols.
pub fn help_lines() -> Vec<String> {
    let mut out = vec![];
    for s in SECTIONS {
        out.push(s.title().to_string());
        for b in BINDINGS.iter().filter(|b| b.section == s) {
            let keys: Vec<String> = b.keys.iter().map(|k| k.label()).collect();
            out.push(format!("  {:<12} {}", keys.join(" "), b.help));
        }
        out.push(String::new());
    }
    out.push("Timeline".into());
    for l in [
        "  █  advertising: the router believes it is master",
        "  ─  silent: a backup, or down (only masters advertise)",
        "  P  new priority   0  priority 0 (resigned)   G  gratuitous ARP",
        "  !  split brain: more than one master at once",
        "  In a simulation the bands show each instance's real state: ─ backup, · not running, × fault",
    ] {
        out.push(l.into());
    }
    out
}

pub fn draw(f: &mut Frame, area: Rect, app: &mut App) {
    let Some(popup) = app.popup.as_mut() else { return };
    let outer = area.centered(Constraint::Percentage(80), Constraint::Percentage(80));
    let width = outer.width.saturating_sub(4) as usize;
    let (title, lines, scroll) = match popup {
        Popup::Help { scroll } => (" Keys (Esc closes, j/k scroll) ".to_string(), help_lines(), scroll),
        Popup::Explain { what, scroll } => (format!(" {} (Esc closes) ", what.title), wrap(&what.text, width), scroll),
    };
    // As tall as the text needs, within the 80 % box.
    let rect = outer.centered_vertically(Constraint::Length((lines.len() as u16 + 2).min(outer.height)));
    let height = rect.height.saturating_sub(2) as usize;
    *scroll = (*scroll).min(lines.len().saturating_sub(height));
    let lines: Vec<Line> = lines.into_iter().skip(*scroll).take(height).map(Line::from).collect();
    let t = &app.theme;
    let block = Block::bordered().title(Line::from(title).style(t.title)).border_style(t.focused_border).style(t.base);
    f.render_widget(Clear, rect);
    f.render_widget(Paragraph::new(lines).block(block.padding(ratatui::widgets::Padding::horizontal(1))), rect);
}

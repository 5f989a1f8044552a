//! Colours, for dark and light terminals. Panes ask the theme for a role
//! ("a master band", "the selected row") and never name a colour.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub name: ThemeName,
    pub base: Style,
    pub dim: Style,
    pub border: Style,
    pub focused_border: Style,
    pub title: Style,
    pub selected: Style,
    /// The selected row of a pane that does not have the focus.
    pub selected_unfocused: Style,
    /// Bytes of the selected field in the hex pane.
    pub highlight: Style,
    pub warn: Style,
    pub error: Style,
    pub ok: Style,
    pub backup: Style,
    pub split: Style,
    pub mark: Style,
    pub cursor: Style,
    pub status: Style,
    /// One colour per router, in the order of their addresses.
    routers: [Color; 6],
    /// One colour per VRID.
    vrids: [Color; 5],
}

impl Theme {
    pub fn new(name: ThemeName) -> Theme {
        match name {
            ThemeName::Dark => Theme::dark(),
            ThemeName::Light => Theme::light(),
        }
    }

    pub fn dark() -> Theme {
        let fg = Color::Gray;
        Theme {
            name: ThemeName::Dark,
            base: Style::new().fg(fg),
            dim: Style::new().fg(Color::DarkGray),
            border: Style::new().fg(Color::DarkGray),
            focused_border: Style::new().fg(Color::Cyan),
            title: Style::new().fg(Color::White).add_modifier(Modifier::BOLD),
            selected: Style::new().bg(Color::Blue).fg(Color::White),
            selected_unfocused: Style::new().bg(Color::DarkGray).fg(Color::White),
            highlight: Style::new().bg(Color::Yellow).fg(Color::Black),
            warn: Style::new().fg(Color::Yellow),
            error: Style::new().fg(Color::LightRed).add_modifier(Modifier::BOLD),
            ok: Style::new().fg(Color::LightGreen),
            backup: Style::new().fg(Color::DarkGray),
            split: Style::new().fg(Color::LightRed).add_modifier(Modifier::BOLD),
            mark: Style::new().fg(Color::White).add_modifier(Modifier::BOLD),
            cursor: Style::new().bg(Color::Gray).fg(Color::Black),
            status: Style::new().bg(Color::DarkGray).fg(Color::White),
            routers: [Color::LightGreen, Color::LightMagenta, Color::LightCyan, Color::LightYellow, Color::LightBlue, Color::LightRed],
            vrids: [Color::Cyan, Color::Yellow, Color::Magenta, Color::Green, Color::Blue],
        }
    }

    pub fn light() -> Theme {
        let fg = Color::Black;
        Theme {
            name: ThemeName::Light,
            base: Style::new().fg(fg),
            dim: Style::new().fg(Color::Gray),
            border: Style::new().fg(Color::Gray),
            focused_border: Style::new().fg(Color::Blue),
            title: Style::new().fg(Color::Black).add_modifier(Modifier::BOLD),
            selected: Style::new().bg(Color::LightBlue).fg(Color::Black),
            selected_unfocused: Style::new().bg(Color::Gray).fg(Color::Black),
            highlight: Style::new().bg(Color::LightYellow).fg(Color::Black).add_modifier(Modifier::BOLD),
            warn: Style::new().fg(Color::Rgb(0x9a, 0x60, 0x00)),
            error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            ok: Style::new().fg(Color::Green),
            backup: Style::new().fg(Color::Gray),
            split: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            mark: Style::new().fg(Color::Black).add_modifier(Modifier::BOLD),
            cursor: Style::new().bg(Color::DarkGray).fg(Color::White),
            status: Style::new().bg(Color::Gray).fg(Color::Black),
            routers: [Color::Green, Color::Magenta, Color::Blue, Color::Rgb(0x9a, 0x60, 0x00), Color::Cyan, Color::Red],
            vrids: [Color::Blue, Color::Magenta, Color::Rgb(0x9a, 0x60, 0x00), Color::Green, Color::Cyan],
        }
    }

    /// The other theme.
    pub fn toggled(&self) -> Theme {
        Theme::new(match self.name {
            ThemeName::Dark => ThemeName::Light,
            ThemeName::Light => ThemeName::Dark,
        })
    }

    /// The style of router number `i` (its colour index).
    pub fn router(&self, i: usize) -> Style {
        Style::new().fg(self.routers[i % self.routers.len()])
    }

    pub fn vrid(&self, vrid: u8) -> Style {
        Style::new().fg(self.vrids[usize::from(vrid) % self.vrids.len()]).add_modifier(Modifier::BOLD)
    }
}

//! What a key does, as data: the [`BINDINGS`] table maps keys to
//! [`Action`]s, and the help screen is generated from the same table, so
//! the two cannot disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Explain,
    Filter,
    NextPane,
    PrevPane,
    Down,
    Up,
    PageDown,
    PageUp,
    Top,
    Bottom,
    /// Collapse in the tree; the previous mark on a timeline band.
    Left,
    /// Expand in the tree; the next mark on a timeline band.
    Right,
    /// Jump to what the selected row points at (a finding's evidence, …).
    Activate,
    PlayPause,
    StepForward,
    StepBack,
    EventForward,
    EventBack,
    Faster,
    Slower,
    NextFinding,
    PrevFinding,
    NextChange,
    PrevChange,
    /// Show the newest frame and follow new ones.
    Live,
    ZoomIn,
    ZoomOut,
    ToggleTheme,
    /// Simulation faults on the selected router's node.
    SimStop,
    SimCrash,
    SimStart,
    SimBlockVrrp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Move,
    Replay,
    Teach,
    Simulation,
    Other,
}

impl Section {
    pub fn title(self) -> &'static str {
        match self {
            Section::Move => "Moving around",
            Section::Replay => "Replay",
            Section::Teach => "Learning",
            Section::Simulation => "Simulation (--sim): faults on the node of the selected timeline band",
            Section::Other => "Other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn k(c: char) -> Key {
    Key { code: KeyCode::Char(c), mods: KeyModifiers::NONE }
}
const fn code(code: KeyCode) -> Key {
    Key { code, mods: KeyModifiers::NONE }
}
const fn ctrl(c: char) -> Key {
    Key { code: KeyCode::Char(c), mods: KeyModifiers::CONTROL }
}

impl Key {
    /// Shift is part of the character itself (`G`, `?`, `>`), so it is
    /// not compared for character keys.
    pub fn matches(&self, e: &KeyEvent) -> bool {
        let strip = |m: KeyModifiers| if matches!(e.code, KeyCode::Char(_)) { m - KeyModifiers::SHIFT } else { m };
        self.code == e.code && strip(self.mods) == strip(e.modifiers)
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("C-{base}")
        } else {
            base
        }
    }
}

pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub section: Section,
    pub help: &'static str,
}

const fn bind(keys: &'static [Key], action: Action, section: Section, help: &'static str) -> Binding {
    Binding { keys, action, section, help }
}

use Action as A;
use Section as S;

/// Every key the UI knows, outside the filter prompt and the pop-ups.
pub const BINDINGS: &[Binding] = &[
    bind(&[k('j'), code(KeyCode::Down)], A::Down, S::Move, "down one row (packet, field, band, finding)"),
    bind(&[k('k'), code(KeyCode::Up)], A::Up, S::Move, "up one row"),
    bind(&[ctrl('d'), code(KeyCode::PageDown)], A::PageDown, S::Move, "down one page"),
    bind(&[ctrl('u'), code(KeyCode::PageUp)], A::PageUp, S::Move, "up one page"),
    bind(&[k('g'), code(KeyCode::Home)], A::Top, S::Move, "first row"),
    bind(&[k('G')], A::Bottom, S::Move, "last row"),
    bind(&[k('h'), code(KeyCode::Left)], A::Left, S::Move, "fields: collapse; timeline: previous mark on the band"),
    bind(&[k('l'), code(KeyCode::Right)], A::Right, S::Move, "fields: expand; timeline: next mark on the band"),
    bind(&[code(KeyCode::Enter)], A::Activate, S::Move, "open: a finding's or band mark's frame, a layer, a packet's fields"),
    bind(&[code(KeyCode::Tab)], A::NextPane, S::Move, "next pane"),
    bind(&[code(KeyCode::BackTab)], A::PrevPane, S::Move, "previous pane"),
    bind(&[k(' ')], A::PlayPause, S::Replay, "play / pause: packets appear as capture time passes (from the selected one)"),
    bind(&[k('.')], A::StepForward, S::Replay, "step forward one packet"),
    bind(&[k(',')], A::StepBack, S::Replay, "step back one packet"),
    bind(&[k('>')], A::EventForward, S::Replay, "step forward one event (master change, priority, GARP, finding)"),
    bind(&[k('<')], A::EventBack, S::Replay, "step back one event"),
    bind(&[k('+'), k('=')], A::Faster, S::Replay, "replay faster (×2)"),
    bind(&[k('-')], A::Slower, S::Replay, "replay slower (÷2)"),
    bind(&[k(']')], A::NextChange, S::Replay, "next change of master (or split brain)"),
    bind(&[k('[')], A::PrevChange, S::Replay, "previous change of master"),
    bind(&[k('n')], A::NextFinding, S::Replay, "next finding's evidence"),
    bind(&[k('N')], A::PrevFinding, S::Replay, "previous finding's evidence"),
    bind(&[code(KeyCode::End)], A::Live, S::Replay, "follow live: show every packet, keep the newest selected"),
    bind(&[k('e')], A::Explain, S::Teach, "explain the selected field, packet, band or finding in plain words"),
    bind(&[k('z')], A::ZoomIn, S::Teach, "timeline: zoom in around the selected packet"),
    bind(&[k('Z')], A::ZoomOut, S::Teach, "timeline: zoom out"),
    bind(&[k('s')], A::SimStop, S::Simulation, "stop keepalived gracefully (priority 0 advert)"),
    bind(&[k('c')], A::SimCrash, S::Simulation, "crash keepalived (silence)"),
    bind(&[k('r')], A::SimStart, S::Simulation, "start keepalived again"),
    bind(&[k('b')], A::SimBlockVrrp, S::Simulation, "block / unblock inbound VRRP (a firewall rule)"),
    bind(&[k('/')], A::Filter, S::Other, "display filter (read --filter language; red while invalid, Enter applies, Esc cancels)"),
    bind(&[k('t')], A::ToggleTheme, S::Other, "switch between the dark and light theme"),
    bind(&[k('?')], A::Help, S::Other, "this help"),
    bind(&[k('q'), ctrl('c')], A::Quit, S::Other, "quit"),
];

/// The action bound to a key press, if any.
pub fn action_for(e: &KeyEvent) -> Option<Action> {
    BINDINGS.iter().find(|b| b.keys.iter().any(|k| k.matches(e))).map(|b| b.action)
}

#[cfg(test)]
mod test {
    use super::*;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn keys_map_to_actions() {
        assert_eq!(action_for(&press(KeyCode::Char('G'), KeyModifiers::SHIFT)), Some(A::Bottom));
        assert_eq!(action_for(&press(KeyCode::Char('g'), KeyModifiers::NONE)), Some(A::Top));
        assert_eq!(action_for(&press(KeyCode::Char('d'), KeyModifiers::CONTROL)), Some(A::PageDown));
        assert_eq!(action_for(&press(KeyCode::Char('d'), KeyModifiers::NONE)), None);
        assert_eq!(action_for(&press(KeyCode::Char('?'), KeyModifiers::SHIFT)), Some(A::Help));
        assert_eq!(action_for(&press(KeyCode::End, KeyModifiers::NONE)), Some(A::Live));
        assert_eq!(action_for(&press(KeyCode::End, KeyModifiers::SHIFT)), None);
    }

    #[test]
    fn no_key_is_bound_twice() {
        let keys: Vec<Key> = BINDINGS.iter().flat_map(|b| b.keys.iter().copied()).collect();
        for (i, a) in keys.iter().enumerate() {
            assert!(!keys[i + 1..].contains(a), "{} is bound twice", a.label());
        }
    }
}

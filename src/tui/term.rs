//! The terminal in raw mode on the alternate screen, and back to normal
//! whatever happens: on return, on error (the guard's `Drop`) and on panic
//! (a hook that restores before the panic message prints).

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::backend::CrosstermBackend;
use std::io::{self, IsTerminal, Stdout};
use std::sync::Once;

fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, Show);
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

/// Restores the terminal when dropped, even if entering it failed halfway.
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

pub struct Terminal {
    inner: ratatui::Terminal<CrosstermBackend<Stdout>>,
    // Declared last: dropped after the terminal has flushed.
    _guard: Guard,
}

impl Terminal {
    pub fn enter() -> anyhow::Result<Terminal> {
        if !io::stdout().is_terminal() {
            anyhow::bail!("vrrplab tui needs a terminal: its output is not one (for text, use vrrplab read, timeline or analyze)");
        }
        install_panic_hook();
        let guard = Guard;
        enable_raw_mode().map_err(|e| anyhow::anyhow!("vrrplab tui needs a terminal: {e}"))?;
        execute!(io::stdout(), EnterAlternateScreen, Hide)?;
        let inner = ratatui::Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok(Terminal { inner, _guard: guard })
    }

    pub fn draw(&mut self, f: impl FnOnce(&mut ratatui::Frame)) -> io::Result<()> {
        self.inner.draw(f).map(|_| ())
    }
}

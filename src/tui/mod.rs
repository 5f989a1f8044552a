//! `vrrplab tui`: the capture as a list, a field tree, a hex dump, a
//! timeline of who was master, and the findings; a replay that reveals the
//! packets as capture time passes; `e` to explain what is selected.
//!
//! ```text
//! store.rs      every frame in one arena (a million frames open fast)
//! feed.rs       where frames come from: a file in slices, a thread; sim.rs: the simulator
//! analysis.rs   the analyzer's report, the bands, the events to step through
//! bands.rs      per virtual router, per router: runs of adverts, priorities, GARPs
//! app.rs        the state; control.rs: keys into state changes; action.rs: the key table
//! moves.rs      selecting, the replay's play, steps and jumps, zoom
//! replay.rs     the replay clock        explain/: the teaching texts
//! ui/           one drawing function per pane   theme.rs: dark and light
//! term.rs       raw mode and the alternate screen, always restored
//! ```

mod action;
mod analysis;
mod app;
mod bands;
mod control;
mod explain;
mod feed;
mod moves;
mod replay;
mod sim;
mod term;
mod theme;
mod tree_state;
mod ui;

#[cfg(test)]
mod tests;

pub use app::{App, StatusLine};
pub use feed::{Fault, Faults, Feed, FileFeed, ThreadFeed};
pub use sim::SimFeed;
pub use store::Frames;
pub use theme::{Theme, ThemeName};
pub use ui::draw;

pub mod store;

use std::time::{Duration, Instant};

/// How long to wait for a key while something moves (replay, loading, live
/// frames), and while nothing does.
const BUSY_TICK: Duration = Duration::from_millis(40);
const IDLE_TICK: Duration = Duration::from_millis(250);

/// Loads frames until the feed ends or `limit` frames are in (benchmarks
/// and tests use it to have a file fully loaded before the first draw).
pub fn load(app: &mut App, limit: usize) {
    let now = Instant::now();
    while app.loading() && app.frames.len() < limit {
        let before = app.frames.len();
        app.tick(now);
        if app.frames.len() == before && app.loading() {
            break;
        }
    }
    app.tick(now);
}

/// Runs the UI on the terminal until `q`.
pub fn run(mut app: App) -> anyhow::Result<()> {
    use crossterm::event::{self, Event};
    let mut terminal = term::Terminal::enter()?;
    loop {
        app.tick(Instant::now());
        terminal.draw(|f| ui::draw(f, &mut app))?;
        if app.quit {
            return Ok(());
        }
        let busy = app.replay.playing || app.loading() || app.feed.endless();
        if event::poll(if busy { BUSY_TICK } else { IDLE_TICK })? {
            // Take every key already typed before drawing again (bounded, so
            // a flood of input cannot starve the screen).
            for _ in 0..64 {
                if let Event::Key(k) = event::read()? {
                    app.key(k, Instant::now());
                }
                if app.quit || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
    }
}

//! `vrrplab tui FILE | --sim SCENARIO`: the terminal UI (see [`crate::tui`]).

use super::Status;
use crate::filter::Filter;
use crate::tui::{self, App, Feed, FileFeed, SimFeed, Theme, ThemeName};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A capture file (pcap or pcapng)
    #[arg(value_name = "FILE", required_unless_present = "sim", conflicts_with = "sim")]
    pub file: Option<PathBuf>,
    /// Run a scenario in the simulator instead, step by step (builtin:NAME; see `vrrplab sim --list`)
    #[arg(long, value_name = "SCENARIO")]
    pub sim: Option<String>,
    /// Seed of the simulation's loss and jitter (default: the scenario's)
    #[arg(long, requires = "sim")]
    pub seed: Option<u64>,
    /// Colours for a dark or a light terminal
    #[arg(long, value_enum, default_value = "dark")]
    pub theme: ThemeName,
    /// Display filter to start with (the `read --filter` language)
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,
}

pub fn run(a: Args) -> anyhow::Result<Status> {
    let filter = a.filter.as_deref().map(Filter::parse).transpose().map_err(|e| anyhow::anyhow!("--filter: {e}"))?;
    let (feed, warnings): (Box<dyn Feed>, Vec<String>) = match (&a.sim, &a.file) {
        (Some(spec), _) => {
            let scenario = crate::scenario::load(spec)?;
            let (feed, warnings) = SimFeed::new(format!("sim {spec}"), &scenario, a.seed)?;
            (Box::new(feed), warnings)
        }
        (None, Some(file)) => (Box::new(FileFeed::open(file)?), vec![]),
        (None, None) => anyhow::bail!("give a capture FILE or --sim SCENARIO"),
    };
    let mut app = App::new(feed, Theme::new(a.theme));
    app.filter.set(filter);
    if let Some(w) = warnings.first() {
        app.status = Some(tui::StatusLine { text: format!("warning: {w}"), error: true });
    }
    if app.is_simulation() {
        app.start_playing(std::time::Instant::now());
    }
    tui::run(app)?;
    Ok(Status::Ok)
}

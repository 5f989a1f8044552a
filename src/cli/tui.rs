//! `vrrplab tui FILE`: the terminal UI (see [`crate::tui`]).

use super::Status;
use crate::filter::Filter;
use crate::tui::{self, App, FileFeed, Theme, ThemeName};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A capture file (pcap or pcapng)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Colours for a dark or a light terminal
    #[arg(long, value_enum, default_value = "dark")]
    pub theme: ThemeName,
    /// Display filter to start with (the `read --filter` language)
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,
}

pub fn run(a: Args) -> anyhow::Result<Status> {
    let filter = a.filter.as_deref().map(Filter::parse).transpose().map_err(|e| anyhow::anyhow!("--filter: {e}"))?;
    let mut app = App::new(Box::new(FileFeed::open(&a.file)?), Theme::new(a.theme));
    app.filter.set(filter);
    tui::run(app)?;
    Ok(Status::Ok)
}

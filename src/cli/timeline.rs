//! `vrrplab timeline`: who was master when, and why, per virtual router.

use super::Status;
use crate::analyze::{analyze_files, text, Analyzer};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Capture files (pcap or pcapng), read in order as one capture
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// JSON lines, one event per line (the contract in DESIGN.md)
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    let report = analyze_files(&args.files, Analyzer::new())?;
    super::write_report(args.json, &report.timeline, |out| text::timeline(&report, out))?;
    Ok(Status::Ok)
}

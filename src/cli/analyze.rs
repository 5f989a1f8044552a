//! `vrrplab analyze`: findings about elections, ARP, LVS and conformance.

use super::Status;
use crate::analyze::report::Severity;
use crate::analyze::{analyze_files, text, Analyzer};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Capture files (pcap or pcapng), read in order as one capture
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// JSON lines, one finding per line
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when a finding at or above this severity exists
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum FailOn {
    Warn,
    Error,
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    let report = analyze_files(&args.files, Analyzer::without_timeline())?;
    super::write_report(args.json, &report.findings, |out| text::findings(&report, out))?;
    let threshold = match args.fail_on {
        None => return Ok(Status::Ok),
        Some(FailOn::Warn) => Severity::Warn,
        Some(FailOn::Error) => Severity::Error,
    };
    let failed = report.findings.iter().any(|f| f.severity >= threshold);
    Ok(if failed { Status::Failed } else { Status::Ok })
}

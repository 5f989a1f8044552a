//! `vrrplab lab run|up|down`: scenarios on real network namespaces (root).

use super::Status;
use crate::lab::capture::CaptureLimits;
use crate::lab::run::{run as run_lab, RunOptions, MAX_DURATION};
use crate::scenario::toml::parse_duration;
use anyhow::Context;
use clap::Subcommand;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: LabCommand,
}

#[derive(Subcommand, Debug)]
pub enum LabCommand {
    /// Run a scenario for its duration, capturing the LAN, then tear it down
    Run(RunArgs),
    /// Bring a scenario up and keep it up until Ctrl-C (or --duration)
    Up(UpArgs),
    /// Remove the namespaces and files that killed lab runs left behind
    Down(DownArgs),
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Scenario: a TOML file or builtin:NAME
    pub scenario: String,
    /// Write the LAN capture to OUT.pcap
    #[arg(short = 'w', value_name = "OUT.pcap")]
    pub write: Option<PathBuf>,
    /// Write the log (keepalived's lines and the lab's actions) to OUT.log
    #[arg(long, value_name = "OUT.log")]
    pub log: Option<PathBuf>,
    /// Run for this long instead of the scenario's duration (e.g. 20s, 1m)
    #[arg(long, value_name = "D", value_parser = duration)]
    pub duration: Option<Duration>,
    /// Stop capturing after N frames
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub max_frames: usize,
    /// Do not print the log as it comes
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(clap::Args, Debug)]
pub struct UpArgs {
    /// Scenario: a TOML file or builtin:NAME
    pub scenario: String,
    /// Tear down after this long at the latest
    #[arg(long, value_name = "D", value_parser = duration, default_value = "1h")]
    pub duration: Duration,
}

#[derive(clap::Args, Debug)]
pub struct DownArgs {
    /// Also remove labs whose process is still running
    #[arg(long)]
    pub all: bool,
}

fn duration(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s).map(Duration::from_micros).ok_or_else(|| format!("invalid duration {s:?} (e.g. 20s, 500ms, 1m)"))?;
    if d.is_zero() || d > MAX_DURATION {
        return Err(format!("the lab runs for more than 0 and at most {} s", MAX_DURATION.as_secs()));
    }
    Ok(d)
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    match args.command {
        LabCommand::Run(a) => lab_run(a),
        LabCommand::Up(a) => up(a),
        LabCommand::Down(a) => down(a),
    }
}

fn lab_run(args: RunArgs) -> anyhow::Result<Status> {
    let scenario = crate::scenario::load(&args.scenario)?;
    let opts = RunOptions {
        duration: args.duration,
        capture: Some(CaptureLimits { max_frames: args.max_frames, ..CaptureLimits::default() }),
        echo_log: !args.quiet,
    };
    let rec = run_lab(&scenario, &opts)?;
    if let Some(path) = &args.write {
        rec.write_pcap(path)?;
    }
    if let Some(path) = &args.log {
        let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        rec.write_log(std::io::BufWriter::new(file)).with_context(|| format!("writing {}", path.display()))?;
    }
    if !args.quiet {
        println!("{} frames captured{}", rec.frames.len(), if rec.interrupted { " (interrupted)" } else { "" });
    }
    Ok(Status::Ok)
}

fn up(args: UpArgs) -> anyhow::Result<Status> {
    let scenario = crate::scenario::load(&args.scenario)?;
    println!("lab up for at most {} s; Ctrl-C tears it down", args.duration.as_secs());
    let opts = RunOptions { duration: Some(args.duration), capture: None, echo_log: true };
    run_lab(&scenario, &opts)?;
    Ok(Status::Ok)
}

fn down(args: DownArgs) -> anyhow::Result<Status> {
    for name in crate::lab::cleanup::down(args.all)? {
        println!("removed {name}");
    }
    Ok(Status::Ok)
}

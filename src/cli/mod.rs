//! The command line: clap definitions and one file per subcommand. Each
//! subcommand's `run` returns a [`Status`]; errors map to exit code 2.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod analyze;
mod check;
mod lab;
mod live;
mod read;
mod sim;
mod timeline;
mod tui;

/// What a command concluded, as an exit code: 0 ok, 1 a check or finding
/// threshold failed. Errors (2) travel as `anyhow::Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Failed,
}

#[derive(Parser, Debug)]
#[command(name = "vrrplab", version, about = "VRRP/LVS packet analyzer and simulator", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print packets from capture files, tcpdump-style (byte-identical for VRRP and ARP)
    Read(read::Args),
    /// Who was master when, and why, per VRID
    Timeline(timeline::Args),
    /// Findings: failovers, split brain, GARPs, ARP conflicts, conformance, LVS
    Analyze(analyze::Args),
    /// Assert expectations on a capture, for CI (exit 1 when one fails)
    Check(check::Args),
    /// Run a scenario in the deterministic simulator
    Sim(sim::Args),
    /// Run a scenario on real network namespaces: the engine or real keepalived (root)
    Lab(lab::Args),
    /// Print (and -w write) packets from a live interface, tcpdump-style
    Live(live::Args),
    /// Terminal UI: packet list, fields, bytes, timeline, findings, replay
    Tui(tui::Args),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Read(a) => read::run(a),
        Command::Timeline(a) => timeline::run(a),
        Command::Analyze(a) => analyze::run(a),
        Command::Check(a) => check::run(a),
        Command::Sim(a) => sim::run(a),
        Command::Lab(a) => lab::run(a),
        Command::Live(a) => live::run(a),
        Command::Tui(a) => tui::run(a),
    };
    match result {
        Ok(Status::Ok) => ExitCode::SUCCESS,
        Ok(Status::Failed) => ExitCode::from(1),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("vrrplab: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `vrrplab read big.pcap | head` is normal use, not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Writes a report's `items` to stdout as JSON lines with `--json`, else
/// as `text` renders them (`timeline` and `analyze` differ only in these).
fn write_report<T: serde::Serialize + Sync>(
    json: bool,
    items: &[T],
    text: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        let lines = |piece: &[T], buf: &mut Vec<u8>| {
            piece.iter().try_for_each(|item| {
                serde_json::to_writer(&mut *buf, item)?;
                buf.push(b'\n');
                Ok(())
            })
        };
        crate::print::in_order::render(items, &lines, &mut out)?;
    } else {
        text(&mut out)?;
    }
    out.flush()?;
    Ok(())
}

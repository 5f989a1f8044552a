//! `vrrplab check`: expectations on captures, for CI.

use super::Status;
use crate::analyze::{analyze_files, Analyzer};
use crate::check::{self, junit, output, Expectation};
use anyhow::Context;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args, Debug)]
#[command(after_help = "The expectation kinds and their keys: vrrplab check --help", after_long_help = check::HELP)]
pub struct Args {
    /// Capture files (pcap or pcapng), read in order as one capture
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// An expectation, e.g. 'failover vrid=51 to=192.0.2.12 within=4s'; repeatable
    #[arg(long = "expect", value_name = "EXPR")]
    pub expect: Vec<String>,
    /// A TOML file of [[expect]] tables; repeatable
    #[arg(long = "expect-file", value_name = "FILE.toml")]
    pub expect_file: Vec<PathBuf>,
    /// Also write a JUnit XML report, one testcase per expectation
    #[arg(long, value_name = "OUT.xml")]
    pub junit: Option<PathBuf>,
    /// JSON lines instead of text: one object per expectation, then a summary
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    let expectations = expectations(&args)?;
    let started = Instant::now();
    let suite = args
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let report = match analyze_files(&args.files, Analyzer::new()) {
        Ok(report) => report,
        Err(e) => {
            // The CI test view says why nothing was checked; the exit code is still 2.
            if let Some(path) = &args.junit {
                let elapsed = started.elapsed().as_secs_f64();
                write_report(path, |w| {
                    junit::write_junit_error(w, &suite, &expectations, &format!("{e:#}"), elapsed)
                })?;
            }
            return Err(e);
        }
    };
    let verdicts = check::evaluate(&report, &expectations);
    if let Some(path) = &args.junit {
        let elapsed = started.elapsed().as_secs_f64();
        write_report(path, |w| junit::write_junit(w, &suite, &verdicts, elapsed))?;
    }
    let mut out = BufWriter::new(std::io::stdout().lock());
    if args.json {
        output::write_json(&mut out, &verdicts)?;
    } else {
        output::write_text(&mut out, &verdicts)?;
    }
    out.flush()?;
    Ok(if verdicts.iter().all(|v| v.passed) {
        Status::Ok
    } else {
        Status::Failed
    })
}

fn write_report(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let mut w = BufWriter::new(
        File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
    );
    write(&mut w)
        .and_then(|()| w.flush())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Every expectation, `--expect`s first, then each file's in order; any
/// mistake is an error (exit 2) before a capture is read.
fn expectations(args: &Args) -> anyhow::Result<Vec<Expectation>> {
    let mut all = args
        .expect
        .iter()
        .map(|e| e.parse())
        .collect::<Result<Vec<Expectation>, _>>()?;
    for path in &args.expect_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        all.extend(check::parse_file(&path.display().to_string(), &text)?);
    }
    if all.is_empty() {
        anyhow::bail!("nothing to check: give --expect EXPR or --expect-file FILE.toml (see vrrplab check --help)");
    }
    Ok(all)
}

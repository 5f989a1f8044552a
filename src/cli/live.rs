//! `vrrplab live -i IFACE`: `read`'s printing, filtering and `-w` on a live
//! interface (an AF_PACKET socket, promiscuous, as tcpdump opens one).
//! Ctrl-C ends the capture cleanly: what was captured is printed and
//! written, and the exit code is 0.

use super::read::{show, View};
use super::Status;
use crate::capture::live::LiveSource;
use crate::capture::Source;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Interface to capture on (in the current network namespace)
    #[arg(short = 'i', value_name = "IFACE")]
    pub interface: String,
    /// Stop after this long (e.g. 30s, 5m); otherwise at -c N packets or Ctrl-C
    #[arg(long, value_name = "D", value_parser = duration)]
    pub duration: Option<Duration>,
    /// Kernel capture filter in tcpdump's syntax (e.g. 'vrrp or arp'), compiled by libpcap
    #[cfg(feature = "libpcap")]
    #[arg(short = 'f', value_name = "BPF")]
    pub bpf: Option<String>,
    #[command(flatten)]
    pub view: View,
}

fn duration(s: &str) -> Result<Duration, String> {
    crate::scenario::toml::parse_duration(s)
        .filter(|&us| us > 0)
        .map(Duration::from_micros)
        .ok_or_else(|| format!("invalid duration {s:?} (e.g. 30s, 500ms, 5m)"))
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    let _held = crate::interrupt::hold()?;
    let source = LiveSource::open(&args.interface, args.duration, crate::interrupt::interrupted)?;
    #[cfg(feature = "libpcap")]
    let source = match &args.bpf {
        Some(expr) => source.with_filter(&crate::capture::bpf::compile(expr)?)?,
        None => source,
    };
    let mut source: Option<Box<dyn Source>> = Some(Box::new(source));
    show(&args.view, &mut || source.take().map(Ok), true)
}

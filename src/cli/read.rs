//! `vrrplab read FILE...`: tcpdump for VRRP and ARP.
//!
//! One loop reads every file in order, decodes each frame once, asks the
//! frame predicate whether it passes, then prints it with the chosen output
//! mode and/or writes it with `-w`. Output modes implement
//! [`crate::print::Printer`]; adding one is a variant of [`Mode`] and a line
//! in [`printer`]; adding a filter is a line in [`predicate`].

use super::Status;
use crate::capture::{self, writer::PcapWriter, Frame, LinkType, Source};
use crate::print::parallel::print_frames;
use crate::print::{time::TimeFormat, Compat, FrameView, Options, Printer, Tcpdump};
use anyhow::Context;
use clap::ArgAction;
use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Capture files (pcap or pcapng, detected from their content), read in order
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Do not resolve names (accepted for tcpdump habits: vrrplab never resolves)
    #[arg(short = 'n', action = ArgAction::Count)]
    pub numeric: u8,
    /// More detail: IP header, VRRP checksum, addresses and auth (-v, -vv, -vvv)
    #[arg(short = 'v', action = ArgAction::Count)]
    pub verbose: u8,
    /// Print the link-level header (MAC addresses, ethertype, VLAN tags)
    #[arg(short = 'e')]
    pub link_header: bool,
    /// Hex dump of each packet without its link header (-xx: with it)
    #[arg(short = 'x', action = ArgAction::Count)]
    pub hex: u8,
    /// Hex and ASCII dump of each packet without its link header (-XX: with it)
    #[arg(short = 'X', action = ArgAction::Count)]
    pub hex_ascii: u8,
    /// Stop after N packets
    #[arg(short = 'c', value_name = "N")]
    pub count: Option<u64>,
    /// Print a packet number before each line
    #[arg(short = '#', long = "number")]
    pub number: bool,
    /// Timestamps: -t none, -tt Unix seconds, -ttt delta to previous, -tttt date and time,
    /// -ttttt delta to first (default: time of day, local time)
    #[arg(short = 't', action = ArgAction::Count)]
    pub time: u8,
    /// Nanosecond timestamps (tcpdump's --nano); microseconds otherwise, even for
    /// nanosecond files, as tcpdump does
    #[arg(long)]
    pub nano: bool,
    /// Which tcpdump to imitate where versions differ (4.9 prints VRRP auth as "1111^@^@^@^@")
    #[arg(long, value_enum, default_value = "4.99", value_name = "VERSION")]
    pub tcpdump_compat: TcpdumpCompat,
    /// Write the packets that pass to OUT.pcap instead of printing them
    #[arg(short = 'w', value_name = "OUT.pcap")]
    pub write: Option<PathBuf>,
    /// With -w, print the packets as well
    #[arg(long = "print", requires = "write")]
    pub print_too: bool,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpdumpCompat {
    #[value(name = "4.99")]
    V4_99,
    #[value(name = "4.9")]
    V4_9,
}

/// The output modes of `read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// tcpdump lines (with -x/-X dumps).
    Tcpdump,
}

fn mode(_args: &Args) -> Mode {
    Mode::Tcpdump
}

fn printer(args: &Args) -> Box<dyn Printer + Send> {
    match mode(args) {
        Mode::Tcpdump => Box::new(Tcpdump::new(Options {
            verbose: args.verbose,
            link_header: args.link_header,
            hex: args.hex,
            hex_ascii: args.hex_ascii,
            number: args.number,
            time: TimeFormat::from_count(args.time),
            nanos: args.nano,
            compat: match args.tcpdump_compat {
                TcpdumpCompat::V4_99 => Compat::V4_99,
                TcpdumpCompat::V4_9 => Compat::V4_9,
            },
        })),
    }
}

/// Decides which frames pass (are printed, counted and written).
type Predicate = Box<dyn FnMut(&FrameView<'_>) -> bool>;

/// The frame predicate the arguments ask for; `None` lets every frame pass.
fn predicate(_args: &Args) -> anyhow::Result<Option<Predicate>> {
    Ok(None)
}

/// `-w`: the pcap is created at the first frame that passes, with its link
/// type, and nanosecond timestamps if its source has them.
struct Output {
    path: PathBuf,
    writer: Option<(LinkType, PcapWriter<BufWriter<File>>)>,
}

impl Output {
    fn write(&mut self, frame: &Frame, nanos: bool) -> anyhow::Result<()> {
        if self.writer.is_none() {
            self.writer = Some((frame.linktype, create(&self.path, frame.linktype, nanos)?));
        }
        let Some((linktype, w)) = self.writer.as_mut() else { return Ok(()) };
        if *linktype != frame.linktype {
            anyhow::bail!(
                "{}: cannot write a {} frame into a pcap of {} frames (one link type per pcap file)",
                self.path.display(),
                frame.linktype,
                linktype
            );
        }
        w.write_frame(frame).with_context(|| self.path.display().to_string())
    }

    /// Flushes; `empty_too` leaves an empty capture when nothing passed.
    fn finish(mut self, empty_too: bool) -> anyhow::Result<()> {
        if self.writer.is_none() && empty_too {
            // Nothing passed: still leave a valid, empty capture.
            self.writer = Some((LinkType::Ethernet, create(&self.path, LinkType::Ethernet, false)?));
        }
        if let Some((_, mut w)) = self.writer {
            w.flush().with_context(|| self.path.display().to_string())?;
        }
        Ok(())
    }
}

fn create(path: &Path, linktype: LinkType, nanos: bool) -> anyhow::Result<PcapWriter<BufWriter<File>>> {
    let file = File::create(path).with_context(|| format!("{}: cannot create", path.display()))?;
    PcapWriter::new(BufWriter::with_capacity(1 << 20, file), linktype, capture::file::MAX_CAPLEN, nanos)
        .with_context(|| path.display().to_string())
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    let mut keep = predicate(&args)?;
    let print = args.write.is_none() || args.print_too;
    let limit = args.count.unwrap_or(u64::MAX);
    let mut output = args.write.as_ref().map(|path| Output { path: path.clone(), writer: None });
    let mut files = args.files.iter();
    let mut source: Option<Box<dyn Source>> = None;
    let mut passed: u64 = 0;
    // Yields the next frame that passes, in order across the files; writes
    // it with -w. Runs on this thread whatever prints.
    let mut next = |frame: &mut Frame| -> anyhow::Result<bool> {
        while passed < limit {
            let Some(src) = source.as_mut() else {
                let Some(path) = files.next() else { return Ok(false) };
                source = Some(capture::open(path)?);
                continue;
            };
            if !src.next_frame(frame)? {
                source = None;
                continue;
            }
            if let Some(keep) = keep.as_mut() {
                if !keep(&FrameView::new(frame)) {
                    continue;
                }
            }
            passed += 1;
            if let Some(o) = output.as_mut() {
                o.write(frame, src.nanosecond_precision())?;
            }
            return Ok(true);
        }
        Ok(false)
    };
    let result = if print {
        let make = || printer(&args);
        let workers = if make().frame_independent() { workers() } else { 1 };
        print_frames(workers, &make, &mut next, &mut io::stdout())
    } else {
        let mut frame = Frame::default();
        (|| {
            while next(&mut frame)? {}
            Ok(())
        })()
    };
    // Frames read before an error were printed, as tcpdump does; likewise
    // the frames written before it are kept.
    let finished = output.map_or(Ok(()), |o| o.finish(result.is_ok()));
    result?;
    finished?;
    Ok(Status::Ok)
}

/// Printing threads: one per core beyond the one that reads, at most four.
fn workers() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores <= 1 {
        1
    } else {
        cores.min(4)
    }
}

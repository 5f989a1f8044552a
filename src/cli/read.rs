//! `vrrplab read FILE...`: tcpdump for VRRP and ARP.
//!
//! Frames are read from every file in order, asked the frame predicate
//! (`--filter`) whether they pass, written with `-w`, and printed with the
//! chosen output mode (tcpdump lines, `-V` tree, `--json`), on several
//! threads when the mode allows it. Headers are decoded once, and only when
//! the filter or the mode needs them. Output modes implement
//! [`crate::print::Printer`]; adding one is a variant of [`Mode`] and a line
//! in [`printer`]; adding a filter is a line in [`predicate`].

use super::Status;
use crate::capture::{self, writer::{PcapWriter, RecordFile}, Frame, LinkType, Source};
use crate::dissect::FrameRef;
use crate::filter::Filter;
use crate::print::parallel::{print_each, print_frames};
use crate::print::{json::Json, time::TimeFormat, tree::TreePrinter, Compat, FrameView, Options, Printer, Tcpdump};
use clap::ArgAction;
use std::io;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Capture files (pcap or pcapng, detected from their content), read in order
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub view: View,
}

/// How frames are filtered, printed and written: the flags `read` shares
/// with `live`.
#[derive(clap::Args, Debug)]
pub struct View {
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
    /// Print absolute TCP sequence numbers (by default, as tcpdump, relative to
    /// each conversation's first)
    #[arg(short = 'S')]
    pub absolute_seq: bool,
    /// Which tcpdump to imitate where versions differ (4.9 prints VRRP auth as "1111^@^@^@^@")
    #[arg(long, value_enum, default_value = "4.99", value_name = "VERSION")]
    pub tcpdump_compat: TcpdumpCompat,
    /// Write the packets that pass to OUT.pcap instead of printing them
    #[arg(short = 'w', value_name = "OUT.pcap")]
    pub write: Option<PathBuf>,
    /// With -w, print the packets as well
    #[arg(long = "print", requires = "write")]
    pub print_too: bool,
    /// Print the dissection tree: every field with its byte range, raw bytes, value and meaning
    #[arg(short = 'V', conflicts_with = "json")]
    pub tree: bool,
    /// Print one JSON object per packet, with Wireshark's field names (as tshark -T fields prints them)
    #[arg(long)]
    pub json: bool,
    /// Display filter over Wireshark's field names, applied before printing and -w:
    /// e.g. 'vrrp.virt_rtr_id == 51 && vrrp.prio < 100', 'arp.isgratuitous', 'ip.addr == 192.0.2.0/24'
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,
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
    /// `-V`: the dissection tree.
    Tree,
    /// `--json`: JSON lines.
    Json,
}

fn mode(args: &View) -> Mode {
    if args.tree {
        Mode::Tree
    } else if args.json {
        Mode::Json
    } else {
        Mode::Tcpdump
    }
}

fn printer(args: &View) -> Box<dyn Printer + Send> {
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
            absolute_seq: args.absolute_seq,
        })),
        Mode::Tree => Box::new(TreePrinter),
        Mode::Json => Box::new(Json),
    }
}

/// Decides which frames pass (are printed, counted and written), given the
/// frame's number in its file.
type Predicate = Box<dyn FnMut(u64, &FrameView<'_>) -> bool>;

/// The frame predicate the arguments ask for; `None` lets every frame pass.
fn predicate(args: &View) -> anyhow::Result<Option<Predicate>> {
    let Some(expr) = &args.filter else {
        return Ok(None);
    };
    let filter = Filter::parse(expr).map_err(|e| anyhow::anyhow!("--filter: {e}"))?;
    Ok(Some(Box::new(move |number, view| {
        filter.matches(&FrameRef { number, frame: view.frame, decoded: *view.decoded() })
    })))
}

/// `-w`: the pcap is created at the first frame that passes, with its link
/// type, and nanosecond timestamps if its source has them.
struct Output {
    path: PathBuf,
    writer: Option<(LinkType, PcapWriter<RecordFile>)>,
}

impl Output {
    fn write(&mut self, frame: &Frame, nanos: bool) -> anyhow::Result<()> {
        if self.writer.is_none() {
            self.writer = Some((frame.linktype, create(&self.path, frame.linktype, nanos)?));
        }
        let Some((linktype, w)) = self.writer.as_mut() else {
            return Ok(());
        };
        if *linktype != frame.linktype {
            anyhow::bail!(
                "{}: cannot write a {} frame into a pcap of {} frames (one link type per pcap file)",
                self.path.display(),
                frame.linktype,
                linktype
            );
        }
        // The errors of a `RecordFile` name the file.
        Ok(w.write_frame(frame)?)
    }

    /// Flushes; `empty_too` leaves an empty capture when nothing passed.
    fn finish(mut self, empty_too: bool) -> anyhow::Result<()> {
        if self.writer.is_none() && empty_too {
            // Nothing passed: still leave a valid, empty capture.
            self.writer = Some((LinkType::Ethernet, create(&self.path, LinkType::Ethernet, false)?));
        }
        if let Some((_, mut w)) = self.writer {
            w.flush()?;
        }
        Ok(())
    }
}

fn create(path: &Path, linktype: LinkType, nanos: bool) -> anyhow::Result<PcapWriter<RecordFile>> {
    capture::writer::create(path, linktype, capture::file::MAX_CAPLEN, nanos)
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    let mut files = args.files.iter();
    show(&args.view, &mut || files.next().map(|path| capture::open(path)), false)
}

/// The next input of [`show`]; `None` when there is no more.
pub type Sources<'a> = dyn FnMut() -> Option<anyhow::Result<Box<dyn Source>>> + 'a;

/// Filters, writes and prints the frames of each source in turn. `live`
/// prints each frame as soon as it comes (one thread, no batching).
pub fn show(args: &View, sources: &mut Sources<'_>, live: bool) -> anyhow::Result<Status> {
    let mut keep = predicate(args)?;
    let print = args.write.is_none() || args.print_too;
    let limit = args.count.unwrap_or(u64::MAX);
    let mut output = args.write.as_ref().map(|path| Output { path: path.clone(), writer: None });
    let mut source: Option<Box<dyn Source>> = None;
    let mut passed: u64 = 0;
    let mut in_file: u64 = 0;
    // Yields the next frame that passes, with its number in its file, in
    // order across the files; writes it with -w. Runs on this thread
    // whatever prints.
    let mut next = |frame: &mut Frame| -> anyhow::Result<Option<u64>> {
        while passed < limit {
            let Some(src) = source.as_mut() else {
                let Some(opened) = sources() else {
                    return Ok(None);
                };
                source = Some(opened?);
                in_file = 0;
                continue;
            };
            if !src.next_frame(frame)? {
                source = None;
                continue;
            }
            in_file += 1;
            if let Some(keep) = keep.as_mut() {
                if !keep(in_file, &FrameView::new(frame)) {
                    continue;
                }
            }
            passed += 1;
            if let Some(o) = output.as_mut() {
                o.write(frame, src.nanosecond_precision())?;
            }
            return Ok(Some(in_file));
        }
        Ok(None)
    };
    let result = if print {
        let make = || printer(args);
        if live {
            print_each(&make, &mut next, &mut io::stdout())
        } else {
            let workers = if make().frame_independent() { workers() } else { 1 };
            print_frames(workers, &make, &mut next, &mut io::stdout())
        }
    } else {
        let mut frame = Frame::default();
        (|| {
            while next(&mut frame)?.is_some() {}
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

//! The fuzz targets' bodies, shared with `tests/fuzz_regressions.rs`, which
//! replays every input in `fuzz/regressions/<target>/` through the same code
//! in the normal test suite. Each function must return (never panic, never
//! hang) whatever the bytes.

#![allow(dead_code)] // each fuzz target uses one of these

use std::io::Write;
use std::path::Path;
use vrrplab::capture::{self, Frame, LinkType, Timestamp};
use vrrplab::dissect::FrameRef;
use vrrplab::filter::Filter;
use vrrplab::print::json::Json;
use vrrplab::print::time::TimeFormat;
use vrrplab::print::tree::TreePrinter;
use vrrplab::print::{Compat, FrameView, Numbers, Options, Printer, Tcpdump};
use vrrplab::wire::{arp, decode::decode, vrrp};

/// keepalived.conf text → `KeepalivedConf` or an error, never a panic.
pub fn keepalived_conf(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = vrrplab::scenario::keepalived::parse_str(&text, Path::new("fuzz.conf"), 1);
}

/// Scenario TOML → `Scenario` or an error, never a panic.
pub fn scenario_toml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = vrrplab::scenario::toml::parse(text, Path::new("fuzz.toml"));
    }
}

const LINKTYPES: [u32; 8] = [1, 101, 228, 229, 113, 276, 0, 12];

fn wire(bytes: &[u8]) {
    if let Ok(p) = vrrp::Packet::new_checked(bytes) {
        for family in [vrrp::Family::Ipv4, vrrp::Family::Ipv6] {
            let _ = vrrp::Repr::parse(&p, family);
        }
    }
    if let Ok(p) = arp::Packet::new_checked(bytes) {
        let _ = p.addr_ranges();
        for which in 0..4 {
            let _ = p.addr(which);
        }
        if let Some(e) = p.ether_ipv4() {
            let _ = (e.kind(), e.is_gratuitous());
        }
    }
}

/// Every printer of `vrrplab read` on one frame: the tcpdump line (with
/// `opts`), the `-V` tree and `--json`, twice (deltas, JSON separators).
fn print_all(opts: Options, frame: &Frame) {
    let mut out = Vec::new();
    let view = FrameView::new(frame);
    let mut printers: [Box<dyn Printer>; 3] = [
        Box::new(Tcpdump::new(opts)),
        Box::new(TreePrinter),
        Box::new(Json),
    ];
    for p in &mut printers {
        for n in 1..=2 {
            p.print(
                Numbers {
                    printed: n,
                    in_file: n,
                },
                &view,
                &mut out,
            );
        }
        p.finish(&mut out);
    }
}

/// One frame through everything that reads packet bytes: the layered
/// decoder, the VRRP view and `Repr::parse` (both families), the ARP view and
/// its classes, and every printer, with the tcpdump flags the first byte picks.
pub fn packet(data: &[u8]) {
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    let linktype = LinkType::from_u32(LINKTYPES[usize::from(sel & 7)]);
    wire(bytes);
    let decoded = decode(linktype, bytes);
    if let Some((_, payload)) = decoded.vrrp() {
        wire(payload);
    }
    if let Some(payload) = decoded.arp() {
        wire(payload);
    }
    let opts = Options {
        verbose: (sel >> 3) & 3,
        link_header: sel & 0x20 != 0,
        hex: u8::from(sel & 0x40 != 0),
        hex_ascii: u8::from(sel & 0x80 != 0) * 2,
        number: sel & 1 != 0,
        time: TimeFormat::from_count(sel % 6),
        nanos: sel & 2 != 0,
        compat: if sel & 4 != 0 {
            Compat::V4_9
        } else {
            Compat::V4_99
        },
        absolute_seq: data.len() % 2 == 0,
    };
    let frame = Frame {
        ts: Timestamp::from_micros(i64::from(sel) * 1_000_003),
        orig_len: u32::try_from(bytes.len())
            .unwrap_or(u32::MAX)
            .saturating_add(u32::from(sel & 3)),
        linktype,
        interface: 0,
        data: bytes.to_vec(),
    };
    print_all(opts, &frame);
}

/// Arbitrary bytes as a capture file: the pcap / pcapng readers (through
/// `capture::open`, which needs a file) and the tcpdump printer on every frame
/// they yield. The frame count is bounded so that a valid-looking file of
/// empty records cannot keep one input running.
pub fn capture_file(data: &[u8]) {
    let dir = std::env::temp_dir();
    let Ok(mut file) = tempfile::NamedTempFile::new_in(dir) else {
        return;
    };
    if file.write_all(data).is_err() {
        return;
    }
    let Ok(mut source) = capture::open(file.path()) else {
        return;
    };
    // The readers are this target's subject (the printers are `packet`'s):
    // every printer on the first frames, the tcpdump line on the rest.
    let mut frame = Frame::default();
    let mut line = Tcpdump::new(Options {
        verbose: 1,
        ..Options::default()
    });
    let mut out = Vec::new();
    for n in 1..=1_000u64 {
        match source.next_frame(&mut frame) {
            Ok(true) => {
                if n <= 8 {
                    print_all(Options::default(), &frame);
                }
                out.clear();
                line.print(
                    Numbers {
                        printed: n,
                        in_file: n,
                    },
                    &FrameView::new(&frame),
                    &mut out,
                );
            }
            _ => break,
        }
    }
}

/// A display filter (the bytes before the first NUL) parsed and, when it
/// parses, matched against the frame that follows (Ethernet).
pub fn filter(data: &[u8]) {
    let (expr, bytes) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(expr) = std::str::from_utf8(expr) else {
        return;
    };
    let Ok(filter) = Filter::parse(expr) else {
        return;
    };
    let frame = Frame {
        orig_len: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
        data: bytes.to_vec(),
        ..Frame::default()
    };
    let _ = filter.matches(&FrameRef::new(1, &frame));
}

/// ipvsadm command lines (one per line of the input) through the parser.
pub fn ipvsadm(data: &[u8]) {
    for line in String::from_utf8_lossy(data).lines().take(64) {
        let _ = vrrplab::engine::ipvs::ipvsadm::parse::parse(line);
    }
}

/// Arbitrary bytes as a sequence of frames through the analyzer, then every
/// rendering of its report: the timeline and the findings, as text and as
/// JSON lines (what `timeline`, `analyze` and their `--json` print).
///
/// Each frame is a 5-byte header and its bytes: the length (u16 LE), the
/// time since the previous frame in milliseconds (i16 LE, so captures may
/// go back in time), and a selector byte (link type in the low 3 bits,
/// pcapng interface in the next 2). A time step of `i16::MIN` instead reads
/// an absolute timestamp in microseconds (i64 LE) after the header, so
/// the extremes a pcapng file can carry are reached too.
pub fn analyze(mut data: &[u8]) {
    let mut analyzer = vrrplab::analyze::Analyzer::new();
    let mut us: i64 = 1_767_225_600_000_000; // 2026-01-01
    let mut frame = Frame::default();
    for _ in 0..4096 {
        let Some((head, rest)) = data.split_first_chunk::<5>() else {
            break;
        };
        let len = usize::from(u16::from_le_bytes([head[0], head[1]]));
        let step = i16::from_le_bytes([head[2], head[3]]);
        data = rest;
        us = if step == i16::MIN {
            let Some((abs, rest)) = data.split_first_chunk::<8>() else {
                break;
            };
            data = rest;
            i64::from_le_bytes(*abs)
        } else {
            us.saturating_add(i64::from(step) * 1000)
        };
        let bytes = &data[..len.min(data.len())];
        data = &data[bytes.len()..];
        frame.ts = Timestamp::from_micros(us);
        frame.linktype = LinkType::from_u32(LINKTYPES[usize::from(head[4] & 7)]);
        frame.interface = u32::from((head[4] >> 3) & 3);
        frame.orig_len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        frame.data.clear();
        frame.data.extend_from_slice(bytes);
        analyzer.feed(&frame);
    }
    let report = analyzer.finish();
    let mut out = Vec::new();
    let _ = vrrplab::analyze::text::timeline(&report, &mut out);
    let _ = vrrplab::analyze::text::findings(&report, &mut out);
    for e in &report.timeline {
        let _ = serde_json::to_writer(&mut out, e);
    }
    for f in &report.findings {
        let _ = serde_json::to_writer(&mut out, f);
    }
    let _ = serde_json::to_writer(&mut out, &report);
}

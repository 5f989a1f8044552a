//! Lines byte-identical to tcpdump 4.99's for VRRP and ARP (and close to it
//! for the rest): the packet number, timestamp, link header (`-e`), the
//! protocol summary (more with `-v`), then `-x`/`-X` dumps.
//!
//! tcpdump prints as it parses and, when a field lies past the captured
//! bytes, jumps out and appends ` [|proto]`. The printers here do the same
//! with `Result<_, Trunc>`: every byte is read through `get`/`get16`, so
//! where a line stops on a short packet is where tcpdump's stops.

use super::fmt::{dec, dec_pad};
use super::hex::{hex_and_ascii, hex_only};
use super::time::{Clock, TimeFormat};
use super::{FrameView, Numbers, Printer};
use crate::capture::{file::MAX_CAPLEN, Frame};

mod arp;
mod igmp;
mod ip;
mod ip6opts;
mod tcp_seq;
mod text;
mod link;
mod transport;
mod vrrp;

#[cfg(test)]
mod test;

/// Which tcpdump to imitate where versions differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compat {
    /// tcpdump 4.99 (Debian 12's 4.99.3).
    #[default]
    V4_99,
    /// tcpdump 4.9: VRRP simple auth printed as all 8 bytes, NULs as `^@`.
    V4_9,
}

/// tcpdump's printing flags.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// `-v` count.
    pub verbose: u8,
    /// `-e`: print the link-level header.
    pub link_header: bool,
    /// `-x` count (2: include the link header).
    pub hex: u8,
    /// `-X` count (2: include the link header).
    pub hex_ascii: u8,
    /// `-#`: packet numbers.
    pub number: bool,
    pub time: TimeFormat,
    /// `--nano`: nanosecond timestamps.
    pub nanos: bool,
    pub compat: Compat,
    /// `-S`: absolute TCP sequence numbers (relative ones otherwise).
    pub absolute_seq: bool,
}

impl Options {
    /// tcpdump skips its default hex dump of unknown payloads when `-x` or
    /// `-X` will dump the packet anyway.
    fn suppress_default_print(&self) -> bool {
        self.hex > 0 || self.hex_ascii > 0
    }
}

/// The tcpdump-style line printer.
pub struct Tcpdump {
    opts: Options,
    clock: Clock,
    conversations: tcp_seq::Conversations,
}

impl Tcpdump {
    pub fn new(opts: Options) -> Tcpdump {
        Tcpdump { opts, clock: Clock::new(opts.time, opts.nanos), conversations: Default::default() }
    }
}

/// A hex dump function (`-x` or `-X`).
type Dump = fn(&mut Vec<u8>, &str, &[u8], usize) -> bool;

/// A printer needed a byte that was not captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Trunc;

pub(crate) type R<T = ()> = Result<T, Trunc>;

#[inline]
pub(crate) fn get(b: &[u8], i: usize) -> R<u8> {
    b.get(i).copied().ok_or(Trunc)
}

#[inline]
pub(crate) fn get16(b: &[u8], i: usize) -> R<u16> {
    Ok(u16::from_be_bytes([get(b, i)?, get(b, i + 1)?]))
}

pub(crate) fn get32(b: &[u8], i: usize) -> R<u32> {
    Ok(u32::from_be_bytes([get(b, i)?, get(b, i + 1)?, get(b, i + 2)?, get(b, i + 3)?]))
}

/// `len` bytes from `i`, or `Trunc`.
pub(crate) fn bytes(b: &[u8], i: usize, len: usize) -> R<&[u8]> {
    b.get(i..i.checked_add(len).ok_or(Trunc)?).ok_or(Trunc)
}

/// What the protocol printers write into.
pub(crate) struct Cx<'a> {
    pub out: &'a mut Vec<u8>,
    /// The protocol being printed, for ` [|proto]` (tcpdump's `ndo_protocol`).
    pub proto: &'static str,
    pub opts: &'a Options,
    /// TCP conversations seen so far, for relative sequence numbers.
    conversations: &'a mut tcp_seq::Conversations,
}

impl Cx<'_> {
    #[inline(always)]
    pub fn s(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }
    #[inline(always)]
    pub fn dec(&mut self, v: impl Into<u64>) {
        dec(self.out, v.into());
    }
    pub fn hex(&mut self, v: impl Into<u64>) {
        super::fmt::hex(self.out, v.into());
    }
    pub fn hex_pad(&mut self, v: impl Into<u64>, width: usize) {
        super::fmt::hex_pad(self.out, v.into(), width);
    }
    #[inline(always)]
    pub fn ipv4(&mut self, a: &[u8]) {
        super::fmt::ipv4(self.out, a);
    }
    pub fn ipv6(&mut self, a: &[u8]) {
        super::fmt::ipv6(self.out, a);
    }
    pub fn mac(&mut self, a: &[u8]) {
        super::fmt::linkaddr(self.out, a);
    }
    /// tcpdump's `nd_print_trunc`: note the truncation and go on.
    pub fn trunc_note(&mut self) {
        self.s(" [|");
        self.s(self.proto);
        self.s("]");
    }
    pub fn invalid(&mut self) {
        self.s(" (invalid)");
    }
    /// tcpdump's default print (`ND_DEFAULTPRINT`) of bytes it cannot
    /// decode: a hex and ASCII dump.
    pub fn default_print(&mut self, b: &[u8]) {
        hex_and_ascii(self.out, "\n\t", b, b.len());
    }
    /// The default print of an unknown link-layer payload, which tcpdump
    /// leaves out when `-x`/`-X` dumps the packet anyway.
    pub fn unknown_payload(&mut self, b: &[u8]) {
        if !self.opts.suppress_default_print() {
            self.default_print(b);
        }
    }
    pub fn verbose(&self) -> bool {
        self.opts.verbose > 0
    }
}

impl Printer for Tcpdump {
    /// The delta timestamps (`-ttt`, `-ttttt`) look at earlier frames.
    fn frame_independent(&self) -> bool {
        !matches!(self.opts.time, TimeFormat::DeltaPrevious | TimeFormat::DeltaFirst)
    }

    /// Relative TCP sequence numbers (without `-S`) look at earlier frames:
    /// any IP packet that may carry TCP, directly, tunnelled or quoted in an
    /// ICMP error, needs the frames before it. VRRP, UDP and IGMP do not.
    fn needs_order(&self, frame: &crate::capture::Frame) -> bool {
        if self.opts.absolute_seq {
            return false;
        }
        crate::wire::decode::ip_protocol(frame.linktype, &frame.data)
            .is_some_and(|proto| !matches!(proto, crate::wire::vrrp::PROTOCOL | 17 | 2))
    }

    fn print(&mut self, n: Numbers, view: &FrameView<'_>, out: &mut Vec<u8>) {
        let frame = view.frame;
        if self.opts.number {
            dec_pad(out, n.printed, 5, b' ');
            out.extend_from_slice(b"  ");
        }
        let (caplen, len) = (frame.data.len() as u64, u64::from(frame.orig_len));
        let sane = caplen != 0 && caplen <= len && len <= u64::from(MAX_CAPLEN);
        if !sane && invalid_header(out, frame) {
            return;
        }
        self.clock.print(out, frame.ts);
        let mut cx = Cx { out, proto: "", opts: &self.opts, conversations: &mut self.conversations };
        let hdrlen = match link::print(&mut cx, frame) {
            Ok(n) => n,
            Err(Trunc) => {
                cx.trunc_note();
                0
            }
        };
        let data = &frame.data[..];
        let (dump, whole): (Dump, bool) = if self.opts.hex_ascii > 0 {
            (hex_and_ascii, self.opts.hex_ascii > 1)
        } else {
            (hex_only, self.opts.hex > 1)
        };
        if self.opts.hex_ascii > 0 || self.opts.hex > 0 {
            if whole {
                dump(out, "\n\t", data, data.len());
            } else if data.len() > hdrlen {
                dump(out, "\n\t", &data[hdrlen..], data.len() - hdrlen);
            }
        }
        out.push(b'\n');
    }
}

/// tcpdump's sanity checks on the record lengths; prints the complaint
/// (which ends the line) and returns true when they fail.
fn invalid_header(out: &mut Vec<u8>, frame: &Frame) -> bool {
    let caplen = frame.data.len() as u64;
    let len = u64::from(frame.orig_len);
    let max = u64::from(MAX_CAPLEN);
    let start = out.len();
    let note = |out: &mut Vec<u8>, what: &[u8]| {
        out.extend_from_slice(if out.len() > start { b"," } else { b"[Invalid header:" });
        out.extend_from_slice(what);
    };
    if caplen == 0 {
        note(out, b" caplen==0");
    }
    if len == 0 {
        note(out, b" len==0");
    } else if len < caplen {
        note(out, b" len(");
        dec(out, len);
        out.extend_from_slice(b") < caplen(");
        dec(out, caplen);
        out.push(b')');
    }
    if caplen > max {
        note(out, b" caplen(");
        dec(out, caplen);
        out.extend_from_slice(b") > 262144");
    }
    if len > max {
        note(out, b" len(");
        dec(out, len);
        out.extend_from_slice(b") > 262144");
    }
    if out.len() > start {
        out.extend_from_slice(b"]\n");
        return true;
    }
    false
}

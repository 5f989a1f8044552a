//! Printers: tcpdump-compatible lines (with `-x`/`-X` hex dumps), the
//! dissection tree (`-V`), JSON lines (`--json`), and the [`Printer`] trait
//! that every output mode of `vrrplab read` implements.

use crate::capture::Frame;
use crate::wire::decode::{decode, Decoded};
use std::cell::OnceCell;

pub mod fmt;
pub mod hex;
pub mod in_order;
pub mod json;
pub mod names;
pub mod parallel;
pub mod tcpdump;
pub mod time;
pub mod tree;

pub use tcpdump::{Compat, Options, Tcpdump};

/// A frame and its headers, decoded on first use: the tcpdump printer walks
/// the bytes its own way and never needs them, the other modes and the
/// filter share one decoding.
pub struct FrameView<'a> {
    pub frame: &'a Frame,
    decoded: OnceCell<Decoded<'a>>,
}

impl<'a> FrameView<'a> {
    pub fn new(frame: &'a Frame) -> FrameView<'a> {
        FrameView { frame, decoded: OnceCell::new() }
    }

    pub fn decoded(&self) -> &Decoded<'a> {
        self.decoded.get_or_init(|| decode(self.frame.linktype, &self.frame.data))
    }
}

/// The two ways of counting a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Numbers {
    /// Frames that passed the filter, from 1, across all input files: what
    /// tcpdump's `-#` prints.
    pub printed: u64,
    /// The frame's place in its file, from 1, whatever was filtered out:
    /// Wireshark's `frame.number`, which `--json`, `-V` and `--filter` use.
    pub in_file: u64,
}

/// One output mode of `vrrplab read`: a tcpdump line, a dissection tree, a
/// JSON object. Output goes to a byte buffer that the caller flushes in
/// large writes, so printing a packet allocates nothing.
pub trait Printer {
    /// Prints one frame.
    fn print(&mut self, n: Numbers, view: &FrameView<'_>, out: &mut Vec<u8>);

    /// Called once after the last frame (a JSON array would close here).
    /// When frames were printed on several threads, it is called on a fresh
    /// printer.
    fn finish(&mut self, _out: &mut Vec<u8>) {}

    /// Whether each frame's output depends on that frame alone (not on the
    /// frames before it), so that frames may be printed on several threads
    /// by several printers.
    fn frame_independent(&self) -> bool {
        false
    }

    /// Whether printing `frame` reads or changes state carried across
    /// frames although the printer is otherwise frame-independent
    /// (tcpdump's relative TCP sequence numbers). From the first such frame
    /// on, frames are printed in order by one printer.
    fn needs_order(&self, _frame: &Frame) -> bool {
        false
    }
}

//! Printers: tcpdump-compatible lines (with `-x`/`-X` hex dumps), the
//! dissection tree (`-V`), JSON lines (`--json`), and the [`Printer`] trait
//! that every output mode of `vrrplab read` implements.

use crate::capture::Frame;
use crate::wire::decode::Decoded;

pub mod fmt;
pub mod hex;
pub mod json;
pub mod names;
pub mod tcpdump;
pub mod time;
pub mod tree;

pub use tcpdump::{Compat, Options, Tcpdump};

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
    fn print(&mut self, n: Numbers, frame: &Frame, decoded: &Decoded<'_>, out: &mut Vec<u8>);

    /// Called once after the last frame (a JSON array would close here).
    fn finish(&mut self, _out: &mut Vec<u8>) {}
}

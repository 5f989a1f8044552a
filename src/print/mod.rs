//! Printers: tcpdump-compatible lines (with `-x`/`-X` hex dumps), and the
//! [`Printer`] trait that every output mode of `vrrplab read` implements.

use crate::capture::Frame;
use crate::wire::decode::Decoded;

pub mod fmt;
pub mod hex;
pub mod names;
pub mod tcpdump;
pub mod time;

pub use tcpdump::{Compat, Options, Tcpdump};

/// One output mode of `vrrplab read`: a tcpdump line, a dissection tree, a
/// JSON object. Output goes to a byte buffer that the caller flushes in
/// large writes, so printing a packet allocates nothing.
pub trait Printer {
    /// Prints one frame. `number` counts the frames that were printed,
    /// from 1 (tcpdump's `-#`), across all input files.
    fn print(&mut self, number: u64, frame: &Frame, decoded: &Decoded<'_>, out: &mut Vec<u8>);

    /// Called once after the last frame (a JSON array would close here).
    fn finish(&mut self, _out: &mut Vec<u8>) {}
}

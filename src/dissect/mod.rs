//! What a frame says, field by field: the teaching tree of `read -V` and the
//! TUI ([`tree`]), and the flat Wireshark-named values that `--json` and
//! `--filter` read ([`fields`]). Both work from one [`FrameRef`], so a frame's
//! headers are decoded once whatever consumes them.

mod arp;
pub mod fields;
mod ip;
mod layers;
mod link;
#[cfg(test)]
pub(crate) mod testframes;
pub mod tree;
mod vrrp;

use crate::capture::Frame;
use crate::wire::decode::{self, Decoded};

pub use tree::{dissect, Level, Node, Tree};

/// A frame with its place in the capture and its decoded headers.
#[derive(Debug, Clone, Copy)]
pub struct FrameRef<'a> {
    /// 1-based, as tcpdump's `-#` and Wireshark's `frame.number` count.
    pub number: u64,
    pub frame: &'a Frame,
    pub decoded: Decoded<'a>,
}

impl<'a> FrameRef<'a> {
    /// Decodes `frame`; use the fields directly when it is already decoded.
    pub fn new(number: u64, frame: &'a Frame) -> FrameRef<'a> {
        FrameRef { number, frame, decoded: decode::decode(frame.linktype, &frame.data) }
    }

    pub fn data(&self) -> &'a [u8] {
        &self.frame.data
    }
}

//! Printers: tcpdump-compatible lines, hex dumps, JSON.

pub mod json;
pub mod tree;

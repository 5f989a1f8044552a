//! Printers: tcpdump-compatible lines, hex dumps, JSON.

pub mod json;

//! vrrplab: a packet-level VRRP/LVS analyzer and simulator.
//!
//! Frames come from capture files, live interfaces or the simulator
//! ([`capture`]), are decoded once ([`wire::decode`]) and feed the printers
//! ([`print`](mod@print), [`dissect`]), the analyzer ([`analyze`]) and the checks
//! ([`check`]). The simulator ([`sim`]) drives sans-IO protocol machines
//! ([`engine`]) in virtual time, from [`scenario`]s.

pub mod analyze;
pub mod capture;
pub mod check;
pub mod cli;
pub mod dissect;
pub mod engine;
pub mod filter;
pub mod interrupt;
pub mod lab;
pub mod print;
pub mod scenario;
pub mod sim;
pub mod tui;
pub mod wire;

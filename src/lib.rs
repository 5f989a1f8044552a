//! vrrplab: a packet-level VRRP/LVS analyzer and simulator.
//!
//! Frames come from capture files, live interfaces or the simulator
//! ([`capture`]), are decoded once ([`wire::decode`]) and feed the printers,
//! the analyzer and the checks. The simulator drives sans-IO protocol
//! machines ([`engine`]) in virtual time.

pub mod capture;
pub mod wire;
pub mod cli;

//! Election, ARP, LVS and conformance analysis over decoded frames: the Timeline and the Findings.

pub mod report;
